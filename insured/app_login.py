"""GET/POST /o/authorize/: a person signs an app in (OAuth 2 authorization code with PKCE).

The person signs in with their web login (/accounts/login/, which brings them back here), sees the
app's name and what it may do, and allows or refuses; the app gets a code at its registered https
redirect URI and exchanges it at /o/token/ with its code verifier. Only persons sign apps in: a
staff account is refused here (its token would carry a clerk's rights past the second factor), and
the bearer authentication refuses any token whose user is not a person (employers.auth).

PKCE is S256 only: a request with no challenge, a `plain` one or none named is refused before the
page shows (and again when a code would be made, by COMPLIANT_BCP_RFC9700_PKCE_METHOD).
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.views import AuthorizationView
from oauthlib.oauth2.rfc6749.errors import InvalidRequestError

from common.access import Kind, viewer_for_request

# What the person reads on the page, per scope (the settings' descriptions are the portals').
SCOPE_TEXTS = {
    "read": _("Read your record: your contributions, account, statements and applications."),
    "write": _("Apply and ask in your name: refunds, transfers, suspensions and statement reprints."),
}


class PersonAuthorizationView(AuthorizationView):
    template_name = "oauth2_provider/authorize.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and viewer_for_request(request).kind is not Kind.PERSON:
            return render(request, "oauth2_provider/person_only.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def validate_authorization_request(self, request):
        scopes, credentials = super().validate_authorization_request(request)
        if credentials.get("code_challenge_method") != "S256":
            raise OAuthToolkitError(
                error=InvalidRequestError(description="PKCE is required with code_challenge_method=S256.",
                                          state=credentials.get("state")),
                redirect_uri=credentials.get("redirect_uri"))
        return scopes, credentials

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scope_texts"] = [SCOPE_TEXTS.get(scope, scope) for scope in kwargs.get("scopes", [])]
        return context
