"""Suspense (issue 22, item 4): money that waits for a clerk. `suspense_enter` is how the feed's
matching puts a record (or the part of it above the credit limit) there; it runs inside the calling
service's entry point and transaction. The clerk's steps are services in collection/services/suspense.py."""

from __future__ import annotations

from decimal import Decimal

from agency.deadlines import today_in_shanghai
from collection.models import CollectorRecord, SuspenseItem
from common.access import Viewer


def suspense_enter(record: CollectorRecord, *, amount: Decimal, reason: str, actor: Viewer) -> SuspenseItem:
    """Put `amount` of `record` in suspense for `reason` (a SuspenseReason)."""
    # The suspense engineer adds the event (collection/events.py) here.
    return SuspenseItem.objects.create(record=record, account_id=record.account_id, amount=amount, reason=reason,
                                       entered_on=today_in_shanghai())
