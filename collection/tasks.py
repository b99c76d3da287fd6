"""Scheduled duties of collection (config/celery.py holds the beat schedule)."""

from __future__ import annotations

from celery import shared_task

from collection.models import CollectorFile
from collection.services.feed import feed_apply
from collection.services.orders import payment_orders_expire, payment_orders_settle
from collection.services.reconciliation import collection_reconcile
from common.access import Viewer


@shared_task(acks_late=True)
def collection_reconcile_nightly() -> str:
    """Nightly: collected = allocated + employer credit + suspense + returned + reversed, per
    collection account and value date; a difference shows on the supervisor's home page."""
    checked = collection_reconcile(actor=Viewer.system())
    return f"{checked.days} days checked, {checked.written} written, {checked.differences} with a difference"


@shared_task
def payment_orders_daily() -> dict[str, int]:
    """Payment orders: those a collector's record quoted and whose charges are settled are paid (the
    settled hook does this after the money's commit; this catches any it could not see), paid orders
    whose money was reversed are open again, then open orders past their validity expire. Each step
    is one entry point, its own transaction."""
    moved = payment_orders_settle(actor=Viewer.system())
    expired = payment_orders_expire(actor=Viewer.system())
    return {"paid": sum(o.state == "paid" for o in moved), "reopened": sum(o.state == "open" for o in moved),
            "expired": expired}


@shared_task(acks_late=True)
def feed_apply_all(file_id: int) -> str:
    """Apply a large collector file's stored records, a chunk per transaction (queued by the admin's
    import). Killed, it is safe to run again: what is left is what the database holds as not applied."""
    file = CollectorFile.objects.get(pk=file_id)
    applied = to_suspense = chunks = 0
    pending = 1
    while pending:
        step = feed_apply(file=file, actor=Viewer.system())
        applied, to_suspense, chunks, pending = (applied + step.applied, to_suspense + step.to_suspense, chunks + 1,
                                                 step.pending)
    return f"file {file_id}: {applied} applied, {to_suspense} to suspense in {chunks} chunk(s)"
