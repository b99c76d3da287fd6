"""The collection feed (issue 22, item 2): collector records enter as a file (CSV layout or a camt.053
bank statement; a clerk in the admin, an operator's management command) or as an API batch of the
collector's own system. Every path ends in `feed_import`.

- A file (or batch) already received, by its SHA-256, changes nothing: the first import is answered.
- A malformed file is refused whole, every bad line named; nothing is stored (collection.feeds).
- A record is the collector's `(account, transaction id)`: seen again with the same figures it changes
  nothing; with another amount or value date it becomes a `RecordConflict` for a clerk, nothing applied.
- A new credit is matched and applied (collection.applying); a new reversal is stored and handed to
  `collection.reversals.reversal_apply`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from agency.deadlines import today_in_shanghai
from collection import events
from collection.applying import credit_apply
from collection.feeds import Faults, Line, Parsed, camt053, csv_layout, lines_check
from collection.models import CollectorFile, CollectorRecord, FeedFormat, RecordConflict, RecordKind
from collection.reversals import reversal_apply
from common.access import Kind, Viewer
from common.services import COLLECTOR, STAFF, entry

PERMISSION = "collection.add_collectorfile"
_REFUSAL = gettext_lazy("Only the collector's system, or agency staff allowed to import collector files, may do this.")
_READERS = {FeedFormat.CSV: csv_layout.parse, FeedFormat.CAMT053: camt053.parse}


@dataclass
class FeedResult:
    file: CollectorFile
    created: bool  # False: this file was received before, and nothing changed
    stored: int = 0
    seen_before: int = 0
    conflicts: int = 0
    applied: int = 0
    to_suspense: int = 0
    reversals: int = 0
    records: list[CollectorRecord] = field(default_factory=list)


def feed_import(*, content: bytes, format: str, actor: Viewer, name: str = "",
                parsed: Parsed | None = None) -> FeedResult:
    """Receive a collector's file (`content`, in `format`), or an API batch already read (`parsed`,
    with `content` its canonical bytes). A collector's system may send only for its region's accounts."""
    sha256 = hashlib.sha256(content).hexdigest()
    known = CollectorFile.objects.filter(sha256=sha256).first()
    if known is not None:
        return FeedResult(file=known, created=False)
    faults = Faults()
    if parsed is None:
        parsed = _READERS[format](content, faults)
    accounts = lines_check(parsed, faults=faults, today=today_in_shanghai())
    if actor.kind is Kind.COLLECTOR:
        for line in parsed.lines:
            account = accounts.get(line.account)
            if account is not None and account.region_id != actor.region_id:
                faults.add(line.row, "account", "unknown", gettext_lazy("No collection account has this number."))
    faults.raise_if_any()
    credits = [line for line in parsed.lines if line.amount > 0]
    file, created = CollectorFile.objects.get_or_create(sha256=sha256, defaults=dict(
        format=format, name=name[:200], records=len(parsed.lines),
        total=sum((line.amount for line in parsed.lines), 0), actor=actor.label(), actor_user_id=actor.user_id))
    result = FeedResult(file=file, created=created)
    if not created:  # the same file, sent at the same time: the other import has it
        return result
    # Credits before reversals: a reversal may take back a credit of the same file.
    for line in credits + [line for line in parsed.lines if line.amount < 0]:
        _receive(line, accounts[line.account], file=file, actor=actor, result=result)
    return result


feed_import = entry(feed_import, callers=STAFF | COLLECTOR, permission=PERMISSION, refusal=_REFUSAL)


def _receive(line: Line, account, *, file: CollectorFile, actor: Viewer, result: FeedResult) -> None:
    kind = line.kind
    amount = abs(line.amount)
    known = CollectorRecord.objects.filter(account=account, transaction_id=line.transaction_id).first()
    if known is not None:
        if (known.amount, known.value_date, known.kind) == (amount, line.value_date, kind):
            result.seen_before += 1
            return
        conflict = RecordConflict.objects.create(record=known, file=file, line=line.row, amount=amount,
                                                 value_date=line.value_date)
        events.record_conflict(conflict, actor=actor)
        result.conflicts += 1
        return
    reverses = None
    if kind == RecordKind.REVERSAL:
        reverses = CollectorRecord.objects.get(account=account, transaction_id=line.reverses)
    record = CollectorRecord.objects.create(
        account=account, file=file, line=line.row, transaction_id=line.transaction_id, kind=kind, reverses=reverses,
        value_date=line.value_date, amount=amount, payer_account=line.payer_account, payer_name=line.payer_name,
        reference_text=line.reference_text)
    record.account = account
    result.stored += 1
    result.records.append(record)
    if kind == RecordKind.REVERSAL:
        events.reversal_received(record, actor=actor)
        reversal_apply(record, actor=actor)
        result.reversals += 1
    elif credit_apply(record, actor=actor) is not None:
        result.applied += 1
    else:
        result.to_suspense += 1
