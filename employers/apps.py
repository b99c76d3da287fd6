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
        from agency.vocabulary import (
            deadline_rules_register,
            document_kinds_register,
            group_permissions_register,
            region_terms_inlines,
        )
        from agency.workbench import WorkKind, work_kind_register
        from common.problems import problem_types_register
        from employers.admin.employers import RegistrationTermsInline
        from employers.models import EmployerDocumentKind
        from employers.problems import EMPLOYERS_PROBLEM_TYPES
        from employers.terms import RegistrationRule, rule_terms

        # This app's vocabulary (issue 21 item 7): its deadline rule, vouchers, problem types, the
        # clerks' groups' permissions on its models, and its terms on the region's page.
        deadline_rules_register(RegistrationRule, terms=rule_terms)
        document_kinds_register(EmployerDocumentKind)
        problem_types_register(EMPLOYERS_PROBLEM_TYPES)
        group_permissions_register(
            "employers",
            view=["employers.view_employer", "employers.view_employerclient",
                  "employers.view_registrationapplication", "employers.view_registrationterms"],
            clerk=["employers.add_employer", "employers.change_employer", "employers.add_registrationapplication"],
            reviewer=["employers.add_employerclient", "employers.change_employerclient",
                      "employers.change_registrationapplication"])
        region_terms_inlines.register(RegistrationTermsInline)

        # The home page's today's work: each count links to the review queue, filtered by `due`.
        work_kind_register(WorkKind(
            rule=RegistrationRule.REGISTRATION_REVIEW, label=_("employer registrations to review"),
            queue="admin:employers_registrationapplication_changelist",
            permission="employers.view_registrationapplication", order=10))
