from oauth2_provider.oauth2_validators import OAuth2Validator


class EmployerClientValidator(OAuth2Validator):
    """Refuses tokens to a client a clerk has revoked, or that belongs to no employer."""

    def authenticate_client(self, request, *args, **kwargs):
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        client = getattr(request.client, "employer_client", None)
        return client is not None and client.revoked_at is None
