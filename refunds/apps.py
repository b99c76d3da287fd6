from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    # Lump-sum refunds of the individual account, retirement age and employer clearance.
    name = "refunds"
    verbose_name = _("Refunds and clearance")

    def ready(self) -> None:
        from common.problems import PROBLEM_TYPES
        from refunds.problems import REFUND_PROBLEM_TYPES

        PROBLEM_TYPES.update(REFUND_PROBLEM_TYPES)
