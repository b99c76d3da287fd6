"""The problem types of employers: registered from the app's AppConfig.ready() (common.problems)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# slug -> (title, what it means); published at /problems/<slug>.
EMPLOYERS_PROBLEM_TYPES = {
    "employer-not-registered": (_("Employer not registered"), _("Only a registered employer may do this.")),
}
