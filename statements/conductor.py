"""The statement run's conductor: what each scheduled or queued step does, in one place. The
tasks (`statements/tasks.py`) are thin wrappers the Celery workers call; this module calls the
services, and the services queue the next step by name (`statements/queue.py`)."""

from __future__ import annotations

from django.utils import timezone

from common.access import Viewer
from common.outbox import outbox_send_due
from statements.models import RangeState, RunRange, RunState, StatementRun
from statements.queue import EMAILS, RUN_ADVANCE, queue_after_commit
from statements.services.delivery import print_batch_render, print_batches_build
from statements.services.generation import statement_range_generate
from statements.services.notices import transfer_notice_send
from statements.services.runs import statement_run_advance, statement_run_start
from statements.services.superseding import statement_supersede_sweep


def range_work(range_id: int) -> str:
    """One range's statements; the last range done queues the run's next step."""
    rng = statement_range_generate(range_id=range_id, actor=Viewer.system())
    if rng is None:
        return "already done or taken"
    if not RunRange.objects.filter(run_id=rng.run_id, state=RangeState.PENDING).exists():
        queue_after_commit(RUN_ADVANCE, run_id=rng.run_id)
    return f"range {rng.seq}: {rng.generated} generated"


def emails_send(range_id: int | None = None) -> str:
    """A generated range's e-mails (or every due one), by the one outbox (common/outbox.py)."""
    filters = {}
    if range_id is not None:  # the range's persons' e-mails of the run's year
        rng = RunRange.objects.select_related("run").get(pk=range_id)
        filters = {"statement__person__id__range": (rng.first_person_id, rng.last_person_id),
                   "statement__year": rng.run.year}
    sent = outbox_send_due(name=EMAILS, actor=Viewer.system(), **filters)
    return f"e-mails sent {sent.sent}, retry {sent.retry}, failed {sent.failed}"


def run_advance(run_id: int) -> str:
    run = statement_run_advance(run_id=run_id, actor=Viewer.system())
    return f"{run}: {run.state}"


def print_batch(batch_id: int) -> str:
    batch = print_batch_render(batch_id=batch_id, actor=Viewer.system())
    return f"{batch}: {batch.pdf_bytes} bytes"


def transfer_notice(transfer_id: int) -> str:
    event = transfer_notice_send(transfer_id=transfer_id, actor=Viewer.system())
    return f"transfer {transfer_id}: " + (event.detail["channel"] if event else "informed before")


def runs_check() -> str:
    """Every few minutes: resume runs (re-queue ranges whose task was lost), batch letters asked for
    outside runs. The e-mails' retries and what a dead sender left are the one outbox's beat
    (`outboxes-retry`, common/tasks.py), as for every other kind."""
    for run_id in StatementRun.objects.filter(state=RunState.RUNNING).values_list("pk", flat=True):
        statement_run_advance(run_id=run_id, actor=Viewer.system())
    batches = print_batches_build(actor=Viewer.system())
    return f"batches {len(batches)}"


def run_yearly() -> str:
    """On STATEMENT_RUN_MONTH/DAY: the run of last year for every region (once: starting it again
    finds the same run)."""
    run, created = statement_run_start(year=timezone.localdate().year - 1, region=None, actor=Viewer.system())
    return f"{run}: {'started' if created else run.state}"


def supersede_sweep() -> str:
    """Every STATEMENT_SUPERSEDE_MINUTES: reissue the statements whose year changed since."""
    sweep = statement_supersede_sweep(actor=Viewer.system())
    if sweep is None:
        return "no statements"
    return f"sweep {sweep.pk}: {sweep.candidates} checked, {sweep.reissued} reissued ({sweep.state})"
