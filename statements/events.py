"""The statements' events: one writer per kind, `<thing>_<event>(subject, *, actor, ...)`, all through
`_write`, called by the services in their own transaction. Nothing else writes StatementEvent."""

from __future__ import annotations

from common.access import Viewer
from statements.models import Delivery, PrintBatch, Statement, StatementEvent, StatementEventKind, StatementRun


def _write(*, kind: StatementEventKind, actor: Viewer, run=None, statement=None, region_id: int | None = None,
           detail: dict | None = None) -> StatementEvent:
    if region_id is None:
        region_id = statement.region_id if statement is not None else (run.region_id if run is not None else None)
    return StatementEvent.objects.create(kind=kind, run=run, statement=statement, region_id=region_id,
                                         actor=actor.label(), detail=detail or {})


def statement_run_started(run: StatementRun, *, actor: Viewer) -> StatementEvent:
    return _write(kind=StatementEventKind.RUN_STARTED, actor=actor, run=run,
                  detail={"year": run.year, "persons": run.persons_total, "ranges": run.ranges_total})


def statement_run_finished(run: StatementRun, *, actor: Viewer) -> StatementEvent:
    return _write(kind=StatementEventKind.RUN_FINISHED, actor=actor, run=run)


def statement_requested(statement: Statement, *, actor: Viewer, created: bool, channel: str | None) -> StatementEvent:
    return _write(kind=StatementEventKind.REQUESTED, actor=actor, statement=statement,
                  detail={"created": created, "channel": channel})


def statement_printed(statement: Statement, *, actor: Viewer) -> StatementEvent:
    return _write(kind=StatementEventKind.PRINTED, actor=actor, statement=statement)


def statement_resent(statement: Statement, *, actor: Viewer, delivery: Delivery) -> StatementEvent:
    return _write(kind=StatementEventKind.RESENT, actor=actor, statement=statement,
                  detail={"delivery": delivery.pk, "channel": delivery.channel})


def statement_channel_changed(statement: Statement, *, actor: Viewer, channel: str) -> StatementEvent:
    return _write(kind=StatementEventKind.CHANNEL_CHANGED, actor=actor, statement=statement,
                  detail={"channel": channel})


def _delivery_outcome(kind: StatementEventKind, delivery: Delivery, actor: Viewer, note: str) -> StatementEvent:
    return _write(kind=kind, actor=actor, statement=delivery.statement,
                  detail={"delivery": delivery.pk, "note": note[:300]})


def delivery_bounced(delivery: Delivery, *, actor: Viewer, note: str) -> StatementEvent:
    return _delivery_outcome(StatementEventKind.BOUNCED, delivery, actor, note)


def delivery_returned(delivery: Delivery, *, actor: Viewer, note: str) -> StatementEvent:
    return _delivery_outcome(StatementEventKind.RETURNED, delivery, actor, note)


def delivery_confirmed_sent(delivery: Delivery, *, actor: Viewer, note: str) -> StatementEvent:
    """An uncertain sending found in the mail server's log as sent."""
    return _delivery_outcome(StatementEventKind.CONFIRMED_SENT, delivery, actor, note)


def print_batch_handed_over(batch: PrintBatch, *, actor: Viewer) -> StatementEvent:
    return _write(kind=StatementEventKind.BATCH_HANDED_OVER, actor=actor, region_id=batch.region_id,
                  detail={"batch": batch.pk, "letters": batch.letters})


def statement_superseded(statement: Statement, *, actor: Viewer, old: Statement, changes: list[str]) -> StatementEvent:
    """A new version of a year's statement: what changed (in Chinese, as sent to the person)."""
    return _write(kind=StatementEventKind.SUPERSEDED, actor=actor, statement=statement,
                  detail={"version": statement.version, "supersedes": old.pk, "supersedes_code": old.verification_code,
                          "changes": changes})


def transfer_notice_sent(*, transfer_id: int, region_id: int, person_id: int, channel: str,
                         actor: Viewer) -> StatementEvent:
    """Written before the notice goes out: once per transfer (the database knows it was done)."""
    return _write(kind=StatementEventKind.TRANSFER_NOTICE, actor=actor, region_id=region_id,
                  detail={"transfer": transfer_id, "person": person_id, "channel": channel})
