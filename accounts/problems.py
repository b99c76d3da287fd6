"""The problem types of individual pension accounts (registered in AccountsConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACCOUNTS_PROBLEM_TYPES = {
    "interest-rate-missing": (
        _("No bookkeeping interest rate"), _("The year's bookkeeping interest rate has not been entered yet.")),
}
