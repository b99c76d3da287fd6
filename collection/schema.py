"""OpenAPI security scheme of the collector's system (imported by CollectionConfig.ready())."""

from __future__ import annotations

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme


class CollectorClientScheme(DjangoOAuthToolkitScheme):
    target_class = "collection.auth.CollectorClientAuthentication"
    name = "collectorOAuth2"

    def get_security_requirement(self, auto_schema):
        return {self.name: ["collect"]}

    def get_security_definition(self, auto_schema):
        # Written out, as the portal's is (employers/schema.py): the collector obtains `collect` only.
        return {
            "type": "oauth2",
            "description": "The collector's system (the tax authority's or the collection bank's): a collector "
                           "client issued by an operator takes a token at `/o/token/` with "
                           "grant_type=client_credentials and scope `collect`, which no portal can obtain.",
            "flows": {"clientCredentials": {"tokenUrl": "/o/token/",
                                            "scopes": {"collect": "Send the collector's records of money"}}},
        }
