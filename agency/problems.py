"""The problem types of agency's own: the holiday calendar and login lock-outs: registered from the app's AppConfig.ready() (common.problems)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# slug -> (title, what it means); published at /problems/<slug>.
AGENCY_PROBLEM_TYPES = {
    "calendar-not-covered": (_("Holiday calendar missing"),
                             _("Working-day deadlines need the year's holidays entered by an administrator.")),
    "login-locked": (_("Too many failed logins"),
                     _("The account or the address is locked out for a while after repeated failures; "
                       "see Retry-After. A supervisor can lift it.")),
}
