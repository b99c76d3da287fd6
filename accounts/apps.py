from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Individual pension accounts")

    def ready(self):
        from common.problems import PROBLEM_TYPES

        PROBLEM_TYPES.setdefault("interest-rate-missing", (
            "No bookkeeping interest rate", "The year's bookkeeping interest rate has not been entered yet."))
