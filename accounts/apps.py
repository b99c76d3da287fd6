from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Individual pension accounts")

    def ready(self):
        from accounts.services.credits import credits_post_for_allocations
        from common.problems import PROBLEM_TYPES
        from contributions.hooks import settled_hook_register

        settled_hook_register(credits_post_for_allocations)

        PROBLEM_TYPES.setdefault("interest-rate-missing", (
            "No bookkeeping interest rate", "The year's bookkeeping interest rate has not been entered yet."))
