from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = _("Employers")

    def ready(self):
        from agency.login_guard import region_resolvers
        from employers.display import actor_resolvers_register
        from employers.token_view import client_region

        region_resolvers.append(client_region)
        from employers import schema  # noqa: F401  (registers the OpenAPI security schemes)
        actor_resolvers_register()
