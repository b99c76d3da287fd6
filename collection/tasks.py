"""Scheduled duties of collection (config/celery.py holds the beat schedule)."""

from __future__ import annotations

from celery import shared_task

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
