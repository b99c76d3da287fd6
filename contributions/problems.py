"""The problem types of declarations and payments: registered from the app's AppConfig.ready() (common.problems)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# The removed POST /employer/payments answers this, pointing to payment orders (issue 22).
PAYMENTS_FROM_COLLECTOR = "payments-from-collector"
PAYMENT_ORDERS_PATH = "/api/v1/employer/payment-orders"

# slug -> (title, what it means); published at /problems/<slug>.
CONTRIBUTIONS_PROBLEM_TYPES = {
    "declaration-invalid": (_("Declaration refused"),
                            _("The declaration has faults, each listed in `errors` with its row, field and code "
                              "(at most 1,000, `total_errors` counts them all); nothing was stored.")),
    PAYMENTS_FROM_COLLECTOR: (
        _("Payments come from the collector"),
        _("A payer no longer records money it says it paid: ask for a payment order (`payment_orders`) and pay "
          "quoting its reference; the collector's record of the money settles the charges.")),
}
