"""Reads of payment orders and of where collected money came from, scoped by `common.access.scope`."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from collection.models import Application, PaymentOrder, PaymentOrderCharge
from common.access import Viewer, scope


def orders_visible(viewer: Viewer) -> QuerySet[PaymentOrder]:
    """A portal's own orders, a person's own (issue 28), a clerk's region's, newest first; each with its lines
    and their charges."""
    lines = PaymentOrderCharge.objects.select_related("charge").order_by("charge__due_on", "charge__period", "id")
    return scope(PaymentOrder.objects.select_related("employer", "employer__region", "person", "person__region",
                                                     "account")
                 .prefetch_related(Prefetch("lines", queryset=lines)), viewer)


def payment_collected(payment_id: int) -> dict | None:
    """Where a payment's money came from, for its receipt (contributions.hooks.receipt_origins): the
    collector's record (transaction id, value date, collection account) and the order it quoted;
    None for a payment that no collector's record brought (recorded before issue 22)."""
    application = (Application.objects.select_related("record", "record__account", "order")
                   .filter(payment_id=payment_id).first())
    if application is None:
        return None
    record = application.record
    return {"transaction_id": record.transaction_id, "value_date": record.value_date,
            "collection_account": record.account.account_number, "bank_name": record.account.bank_name,
            "payer_name": record.payer_name, "payment_reference": application.order.reference if application.order else None,
            "matched_by": application.matched_by}
