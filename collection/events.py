"""Collection's events: the one writer of `CollectionEvent`, one function per kind
(`<thing>_<event>(subject, *, actor, ...)`), all through `_write`, called by the services in their
own transaction; the feed's chunk writes its records' events in one statement (`records_applied`)."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collection.models import CollectionEvent, CollectorRecord, SuspenseItem
from common.access import Viewer
from common.hot_paths import array_text


class EventKind(models.TextChoices):
    # Each engineer appends the kinds of their part here (feed, orders, suspense and reversals).
    # suspense (item 4)
    SUSPENSE_ENTERED = "suspense_entered", _("entered suspense")
    SUSPENSE_PROPOSED = "suspense_proposed", _("assignment proposed (awaits a second clerk)")
    SUSPENSE_ASSIGNED = "suspense_assigned", _("assigned to an employer")
    SUSPENSE_REFUSED = "suspense_refused", _("proposed assignment refused")
    SUSPENSE_RETURNED = "suspense_returned", _("returned to the payer")
    SUSPENSE_REVERSED = "suspense_reversed", _("taken out of suspense by the collector's reversal")
    # reversals (item 5)
    RECORD_REVERSED = "record_reversed", _("applied money reversed by the collector")
    # The feed (collect):
    RECORD_APPLIED = "record_applied", _("collected money applied to an employer")
    RECORD_CONFLICT = "record_conflict", _("a known record sent again with other figures")
    REVERSAL_RECEIVED = "reversal_received", _("the collector reversed a record")
    # Payment orders (item 1).
    ORDER_ISSUED = "order_issued", _("payment order issued")
    ORDER_PAID = "order_paid", _("payment order paid")
    ORDER_EXPIRED = "order_expired", _("payment order expired")
    ORDER_CANCELLED = "order_cancelled", _("payment order cancelled")
    ORDER_REOPENED = "order_reopened", _("payment order open again (its money was reversed)")


def _write(kind: str, *, account_id: int, actor: Viewer, record=None, employer_id: int | None = None,
           details: dict | None = None) -> CollectionEvent:
    return CollectionEvent.objects.create(kind=kind, account_id=account_id, record=record, employer_id=employer_id,
                                          actor=actor.label(), actor_user_id=actor.user_id, details=details or {})


def _item(item: SuspenseItem, **details) -> dict:
    return {"suspense_item": item.pk, "amount": str(item.amount), **details}


def suspense_entered(item: SuspenseItem, *, actor: Viewer) -> CollectionEvent:
    return _write(EventKind.SUSPENSE_ENTERED, account_id=item.account_id, actor=actor, record=item.record,
                  details=_item(item, reason=item.reason))


def suspense_entered_many(items: list[SuspenseItem], *, actor: Viewer) -> list[CollectionEvent]:
    """`suspense_entered` for many items at once (the feed's bulk path; the items are saved)."""
    return CollectionEvent.objects.bulk_create([CollectionEvent(
        kind=EventKind.SUSPENSE_ENTERED, account_id=item.account_id, record=item.record, actor=actor.label(),
        actor_user_id=actor.user_id, details=_item(item, reason=item.reason)) for item in items])


def suspense_proposed(item: SuspenseItem, *, actor: Viewer, note: str = "") -> CollectionEvent:
    return _write(EventKind.SUSPENSE_PROPOSED, account_id=item.account_id, actor=actor, record=item.record,
                  employer_id=item.proposed_employer_id, details=_item(item, note=note))


def suspense_assigned(item: SuspenseItem, *, actor: Viewer, proposed_by: int | None = None,
                      note: str = "") -> CollectionEvent:
    """The money went to the employer (as a payment dated the value date). `proposed_by`: the first
    clerk's user id when a second clerk approved."""
    application = item.application
    return _write(EventKind.SUSPENSE_ASSIGNED, account_id=item.account_id, actor=actor, record=item.record,
                  employer_id=application.employer_id,
                  details=_item(item, payment=application.payment_id, application=application.pk,
                                proposed_by=proposed_by, note=note))


def suspense_refused(item: SuspenseItem, *, actor: Viewer, employer_id: int | None, note: str) -> CollectionEvent:
    return _write(EventKind.SUSPENSE_REFUSED, account_id=item.account_id, actor=actor, record=item.record,
                  employer_id=employer_id, details=_item(item, note=note))


def suspense_returned(item: SuspenseItem, *, actor: Viewer) -> CollectionEvent:
    return _write(EventKind.SUSPENSE_RETURNED, account_id=item.account_id, actor=actor, record=item.record,
                  details=_item(item, return_reference=item.return_reference,
                                payer_account=item.record.payer_account, note=item.note))


def suspense_reversed(item: SuspenseItem, *, actor: Viewer, reversal: CollectorRecord) -> CollectionEvent:
    return _write(EventKind.SUSPENSE_REVERSED, account_id=item.account_id, actor=actor, record=item.record,
                  details=_item(item, reversal=reversal.pk, reversal_transaction=reversal.transaction_id))


def record_reversed(record: CollectorRecord, *, actor: Viewer, reversal: CollectorRecord, employer_id: int | None,
                    payment_id: int, released: str, reopened: list[int], credits_reversed: int,
                    person_id: int | None = None) -> CollectionEvent:
    """A reversal undid an application of `record`: the payment's allocations released, the charges
    it had settled reopened, their account credits reversed by correcting entries."""
    return _write(EventKind.RECORD_REVERSED, account_id=record.account_id, actor=actor, record=record,
                  employer_id=employer_id,
                  details={"reversal": reversal.pk, "reversal_transaction": reversal.transaction_id,
                           "payment": payment_id, "released": released, "reopened_charges": reopened,
                           "credits_reversed": credits_reversed, **({"person": person_id} if person_id else {})})
# --- the feed -------------------------------------------------------------------------------------

def record_applied(record, *, actor: Viewer, application, kept: Decimal, to_suspense: Decimal) -> CollectionEvent:
    """A credit matched an employer: `kept` became its Payment (dated the value date); `to_suspense`
    is the overpayment above the region's credit limit, waiting for a clerk."""
    return _write(EventKind.RECORD_APPLIED, account_id=record.account_id, actor=actor, record=record,
                  employer_id=application.employer_id if application else None,
                  details={"transaction_id": record.transaction_id, "value_date": record.value_date.isoformat(),
                           "amount": str(record.amount), "kept": str(kept), "to_suspense": str(to_suspense),
                           "matched_by": application.matched_by if application else None,
                           "payment": application.payment_id if application else None,
                           **({"person": application.person_id} if application and application.person_id else {})})


_RECORDS_APPLIED = f"""
INSERT INTO collection_collectionevent (kind, account_id, record_id, employer_id, recorded_at, actor, actor_user_id,
                                        details)
SELECT '{EventKind.RECORD_APPLIED.value}', r.account_id, r.id, x.employer_id, %(now)s, %(actor)s, %(user)s,
       jsonb_build_object('transaction_id', r.transaction_id, 'value_date', r.value_date, 'amount', r.amount::text,
                          'kept', x.kept::text, 'to_suspense', (r.amount - x.kept)::text,
                          'matched_by', x.matched_by, 'payment', x.payment_id)
  FROM unnest(%(records)s::bigint[], %(kept)s::numeric[], %(employer)s::bigint[], %(matched_by)s::text[],
              %(payment)s::bigint[]) WITH ORDINALITY AS x(record_id, kept, employer_id, matched_by, payment_id, n)
  JOIN collection_collectorrecord r ON r.id = x.record_id
 ORDER BY x.n
"""


def records_applied(records: list[tuple], *, actor: Viewer) -> int:
    """`record_applied` for many employers' records at once (the feed's chunk), in one statement:
    `records` as (record id, kept, and the application's employer id, matched_by and payment id, or
    three Nones when all of the record's money waits in suspense); the rest of the details are the
    record's row. Returns how many events were written."""
    if not records:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_RECORDS_APPLIED, {
            "records": array_text(r[0] for r in records), "kept": array_text(r[1] for r in records),
            "employer": array_text(r[2] for r in records), "matched_by": array_text(r[3] for r in records),
            "payment": array_text(r[4] for r in records),
            "now": timezone.now(), "actor": actor.label(), "user": actor.user_id})
        return cursor.rowcount


def record_conflict(conflict, *, actor: Viewer) -> CollectionEvent:
    record = conflict.record
    return _write(EventKind.RECORD_CONFLICT, account_id=record.account_id, actor=actor, record=record,
                  details={"transaction_id": record.transaction_id, "first_amount": str(record.amount),
                           "first_value_date": record.value_date.isoformat(), "amount": str(conflict.amount),
                           "value_date": conflict.value_date.isoformat(), "file": conflict.file_id,
                           "line": conflict.line})


def reversal_received(record, *, actor: Viewer) -> CollectionEvent:
    return _write(EventKind.REVERSAL_RECEIVED, account_id=record.account_id, actor=actor, record=record,
                  details={"transaction_id": record.transaction_id, "reverses": record.reverses.transaction_id,
                           "value_date": record.value_date.isoformat(), "amount": str(record.amount)})


# --- payment orders (collection/services/orders.py) ----------------------------------------------------

def _order(kind: str, order, *, actor: Viewer, **details) -> CollectionEvent:
    payer = {"person": order.person_id} if order.person_id is not None else {}  # issue 28: a flexible worker's
    return _write(kind, account_id=order.account_id, actor=actor, employer_id=order.employer_id,
                  details={"order": order.pk, "reference": order.reference, **payer, **details})


def order_issued(order, *, actor: Viewer, periods: list[str]) -> CollectionEvent:
    return _order(EventKind.ORDER_ISSUED, order, actor=actor, amount=str(order.amount), periods=periods,
                  valid_until=order.valid_until.isoformat())


def order_paid(order, *, actor: Viewer, records: list[str]) -> CollectionEvent:
    """Paid: a collector's record quoted it and every charge it asked for is settled."""
    return _order(EventKind.ORDER_PAID, order, actor=actor, records=records)


def orders_paid(orders: list, *, actor: Viewer, details: list[dict]) -> list[CollectionEvent]:
    """`order_paid` for many orders at once (`common.services.transition_many`); `details` are each
    order's (its `records`)."""
    written = []
    for order, detail in zip(orders, details, strict=True):
        payer = {"person": order.person_id} if order.person_id is not None else {}
        written.append(CollectionEvent(kind=EventKind.ORDER_PAID, account_id=order.account_id, record=None,
                                       employer_id=order.employer_id, actor=actor.label(),
                                       actor_user_id=actor.user_id,
                                       details={"order": order.pk, "reference": order.reference, **payer, **detail}))
    return CollectionEvent.objects.bulk_create(written)


def order_expired(order, *, actor: Viewer) -> CollectionEvent:
    return _order(EventKind.ORDER_EXPIRED, order, actor=actor)


def order_cancelled(order, *, actor: Viewer, note: str = "") -> CollectionEvent:
    return _order(EventKind.ORDER_CANCELLED, order, actor=actor, note=note)


def order_reopened(order, *, actor: Viewer) -> CollectionEvent:
    """The collector reversed money that paid the order, and its charges are open again."""
    return _order(EventKind.ORDER_REOPENED, order, actor=actor)
