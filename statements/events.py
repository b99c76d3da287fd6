"""The statements' events: one writer, called by every service in its own transaction."""

from __future__ import annotations

from common.access import Viewer
from statements.models import StatementEvent, StatementEventKind


def statement_event_record(*, kind: StatementEventKind, actor: Viewer, run=None, statement=None,
                           region_id: int | None = None, detail: dict | None = None) -> StatementEvent:
    if region_id is None:
        region_id = statement.region_id if statement is not None else (run.region_id if run is not None else None)
    return StatementEvent.objects.create(kind=kind, run=run, statement=statement, region_id=region_id,
                                         actor=actor.label(), detail=detail or {})
