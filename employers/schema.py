"""OpenAPI security schemes of the employers' portals (drf-spectacular authentication extensions).

Imported by EmployersConfig.ready(): an extension registers itself when its class is defined.
"""

from __future__ import annotations

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.permissions import SAFE_METHODS

from employers.oauth import PORTAL_SCOPES


def _scopes() -> dict:
    from oauth2_provider.scopes import get_scopes_backend

    return get_scopes_backend().get_all_scopes()


class PortalClientScheme(DjangoOAuthToolkitScheme):
    """OAuth2 client credentials (`POST /o/token/`): GET needs the `read` scope, writes `write`.

    Views open to anonymous applicants (registrations) check the scope themselves when a token is
    given; their operations list the scheme with the scope they check, besides anonymous access.
    """

    target_class = "employers.auth.EmployerClientAuthentication"
    name = "portalOAuth2"

    def get_security_requirement(self, auto_schema):
        requirement = super().get_security_requirement(auto_schema)
        if requirement:
            return requirement
        return {self.name: ["read" if auto_schema.method in SAFE_METHODS else "write"]}

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "Employers' HR portals: a client issued by the agency, with the scopes the clerk chose "
                           "(`read`, or `read write`), takes a token at `/o/token/` with "
                           "grant_type=client_credentials and sends it as `Authorization: Bearer <token>`. A request "
                           "for more scopes than the client was given is answered `invalid_scope`.",
            "flows": {"clientCredentials": {"tokenUrl": "/o/token/",  # a portal obtains these only (employers.oauth)
                                            "scopes": {k: v for k, v in _scopes().items() if k in PORTAL_SCOPES}}},
        }


class PersonAppScheme(OpenApiAuthenticationExtension):
    """Persons' apps: OAuth 2 authorization code with PKCE (S256) at /o/authorize/ and /o/token/.
    The bearer authentication on person views accepts their tokens (GET needs `read`, writes
    `write`, common.permissions.IsInsuredPerson); on clerks' views it accepts none, so it adds no
    requirement there."""

    target_class = "employers.auth.BearerOAuth2Authentication"
    name = "personOAuth2"

    def get_security_requirement(self, auto_schema):
        from common.permissions import IsInsuredPerson

        if not any(isinstance(permission, IsInsuredPerson) for permission in auto_schema.view.get_permissions()):
            return None
        return {self.name: ["read" if auto_schema.method in SAFE_METHODS else "write"]}

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "Insured persons' apps (public clients the agency registers): authorization code with "
                           "PKCE, `code_challenge_method=S256` only. The person signs in with their web login on "
                           "the authorize page and allows the app; the app exchanges the code with its "
                           "`code_verifier` at `/o/token/`. The token reads and writes what the person's browser "
                           "session does (`read` for GET, `write` for the person's applications).",
            "flows": {"authorizationCode": {"authorizationUrl": "/o/authorize/", "tokenUrl": "/o/token/",
                                            "refreshUrl": "/o/token/", "scopes": {
                                                "read": "Read the person's own record",
                                                "write": "Apply and ask in the person's name"}}},
        }
