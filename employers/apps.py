from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = _("Employers")

    def ready(self):
        from agency.login_guard import region_resolvers
        from employers.display import actor_resolvers_register
        from employers.token_view import client_region

        region_resolvers.register(client_region)
        from employers import schema  # noqa: F401  (registers the OpenAPI security schemes)
        actor_resolvers_register()
        from agency.models import DeadlineRule
        from agency.workbench import WorkKind, work_kind_register

        # The home page's today's work: each count links to the review queue, filtered by `due`.
        work_kind_register(WorkKind(
            rule=DeadlineRule.REGISTRATION_REVIEW, label=_("employer registrations to review"),
            queue="admin:employers_registrationapplication_changelist",
            permission="employers.view_registrationapplication", order=10))
