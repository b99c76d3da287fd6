"""The collection feed (issue 22, item 2): collector records enter as a file (CSV layout or a camt.053
bank statement; a clerk in the admin, an operator's management command) or as an API batch of the
collector's own system. Every path ends in `feed_import`.

- A file (or batch) already received, by its SHA-256, changes nothing: the first import is answered.
- A malformed file is refused whole, every bad line named; nothing is stored (collection.feeds).
- A record is the collector's `(account, transaction id)`: seen again with the same figures it changes
  nothing; with another amount or value date it becomes a `RecordConflict` for a clerk, nothing applied.
- A new credit is matched and applied (collection.applying); a new reversal is stored and handed to
  `collection.reversals.reversal_apply`.

Set-based (issue 22's benchmarks): the file is read as a stream into a staging table and stored by a
few statements (collection.staging); the new credits are matched and applied in chunks of
`COLLECTION_APPLY_CHUNK` records, grouped by employer (one lock and one allocation run each). A file
of at most one chunk is applied in the import's own transaction; a larger one is stored, and its
records are applied by `feed_apply` (one chunk per call and transaction, the Celery task
`collection.tasks.feed_apply_all` or the management command loop over it). What is left is what the
database says is left (credits with neither an application nor a suspense item; reversals without
their `reversal_received` event), so a killed import resumes where it stopped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy

from agency.deadlines import today_in_shanghai
from collection import events
from collection.applying import credits_apply
from collection.feeds import Faults, Parsed, camt053, csv_layout
from collection.models import (
    Application,
    CollectionEvent,
    CollectorFile,
    CollectorRecord,
    FeedFormat,
    RecordKind,
    SuspenseItem,
)
from collection.reversals import reversal_apply
from collection.staging import Stage, csv_stage, stage_store
from common.access import Viewer
from common.services import COLLECTOR, STAFF, entry

PERMISSION = "collection.add_collectorfile"
_REFUSAL = gettext_lazy("Only the collector's system, or agency staff allowed to import collector files, may do this.")
_CLAIM_LOCK = 0x636F6C6C  # pg_advisory_lock key of claiming a chunk of records to apply
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
    pending: int = 0  # stored records still to apply (a file larger than one chunk: `feed_apply`)


def _sha256(content: bytes | BinaryIO) -> str:
    if isinstance(content, bytes | bytearray):
        return hashlib.sha256(content).hexdigest()
    digest = hashlib.sha256()
    while chunk := content.read(1 << 20):
        digest.update(chunk)
    content.seek(0)
    return digest.hexdigest()


def feed_import(*, content: bytes | BinaryIO, format: str, actor: Viewer, name: str = "",
                parsed: Parsed | None = None) -> FeedResult:
    """Receive a collector's file (`content`, in `format`: its bytes, or a binary stream that is read
    twice, for its SHA-256 and its lines), or an API batch already read (`parsed`, with `content` its
    canonical bytes). A collector's system may send only for its region's accounts."""
    sha256 = _sha256(content)
    known = CollectorFile.objects.filter(sha256=sha256).first()
    if known is not None:
        return FeedResult(file=known, created=False)
    faults = Faults()
    stage = Stage(faults=faults, today=today_in_shanghai(), actor=actor)

    def file_made(records: int, total) -> tuple[CollectorFile, bool]:
        return CollectorFile.objects.get_or_create(sha256=sha256, defaults=dict(
            format=format, name=name[:200], records=records, total=total, actor=actor.label(),
            actor_user_id=actor.user_id))

    if parsed is None:
        parsed = Parsed([])
        if format != FeedFormat.CSV or not csv_stage(stage, content, parsed, faults, file_made):
            stage.fill(lambda into: _READERS[format](content, faults, into), parsed)
    else:
        lines, parsed.lines = parsed.lines, []
        stage.fill(lambda into: [stage.line(line) for line in lines], parsed)
    if stage.stored is not None:  # every line a good new credit: stored by the fast path's one statement
        file, created, stored = stage.stored
        result = FeedResult(file=file, created=created, stored=stored)
        if not created:
            return result
    else:
        stage.check(parsed)
        faults.raise_if_any()
        file, created = file_made(parsed.good, parsed.net)
        result = FeedResult(file=file, created=created)
        if not created:  # the same file, sent at the same time: the other import has it
            return result
        counts = stage_store(file, actor=actor)
        result.stored, result.seen_before, result.conflicts = (counts["stored"], counts["seen_before"],
                                                               counts["conflicts"])
    if result.stored <= settings.COLLECTION_APPLY_CHUNK:
        _apply_into(result, file=file, actor=actor, limit=None)
    else:  # applied by `feed_apply`, which brings the planner's figures up to date first
        result.pending = result.stored
    return result


feed_import = entry(feed_import, callers=STAFF | COLLECTOR, permission=PERMISSION, refusal=_REFUSAL)


def feed_apply(*, actor: Viewer, file: CollectorFile | None = None) -> FeedResult:
    """Apply the next chunk of stored records not yet applied (of `file`, or of any file): credits
    first, reversals when no credit is left. `pending` is 1 while records are left after this chunk,
    0 when none is."""
    result = FeedResult(file=file, created=False)
    _statistics_fresh()
    _apply_into(result, file=file, actor=actor, limit=settings.COLLECTION_APPLY_CHUNK)
    result.pending = int(_records_pending(file=file).exists())
    return result


feed_apply = entry(feed_apply, callers=STAFF | COLLECTOR, permission=PERMISSION, refusal=_REFUSAL)


def _no_jit() -> None:
    """No JIT for the rest of the applying transaction (`feed_apply`'s chunk, a small file's import).
    The looks at what is left (`_records_pending`: the claim, the second look once locked, what is left
    after the chunk) filter by an OR of NOT EXISTS that the planner costs at millions, past
    `jit_above_cost` and the inlining and optimizing thresholds: each compiled its expressions for
    ~0.6 s (EXPLAIN ANALYZE at 100,000 records: JIT 613 ms of a 774 ms statement) to run them over a
    few thousand rows, three times a chunk."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'off', true)")


def _statistics_fresh() -> None:
    """The chunks' look at what is left is planned on the records table's statistics; after a large
    file's import (stored, not applied: `feed_import` leaves the applying here) they lag behind until
    autovacuum's ANALYZE, and a plan made for a smaller table reads the records a chunk at a time
    (minutes a chunk at 100,000 records). So the first chunk after such an import analyzes the table:
    when it has grown by more than a tenth since its statistics were taken (pg_class's page count
    against the table's size on disk; one catalog row, no scan)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT pg_relation_size(c.oid) / current_setting('block_size')::int > c.relpages + c.relpages / 10 + 8
              FROM pg_class c WHERE c.oid = 'collection_collectorrecord'::regclass""")
        if cursor.fetchone()[0]:
            cursor.execute("ANALYZE collection_collectorrecord")


def _records_pending(*, file: CollectorFile | None = None):
    """The stored records the database holds as not applied yet (see the module docstring)."""
    records = CollectorRecord.objects.filter(file=file) if file is not None else CollectorRecord.objects.all()
    applied = Exists(Application.objects.filter(record=OuterRef("pk")))
    waiting = Exists(SuspenseItem.objects.filter(record=OuterRef("pk")))
    received = Exists(CollectionEvent.objects.filter(record=OuterRef("pk"), kind=events.EventKind.REVERSAL_RECEIVED))
    return (records.filter(kind=RecordKind.CREDIT).exclude(applied).exclude(waiting)
            | records.filter(kind=RecordKind.REVERSAL).exclude(received))


def _apply_into(result: FeedResult, *, file: CollectorFile | None, actor: Viewer, limit: int | None) -> None:
    _no_jit()
    pending = _records_pending(file=file).select_related("account", "reverses").order_by("kind", "id")
    # Records another worker holds (feed_apply on two processes) are skipped, not waited for; a chunk is
    # claimed whole under a short advisory lock, so two workers take runs of records, not every other one
    # (an employer's records, often adjacent, then stay in one chunk and one worker).
    # Credits name no record they reverse: no join to it (a nested loop over the records once the
    # statistics lag behind a large file's INSERT: minutes a chunk at 100,000 records).
    locked = pending.select_related(None).select_related("account").select_for_update(skip_locked=True, of=("self",))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_CLAIM_LOCK])
        try:
            credits = list(locked.filter(kind=RecordKind.CREDIT)[:limit] if limit
                           else locked.filter(kind=RecordKind.CREDIT))
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_CLAIM_LOCK])
    if credits:  # locked now: looked at again with a fresh snapshot (another worker may have just applied them)
        still = set(_records_pending(file=file).filter(pk__in=[r.pk for r in credits]).values_list("pk", flat=True))
        credits = [record for record in credits if record.pk in still]
    applied, waiting = credits_apply(credits, actor=actor)
    result.applied += applied
    result.to_suspense += waiting
    if credits and limit or pending.filter(kind=RecordKind.CREDIT).exists():
        return  # reversals once every credit is applied: a reversal may take back a credit of the same file
    for record in (pending.select_for_update(skip_locked=True, of=("self",)).filter(kind=RecordKind.REVERSAL)
                   .order_by("id")):
        events.reversal_received(record, actor=actor)
        reversal_apply(record, actor=actor)
        result.reversals += 1
