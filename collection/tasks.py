"""Scheduled duties of collection (config/celery.py holds the beat schedule)."""

from __future__ import annotations

from celery import shared_task

from collection.services.reconciliation import collection_reconcile
from common.access import Viewer


@shared_task(acks_late=True)
def collection_reconcile_nightly() -> str:
    """Nightly: collected = allocated + employer credit + suspense + returned + reversed, per
    collection account and value date; a difference shows on the supervisor's home page."""
    checked = collection_reconcile(actor=Viewer.system())
    return f"{checked.days} days checked, {checked.written} written, {checked.differences} with a difference"
