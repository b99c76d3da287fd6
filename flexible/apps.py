from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlexibleConfig(AppConfig):
    # Persons who insure themselves (Art. 10, issue 28): enrolment, bases, monthly charges, the planner.
    name = "flexible"
    verbose_name = _("Flexible workers")

    def ready(self) -> None:
        from agency.vocabulary import group_permissions_register, region_terms_inlines
        from common.problems import problem_types_register
        from flexible.admin import FlexibleTermsInline
        from flexible.problems import FLEXIBLE_PROBLEM_TYPES
        from flexible.switching import employment_changed
        from insured.hooks import employment_hook_register

        problem_types_register(FLEXIBLE_PROBLEM_TYPES)
        region_terms_inlines.register(FlexibleTermsInline)
        employment_hook_register("flexible", employment_changed)
        group_permissions_register(
            "flexible",
            view=["flexible.view_flexibleenrolment", "flexible.view_basechoice", "flexible.view_flexibleevent",
                  "flexible.view_flexibleterms"],
            clerk=["flexible.add_flexibleenrolment", "flexible.change_flexibleenrolment"])
