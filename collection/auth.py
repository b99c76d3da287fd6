"""The collector's system as an API caller (issue 22, item 2): an OAuth2 client-credentials client of
its own kind (collection.CollectorClient), whose token carries the `collect` scope."""

from __future__ import annotations

from dataclasses import dataclass

import pghistory

from employers.auth import BearerOAuth2Authentication


@dataclass(frozen=True)
class CollectorPrincipal:
    """Stands in for request.user when the collector's system calls (no Django user)."""

    region_id: int
    client_id: str

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    @property
    def collector_client(self) -> CollectorPrincipal:
        return self

    def __str__(self) -> str:
        return f"collector:{self.client_id}"


def collector_client_active(application) -> bool:
    """Whether an OAuth application is a live collector client (employers.oauth's client kinds)."""
    client = getattr(application, "collector_client", None)
    return client is not None and client.revoked_at is None


class CollectorClientAuthentication(BearerOAuth2Authentication):
    """A bearer token of a live collector client; a portal's or a person's token is not accepted here."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        _user, token = result
        if token.user_id is not None or not collector_client_active(token.application):
            return None
        client = token.application.collector_client
        principal = CollectorPrincipal(region_id=client.region_id, client_id=token.application.client_id)
        pghistory.context(oauth_client=principal.client_id)
        return principal, token
