"""The confidentiality log: every staff access to a person's record or statement is written down
(who, when, what), and the person reads it at GET /api/v1/me/access-log.

Not a service entry point: a record written by the read it records (like an event writer), in the
reader's transaction, on the lookup path, where an entry point's savepoint would cost a round trip."""

from __future__ import annotations

from common.access import Kind, Viewer
from insured.models import RecordAccess, RecordAccessKind


def record_access_log(*, person_id: int, viewer: Viewer, kind: RecordAccessKind, detail: str = "") -> None:
    """Logs a staff viewer's access; a person reading their own record, a portal or a scheduled job
    is not staff access and writes nothing."""
    if viewer.kind not in (Kind.CLERK, Kind.SUPERUSER):
        return
    RecordAccess.objects.create(person_id=person_id, kind=kind, actor=viewer.label(), actor_user_id=viewer.user_id,
                                office_id=viewer.office_id, detail=detail[:200])


def record_accesses_log(*, person_ids: list[int], viewer: Viewer, kind: RecordAccessKind | str,
                        detail: str = "") -> None:
    """One row per person shown at once (an export, a print batch, a list page of their data)."""
    if viewer.kind not in (Kind.CLERK, Kind.SUPERUSER):
        return
    RecordAccess.objects.bulk_create(
        [RecordAccess(person_id=p, kind=kind, actor=viewer.label(), actor_user_id=viewer.user_id,
                      office_id=viewer.office_id, detail=detail[:200]) for p in person_ids], batch_size=2000)
