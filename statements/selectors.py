"""Reads of runs, statements, deliveries and batches, scoped by `common.access.scope`: a clerk sees
their region's, a person their own statements, an employer nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from common.access import Viewer, scope
from common.identifiers import mask_name
from common.problems import NotFound, ValidationFailed
from common.replicas import primary_reads, replica_reads
from insured.models import InsuredPerson, RecordAccess
from statements.models import (
    Delivery,
    DeliveryState,
    PrintBatch,
    RangeState,
    RunRange,
    Statement,
    StatementEventKind,
    StatementRun,
)
from statements.signing import figures
from statements.snapshot import CODE_LENGTH, verification_code_display, verification_code_normal


def statement_changes(statement: Statement) -> list[str]:
    """What changed from the previous version (the reissue's event), [] for a first version. Reads the
    prefetched `events` when the caller prefetched them."""
    if statement.version == 1:
        return []
    for event in statement.events.all():
        if event.kind == StatementEventKind.SUPERSEDED:
            return list(event.detail.get("changes", []))
    return []


def statement_is_current(statement: Statement) -> bool:
    """No newer version supersedes it (select_related("superseded_by") saves the query)."""
    return getattr(statement, "superseded_by", None) is None


def runs_visible(viewer: Viewer) -> QuerySet[StatementRun]:
    return scope(StatementRun.objects.select_related("region"), viewer)


def statements_visible(viewer: Viewer) -> QuerySet[Statement]:
    return scope(Statement.objects.all(), viewer)


def deliveries_visible(viewer: Viewer) -> QuerySet[Delivery]:
    return scope(Delivery.objects.select_related("statement"), viewer)


def batches_visible(viewer: Viewer) -> QuerySet[PrintBatch]:
    return scope(PrintBatch.objects.select_related("region"), viewer)


def access_log_visible(viewer: Viewer) -> QuerySet[RecordAccess]:
    return scope(RecordAccess.objects.select_related("office", "actor_user"), viewer)


@dataclass(frozen=True)
class Progress:
    persons_total: int
    persons_done: int
    ranges_total: int
    ranges_done: int
    generated: int
    delivered: dict[str, int]  # channel -> delivered (sent or published)
    waiting: dict[str, int]  # channel -> not yet delivered
    failed: int  # failed, bounced, returned, uncertain
    remaining: timedelta | None

    @property
    def percent(self) -> int:
        return int(100 * self.persons_done / self.persons_total) if self.persons_total else 100


def run_progress(run: StatementRun) -> Progress:
    """Figures from the ranges (one row per thousand persons) and the run's deliveries by state."""
    ranges = RunRange.objects.filter(run=run).aggregate(
        done=Count("pk", filter=Q(state=RangeState.DONE)), persons=Sum("persons"), generated=Sum("generated"))
    by_state = (Delivery.objects.filter(statement__run=run).values("channel", "state").annotate(n=Count("pk"))
                .order_by())
    delivered: dict[str, int] = {"email": 0, "post": 0, "online": 0}
    waiting: dict[str, int] = {"email": 0, "post": 0, "online": 0}
    failed = 0
    for row in by_state:
        if row["state"] in (DeliveryState.SENT, DeliveryState.PUBLISHED):
            delivered[row["channel"]] += row["n"]
        elif row["state"] in (DeliveryState.FAILED, DeliveryState.BOUNCED, DeliveryState.RETURNED,
                              DeliveryState.UNCERTAIN):
            failed += row["n"]
        else:
            waiting[row["channel"]] += row["n"]
    done = ranges["done"] or 0
    remaining = None
    if run.finished_at is None and done and done < run.ranges_total:
        elapsed = timezone.now() - run.started_at
        remaining = elapsed * (run.ranges_total - done) / done
    elif run.finished_at is not None or (run.ranges_total and done == run.ranges_total):
        remaining = timedelta(0)
    return Progress(persons_total=run.persons_total, persons_done=ranges["persons"] or 0,
                    ranges_total=run.ranges_total, ranges_done=done, generated=ranges["generated"] or 0,
                    delivered=delivered, waiting=waiting, failed=failed, remaining=remaining)


# --- checking a statement someone holds ----------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    year: int
    name: str
    checksum: str
    figures: dict  # statements.signing.figures: what the QR's signed payload holds
    version: int = 1
    superseded_by: str | None = None  # the current version's code (displayed) when this one was reissued


def statement_verify(*, code: str) -> Verification:
    """Anyone holding a statement checks it: the year, the masked name, the full checksum and the
    figures a bank relies on (months, closing balance, the year's totals), nothing more."""
    normal = verification_code_normal(code)
    if len(normal) != CODE_LENGTH:
        raise ValidationFailed.field("code", "code-format",
                                     gettext("A verification code has %(n)s digits and letters A to F.") % {"n": CODE_LENGTH})
    # Snapshots never change: read from the replica when one is configured, the primary when the replica
    # does not hold this one yet (common.replicas).
    query = (Statement.objects.filter(verification_code=normal)
             .values_list("year", "person_id", "checksum", "snapshot", "version"))
    with replica_reads():
        found = query.first()
    if found is None:
        with primary_reads():
            found = query.first()
    if found is None:
        raise NotFound(gettext("No statement has this verification code."))
    year, person_id, checksum, snapshot, version = found
    name = mask_name(InsuredPerson.objects.values_list("name", flat=True).get(pk=person_id))
    current = (Statement.objects.filter(person_id=person_id, year=year, version__gt=version)
               .values_list("verification_code", flat=True).first())  # the newest version first
    return Verification(year=year, name=name, checksum=checksum,
                        figures=figures(json.loads(snapshot), masked_name=name, checksum=checksum), version=version,
                        superseded_by=verification_code_display(current) if current else None)


def uncertain_deliveries_alert(viewer: Viewer):
    """The supervisor's home page: e-mails a crashed sender left uncertain, in the viewer's region,
    linked to the deliveries list filtered on them (record "sent" after checking the mail log, or
    send again from the statement's page)."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from agency.workbench import Alert

    count = scope(Delivery.objects.filter(state=DeliveryState.UNCERTAIN), viewer).count()
    url = reverse("admin:statements_delivery_changelist") + f"?state__exact={DeliveryState.UNCERTAIN}"
    return Alert(label=gettext_lazy("E-mails whose sending is uncertain (check the mail log)"), count=count, url=url)
