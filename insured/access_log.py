"""The confidentiality log: every staff access to a person's record or statement is written down
(who, when, what), and the person reads it at GET /api/v1/me/access-log.

Not a service entry point: a record written by the read it records (like an event writer), in the
reader's transaction, on the lookup path, where an entry point's savepoint would cost a round trip."""

from __future__ import annotations

from django.db import connections, router
from django.utils import timezone

from common.access import Kind, Viewer
from insured.models import RecordAccess, RecordAccessKind
from insured.selectors.persons import LOOKUP_QUERY, person_lookup_rows


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


def person_lookup_logged(viewer: Viewer, document_number: str) -> list[dict]:
    """`person_lookup_rows`, with the staff viewer's access to the person found written down in the
    SAME statement (`WITH found AS (the lookup) INSERT .. SELECT .. FROM found`): one round trip where
    a read and a logged write took four (read, BEGIN, INSERT, COMMIT); the rows come back only if the
    log row is written. Others than staff write nothing, as `record_access_log`."""
    if viewer.kind not in (Kind.CLERK, Kind.SUPERUSER):
        return person_lookup_rows(viewer, document_number)
    return LOOKUP_QUERY.values_then(viewer, document_number.strip().upper(),
                                    then=_insert_from_found(viewer, RecordAccessKind.PERSON_LOOKUP))


def _insert_from_found(viewer: Viewer, kind: RecordAccessKind, detail: str = "") -> tuple[str, list]:
    quote = connections[router.db_for_write(RecordAccess)].ops.quote_name
    columns = ("person_id", "kind", "actor", "actor_user_id", "office_id", "detail", "at")
    sql = (f"INSERT INTO {quote(RecordAccess._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
           "SELECT found.id, %s, %s, %s, %s, %s, %s FROM found")
    return sql, [str(kind), viewer.label(), viewer.user_id, viewer.office_id, detail[:200], timezone.now()]
