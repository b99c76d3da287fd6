from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PensionsConfig(AppConfig):
    # The pension the record is for: parameters with their sources, the contribution index, the estimate.
    name = "pensions"
    verbose_name = _("Pensions")

    def ready(self) -> None:
        from common.problems import problem_type_register
        from pensions.admin import register_panels
        from pensions.problems import PENSION_PROBLEM_TYPES

        for slug, (title, text) in PENSION_PROBLEM_TYPES.items():
            problem_type_register(slug, title, text)
        register_panels()
