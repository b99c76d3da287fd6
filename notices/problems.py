"""The problem types of notices and alerts: registered from the app's AppConfig.ready() (common.problems)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

NO_ADDRESS = "notice-channel-without-address"
NO_SUCH_ALERT = "no-such-alert"

# slug -> (title, what it means); published at /problems/<slug>.
NOTICES_PROBLEM_TYPES = {
    NO_ADDRESS: (_("No address for this channel"),
                 _("The monthly notice can go by e-mail or SMS only when the record holds an e-mail address or a "
                   "phone number; ask the agency to record one, or choose another channel.")),
    NO_SUCH_ALERT: (_("No such alert"),
                    _("The month is in order now (declared, paid), or the alert is not yours: there is nothing "
                      "for the agency to look into.")),
}
