"""The OAuth validator of both kinds of client (OAUTH2_VALIDATOR_CLASS).

- Employers' portals: confidential clients, client credentials (employers.oauth, whose checks this
  keeps: a revoked portal client or an application of no employer authenticates no more).
- Persons' apps (insured.models.PersonApp): public clients, authorization code with PKCE. A public
  client proves nothing by itself; it is known by its client_id, which must be an app the agency
  registered and has not revoked. The code's PKCE challenge (S256 only, insured.app_login) binds the
  code to the app instance that asked for it; the code verifier is required at the token step.
"""

from __future__ import annotations

from employers.oauth import EmployerClientValidator


def person_app_active(application) -> bool:
    app = getattr(application, "person_app", None) if application is not None else None
    return app is not None and app.revoked_at is None


class AgencyValidator(EmployerClientValidator):
    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        """A public client: only a registered persons' app that is not revoked."""
        if not super().authenticate_client_id(client_id, request, *args, **kwargs):
            return False
        return person_app_active(request.client)

    def validate_client_id(self, client_id, request, *args, **kwargs):
        """At the authorize step: a persons' app; a portal client signs no person in."""
        if not super().validate_client_id(client_id, request, *args, **kwargs):
            return False
        return person_app_active(request.client)

    def validate_user(self, *args, **kwargs):
        return False  # no password grant (also refused by COMPLIANT_BCP_RFC9700_PASSWORD_GRANT)
