from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PensionsConfig(AppConfig):
    # The pension the record is for: parameters with their sources, the contribution index, the estimate.
    name = "pensions"
    verbose_name = _("Pensions")

    def ready(self) -> None:
        from agency.vocabulary import group_permissions_register
        from common.problems import problem_types_register
        from pensions.admin import register_panels
        from pensions.problems import PENSION_PROBLEM_TYPES

        # This app's vocabulary (issue 21 item 7): its problem types and the clerks' groups' permissions.
        problem_types_register(PENSION_PROBLEM_TYPES)
        group_permissions_register(
            "pensions",
            view=["pensions.view_benefitparameter", "pensions.view_localsupplement", "pensions.view_divisor",
                  "pensions.view_agemonthspolicy", "pensions.view_deemedservice", "pensions.view_pensionevent"],
            clerk=["pensions.add_deemedservice"],
            supervisor=["pensions.enter_pension_parameters"])
        register_panels()
