import hashlib

from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

from common.access import Viewer
from common.hot_paths import CompiledQuery


class EmployerClientValidator(OAuth2Validator):
    """Refuses tokens to a client a clerk has revoked, or that belongs to no employer."""

    def authenticate_client(self, request, *args, **kwargs):
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        client = getattr(request.client, "employer_client", None)
        return client is not None and client.revoked_at is None

    def _load_access_token(self, token):
        """The token with its application and the portal's EmployerClient, in one prepared statement.

        Every portal request does this; the select_related() equivalent cost ~0.7 ms of CPU to build
        (bench/enrolment_bench.py). The token's user (none for a portal) loads lazily if it has one.
        """
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        found = _token_with_client.instances(Viewer.system(), checksum)
        return found[0] if found else None


_token_with_client = CompiledQuery(lambda _viewer, checksum: get_access_token_model().objects
                                   .select_related("application__employer_client").filter(token_checksum=checksum))


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
