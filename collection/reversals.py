"""Reversals (issue 22, item 5): the collector takes back money it reported. `reversal_apply` runs
inside the feed service's entry point and transaction when a reversal record arrives: it reopens the
charges the reversed record's payment settled (late fee from the original due day), reverses the
account credits with correcting entries, or takes the money out of suspense. Nothing is overwritten."""

from __future__ import annotations

from collection.models import CollectorRecord
from common.access import Viewer


def reversal_apply(record: CollectorRecord, *, actor: Viewer) -> None:
    raise NotImplementedError("reversals: being built (issue 22, item 5)")
