from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    # Lump-sum refunds of the individual account, retirement age and employer clearance.
    name = "refunds"
    verbose_name = _("Refunds and clearance")

    def ready(self) -> None:
        from common.problems import problem_type_register
        from refunds.problems import REFUND_PROBLEM_TYPES

        for slug, (title, text) in REFUND_PROBLEM_TYPES.items():
            problem_type_register(slug, title, text)
