"""How long the audit records are kept, and the daily purge (issue 25, item 10).

GB/T 22239-2019 level 3 asks that audit records be kept at least six months; keeping everything
forever is its own risk (a larger store of who logged in from where and who read whose record).
So each kind has a retention in days, set in the environment, never below RETENTION_FLOOR_DAYS:

- SecurityEvent (logins, lock-outs, activation, resets): SECURITY_EVENT_KEEP_DAYS (365);
- RecordAccess (staff views of a person's data, which the person reads): RECORD_ACCESS_KEEP_DAYS (730);
- IdempotencyRecord (stored answers to replay): IDEMPOTENCY_KEEP_DAYS (30), past the replay window.

`retention_purge` deletes what is older, in one transaction, and records what it removed as a
`records_purged` security event. The append-only triggers still refuse every other delete: the
purge lifts them for its own statements only (pgtrigger.ignore).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pgtrigger
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agency import events
from common.models import IdempotencyRecord
from insured.models import RecordAccess

RETENTION_FLOOR_DAYS = 183  # six months: the least level 3 asks for


@dataclass(frozen=True)
class Purged:
    security_events: int
    record_accesses: int
    idempotency_records: int


def keep_days(setting: str) -> int:
    """A retention setting, never below six months."""
    return max(int(getattr(settings, setting)), RETENTION_FLOOR_DAYS)


@transaction.atomic
def retention_purge(*, now: datetime | None = None) -> Purged:
    """Delete security events, record accesses and idempotency records past their retention."""
    now = now or timezone.now()
    security_cutoff = now - timedelta(days=keep_days("SECURITY_EVENT_KEEP_DAYS"))
    access_cutoff = now - timedelta(days=keep_days("RECORD_ACCESS_KEEP_DAYS"))
    replay_cutoff = now - timedelta(days=settings.IDEMPOTENCY_KEEP_DAYS)
    security = events.security_events_purge(before=security_cutoff)
    with pgtrigger.ignore("insured.RecordAccess:record_access_append_only"):
        accesses, _ = RecordAccess.objects.filter(at__lt=access_cutoff).delete()
    replays, _ = IdempotencyRecord.objects.filter(created_at__lt=replay_cutoff).delete()
    purged = Purged(security, accesses, replays)
    if security or accesses or replays:
        events.records_purged(
            detail=(f"security events before {security_cutoff:%Y-%m-%d}: {security}; record accesses before "
                    f"{access_cutoff:%Y-%m-%d}: {accesses}; idempotency records before "
                    f"{replay_cutoff:%Y-%m-%d}: {replays}"))
    return purged
