"""The demo's yearly statement run: last year's statements for every demo person, done through the
services the workers use, so `make run` starts with statements to download, e-mails in var/mail and
print batches for the print shop."""

from __future__ import annotations

from datetime import date

from common.access import Viewer
from common.outbox import outbox_send_due
from insured.models import InsuredPerson
from statements.models import Delivery, PrintBatch, RangeState, RunRange, RunState
from statements.queue import EMAILS
from statements.services.delivery import print_batch_render
from statements.services.generation import statement_range_generate
from statements.services.runs import statement_run_advance, statement_run_start

# A demo-sized population gets its statements at start-up; a benchmark's million persons would
# take the yearly run's 18 minutes (bench/statement_bench.py measures that run on its own).
DEMO_STATEMENTS_MAX_PERSONS = 50_000


def demo_statements_ensure(*, today: date) -> str | None:
    system = Viewer.system()
    if InsuredPerson.objects.count() > DEMO_STATEMENTS_MAX_PERSONS:
        return (f"demo statements skipped: more than {DEMO_STATEMENTS_MAX_PERSONS:,} persons; start the "
                f"{today.year - 1} run in the admin (statement runs) or let beat start it")
    run, _created = statement_run_start(year=today.year - 1, region=None, actor=system)
    if run.state == RunState.DONE:
        return None
    for range_id in RunRange.objects.filter(run=run, state=RangeState.PENDING).values_list("pk", flat=True):
        statement_range_generate(range_id=range_id, actor=system)
    outbox_send_due(name=EMAILS, actor=system, statement__year=run.year)
    run = statement_run_advance(run_id=run.pk, actor=system)
    for batch in PrintBatch.objects.filter(run=run, pdf_sha256=""):
        print_batch_render(batch_id=batch.pk, actor=system)
    by_channel = {c: Delivery.objects.filter(statement__run=run, channel=c).count() for c in ("email", "post", "online")}
    return (f"demo statements: the {run.year} run is {run.state}: {run.persons_total} statements (e-mail "
            f"{by_channel['email']} in var/mail, post {by_channel['post']} in "
            f"{PrintBatch.objects.filter(run=run).count()} print batches, online {by_channel['online']})")
