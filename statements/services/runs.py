"""Statement runs: started once per year (and region), split into keyset ranges, advanced by tasks
and by a periodic check until every range is done, the letters are batched and no e-mail waits."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from agency.models import Region
from common.access import Kind, Viewer
from common.problems import Forbidden, ValidationFailed
from common.services import STAFF, SYSTEM, Machine, Step, entry, transition
from insured.models import StatementDelivery
from statements import events
from statements.models import (
    Delivery,
    DeliveryState,
    RangeState,
    RunRange,
    RunState,
    StatementRun,
)
from statements.queue import RANGE_WORK, RUN_ADVANCE, queue_after_commit

START_PERMISSION = "statements.add_statementrun"
# A run is running until every range is done, the letters are batched and no e-mail waits.
RUN = Machine("statement run", {RunState.RUNNING: {"finish": Step(RunState.DONE, events.statement_run_finished)}},
              states=RunState, actions={"finish": "finished"})

_BOUNDS_SQL = """
SELECT id FROM (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM insured_insuredperson {where}
) numbered WHERE (n - 1) %% %(size)s = 0 ORDER BY id
"""


def _check_may_start(actor: Viewer, region: Region | None) -> None:
    """The kind and the permission are checked by the declaration; a supervisor's own region here."""
    if actor.kind is Kind.CLERK and (region is None or region.pk != actor.region_id):
        raise Forbidden(gettext("A supervisor starts the runs of their own region only."))


def _ranges(run: StatementRun) -> list[RunRange]:
    where, params = "", {"size": settings.STATEMENT_RANGE_SIZE}
    if run.region_id is not None:
        where, params["region"] = "WHERE region_id = %(region)s", run.region_id
    with connection.cursor() as cursor:
        cursor.execute(_BOUNDS_SQL.format(where=where), params)
        starts = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT count(*), max(id) FROM insured_insuredperson {where}", params)
        total, last = cursor.fetchone()
    run.persons_total = total
    ends = [s - 1 for s in starts[1:]] + ([last] if starts else [])  # a region with nobody: no range
    return [RunRange(run=run, seq=n, first_person_id=a, last_person_id=b)
            for n, (a, b) in enumerate(zip(starts, ends, strict=True), start=1)]


def statement_run_start(*, year: int, region: Region | None, actor: Viewer) -> tuple[StatementRun, bool]:
    """The run of `year` (and region): created with its ranges the first time; the existing one
    otherwise, which changes nothing (a finished run stays finished; a running one is advanced)."""
    _check_may_start(actor, region)
    today = timezone.localdate()
    if not 1990 <= year < today.year:
        raise ValidationFailed.field("year", "year-not-finished", gettext("A run covers a finished year, before %(year)s.") % {"year": today.year})
    created = False
    with transaction.atomic():
        run = StatementRun.objects.filter(year=year, region=region).first()
        if run is None:
            try:
                with transaction.atomic():
                    run = StatementRun.objects.create(year=year, region=region, started_by=actor.label())
                    created = True
            except IntegrityError:  # a second start at the same moment: the first one's row
                run = StatementRun.objects.get(year=year, region=region)
        if created:
            ranges = _ranges(run)
            RunRange.objects.bulk_create(ranges, batch_size=5000)
            run.ranges_total = len(ranges)
            run.save(update_fields=["persons_total", "ranges_total"])
            events.statement_run_started(run, actor=actor)
    if run.state == RunState.RUNNING:
        queue_after_commit(RUN_ADVANCE, run_id=run.pk)
    return run, created


statement_run_start = entry(statement_run_start, callers=STAFF, permission=START_PERMISSION,
                            refusal=gettext_lazy("Only a supervisor may start a statement run."))


def statement_run_dispatch(*, run_id: int, actor: Viewer, stale_after: timedelta | None = None) -> int:
    """Queues a task for every pending range that no task holds: never queued, or queued longer
    ago than `stale_after` (its task was lost with a worker or with Redis). Returns how many."""
    stale_after = stale_after or timedelta(minutes=settings.STATEMENT_RANGE_REQUEUE_MINUTES)
    now = timezone.now()
    with transaction.atomic():
        ids = list(RunRange.objects.select_for_update(skip_locked=True)
                   .filter(run_id=run_id, state=RangeState.PENDING)
                   .exclude(queued_at__gt=now - stale_after).values_list("pk", flat=True))
        RunRange.objects.filter(pk__in=ids).update(queued_at=now)
        for i in ids:
            queue_after_commit(RANGE_WORK, range_id=i)
    return len(ids)


statement_run_dispatch = entry(statement_run_dispatch, callers=SYSTEM)


def statement_run_advance(*, run_id: int, actor: Viewer) -> StatementRun:
    """One step of the periodic check: queue the pending ranges; once all are done, batch the letters;
    once no e-mail waits either, the run is done."""
    from statements.services.delivery import print_batches_build

    run = StatementRun.objects.get(pk=run_id)
    if run.state == RunState.DONE:
        return run
    if RunRange.objects.filter(run_id=run_id, state=RangeState.PENDING).exists():
        statement_run_dispatch(run_id=run_id, actor=actor)
        return run
    print_batches_build(run=run, actor=actor)
    waiting = Delivery.objects.filter(statement__run_id=run_id, channel=StatementDelivery.EMAIL,
                                      state__in=[DeliveryState.PENDING, DeliveryState.SENDING]).exists()
    if waiting:
        return run
    with transaction.atomic():
        run = StatementRun.objects.select_for_update().get(pk=run_id)
        if run.state == RunState.RUNNING:
            run.finished_at = timezone.now()
            transition(RUN, run, "finish", actor=actor, fields=["finished_at"])
    return run


# Scheduled (the periodic check), or a clerk's "advance" in the admin, which sees every run.
statement_run_advance = entry(statement_run_advance, callers=STAFF)
