import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

from common.access import Viewer
from common.hot_paths import CompiledQuery
from common.registry import Registry

PORTAL_SCOPES = frozenset({"read", "write"})


@dataclass(frozen=True)
class ClientKind:
    """A kind of OAuth client other than an employer's portal (the collector's system, issue 22):
    `active(application)` tells whether the application is a live client of this kind, and `scopes`
    are the only scopes it may obtain (and the ones it gets when it asks for none)."""

    name: str
    active: Callable[[object], bool]
    scopes: frozenset[str]


# Filled by the apps above in their AppConfig.ready() (collection registers the collector's system).
client_kinds: Registry[ClientKind] = Registry("employers.client_kinds", key=lambda kind: kind.name)


def client_kind_register(kind: ClientKind) -> None:
    client_kinds.register(kind)


def _scopes_of(client) -> frozenset[str]:
    """The scopes a client may obtain: a portal read and write only (never another kind's)."""
    employer_client = getattr(client, "employer_client", None)
    if employer_client is not None:
        return PORTAL_SCOPES if employer_client.revoked_at is None else frozenset()
    for kind in client_kinds:
        if kind.active(client):
            return kind.scopes
    return frozenset()


class EmployerClientValidator(OAuth2Validator):
    """Refuses tokens to a client a clerk has revoked, or that belongs to no employer and to no
    registered client kind; each client obtains only its own kind's scopes."""

    def authenticate_client(self, request, *args, **kwargs):
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        return bool(_scopes_of(request.client))

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return set(scopes) <= _scopes_of(client) and super().validate_scopes(client_id, scopes, client, request,
                                                                             *args, **kwargs)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        allowed = _scopes_of(getattr(request, "client", None))
        defaults = [scope for scope in super().get_default_scopes(client_id, request, *args, **kwargs)
                    if scope in allowed]
        return defaults or sorted(allowed)

    def _load_access_token(self, token):
        """The token with its application, the portal's EmployerClient and its employer, in ONE prepared
        statement (issue 29: token + client + employer in one round trip).

        Every portal request does this; the select_related() equivalent cost ~0.7 ms of CPU to build
        (bench/enrolment_bench.py). Nothing is kept between requests: a client revoked or a token
        expired meanwhile is refused on the next request. The employer rides along for the views that
        need the portal's own employer (employers.auth.PortalPrincipal.employer). The token's user
        (none for a portal) loads lazily if it has one.
        """
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        found = _token_with_client.instances(Viewer.system(), checksum)
        if not found:
            return None
        client = getattr(found[0].application, "employer_client", None) if found[0].application else None
        if client is not None:
            client.employer._read_with_token = True  # fresh: read by this request (employer_read_with_token)
        return found[0]


def employer_read_with_token(employer) -> bool:
    """The employer row is the portal's own, read with its token by the current request (with the
    relations of token_employer_relations), not an instance a caller kept or built."""
    return getattr(employer, "_read_with_token", False)


# What the portal's employer is loaded with besides itself (select_related() paths from the employer),
# filled in AppConfig.ready() by the apps above: insured adds the region and its staffing terms, which
# every enrolment and staff reduction reads (issue 21: one round trip less on the enrolment path).
token_employer_relations: Registry[str] = Registry("employers.token_employer_relations")


def token_employer_relation_register(path: str) -> None:
    token_employer_relations.register(path)


def _token_rows(_viewer, checksum):
    relations = ["application__employer_client__employer",
                 *(f"application__employer_client__employer__{path}" for path in token_employer_relations)]
    return get_access_token_model().objects.select_related(*relations).filter(token_checksum=checksum)


_token_with_client = CompiledQuery(_token_rows)


class ClientScopes(SettingsScopes):
    """The scopes a client may take (SCOPES_BACKEND_CLASS): a portal client what the clerk issued it
    with (`read`, or `read write`); the token endpoint answers invalid_scope to a request for more.
    Other applications (persons' apps) may take every scope of the settings."""

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = getattr(application, "employer_client", None) if application is not None else None
        if client is not None:
            return client.scopes.split()
        return super().get_available_scopes(application, request, *args, **kwargs)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        available = self.get_available_scopes(application, request)
        return [scope for scope in super().get_default_scopes(application, request) if scope in available]
