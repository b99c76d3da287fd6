"""The problem types of declarations and payments: registered from the app's AppConfig.ready() (common.problems)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# slug -> (title, what it means); published at /problems/<slug>.
CONTRIBUTIONS_PROBLEM_TYPES = {
    "declaration-invalid": (_("Declaration refused"),
                            _("The declaration has faults, each listed in `errors` with its row, field and code "
                              "(at most 1,000, `total_errors` counts them all); nothing was stored.")),
    "duplicate-bank-reference": (_("Bank reference already recorded"),
                                 _("A payment with this bank reference was recorded for another employer.")),
}
