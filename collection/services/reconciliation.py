"""The nightly check of collected money (issue 22, item 7; the rule in collection/reconciliation.py):
a row of figures per collection account and value date, written when the day is checked the first
time and whenever its figures changed since its latest check. Nothing is corrected here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from agency.deadlines import today_in_shanghai
from collection.models import ReconciliationDay
from collection.reconciliation import FIGURES, day_figures, latest_checks
from common.access import Viewer
from common.services import SYSTEM, entry


@dataclass(frozen=True)
class Checked:
    days: int  # (account, value date) pairs checked
    written: int  # rows written (first checks and changed figures)
    differences: int  # pairs whose figures do not reconcile


def collection_reconcile(*, actor: Viewer, since: date | None = None, until: date | None = None) -> Checked:
    """Check the value dates from `since` (default: COLLECTION_RECONCILE_DAYS back) to `until` (default
    today), and every day whose latest check found a difference, whatever its date (so that it clears
    once put right)."""
    until = until or today_in_shanghai()
    since = since or until - timedelta(days=settings.COLLECTION_RECONCILE_DAYS)
    latest = {(row.account_id, row.value_date): row for row in latest_checks(actor)}
    pairs = [pair for pair, row in latest.items() if row.difference != 0]
    rows, differences = [], 0
    figures = day_figures(since=since, until=until, pairs=pairs)
    for day in figures:
        values = {name: getattr(day, name) for name in FIGURES}
        differences += day.difference != 0
        before = latest.get((day.account_id, day.value_date))
        if before is not None and all(getattr(before, name) == value for name, value in values.items()):
            continue
        rows.append(ReconciliationDay(account_id=day.account_id, value_date=day.value_date,
                                      difference=day.difference, **values))
    ReconciliationDay.objects.bulk_create(rows)
    return Checked(days=len(figures), written=len(rows), differences=differences)


collection_reconcile = entry(collection_reconcile, callers=SYSTEM)
