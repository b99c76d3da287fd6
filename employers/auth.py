"""OAuth2 client-credentials authentication for employers' HR portals."""

from __future__ import annotations

from dataclasses import dataclass, field

import pghistory
from oauth2_provider.contrib.rest_framework import OAuth2Authentication


@dataclass(frozen=True)
class PortalPrincipal:
    """Stands in for request.user when an employer's portal calls (no Django user)."""

    employer_id: int
    client_id: str
    application_id: int
    # The portal's own employer row, loaded with the token in its one statement (employers.oauth).
    employer: object = field(default=None, compare=False, repr=False)

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    @property
    def portal_client(self) -> "PortalPrincipal":
        return self

    def __str__(self) -> str:
        return f"client:{self.client_id}"


class BearerOAuth2Authentication(OAuth2Authentication):
    """OAuth2 bearer tokens; a request without an Authorization header skips oauthlib's parsing.

    A token with a user is a persons' app's (insured.app_login): its user must be an active person's
    login, never a staff account (whose rights need the admin's second factor); any other token
    with a user authenticates nobody."""

    def authenticate(self, request):
        if "HTTP_AUTHORIZATION" not in request.META:
            return None
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if user is not None and (not user.is_active or user.is_staff or user.is_superuser
                                 or getattr(user, "person_login", None) is None):
            return None
        return result


class EmployerClientAuthentication(BearerOAuth2Authentication):
    """A bearer token of an active EmployerClient; a person's token is not accepted here."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        _user, token = result
        client = getattr(token.application, "employer_client", None)
        if token.user_id is not None or client is None or client.revoked_at is not None:
            return None
        principal = PortalPrincipal(employer_id=client.employer_id, client_id=token.application.client_id,
                                    application_id=token.application_id, employer=client.employer)
        # Registry writes made in this request record the client in their history context.
        pghistory.context(oauth_client=principal.client_id, employer_id=principal.employer_id)
        return principal, token
