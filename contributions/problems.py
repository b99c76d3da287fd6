"""Problem types of contributions, registered in ContributionsConfig.ready()."""

from django.utils.translation import gettext_lazy as _

# The removed POST /employer/payments answers this, pointing to payment orders (issue 22).
PAYMENTS_FROM_COLLECTOR = "payments-from-collector"
PAYMENT_ORDERS_PATH = "/api/v1/employer/payment-orders"

CONTRIBUTION_PROBLEM_TYPES = {
    PAYMENTS_FROM_COLLECTOR: (
        _("Payments come from the collector"),
        _("A payer no longer records money it says it paid: ask for a payment order (`payment_orders`) and pay "
          "quoting its reference; the collector's record of the money settles the charges.")),
}
