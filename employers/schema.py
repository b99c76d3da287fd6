"""OpenAPI security schemes of the employers' portals (drf-spectacular authentication extensions).

Imported by EmployersConfig.ready(): an extension registers itself when its class is defined.
"""

from __future__ import annotations

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.permissions import SAFE_METHODS

from employers.oauth import PORTAL_SCOPES


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
        definition = super().get_security_definition(auto_schema)
        for flow in definition.get("flows", {}).values():  # a portal obtains these only (employers.oauth)
            flow["scopes"] = {k: v for k, v in flow.get("scopes", {}).items() if k in PORTAL_SCOPES}
        definition["description"] = (
            "Employers' HR portals: a client issued by the agency takes a token at `/o/token/` with "
            "grant_type=client_credentials and sends it as `Authorization: Bearer <token>`.")
        return definition


class BearerForSessionViews(OpenApiAuthenticationExtension):
    """The default bearer authentication on person and clerk views accepts no token anyone is issued
    (portal tokens are refused there, persons and clerks use sessions): it adds no requirement."""

    target_class = "employers.auth.BearerOAuth2Authentication"
    name: list[str] = []  # defines no scheme of its own

    def get_security_requirement(self, auto_schema):
        return None

    def get_security_definition(self, auto_schema):
        return []
