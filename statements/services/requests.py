"""What persons, clerks at the counter and anyone holding a statement ask for."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from common.access import Kind, Viewer, scope
from common.identifiers import mask_name
from common.problems import Forbidden, NotFound, ValidationFailed
from insured.models import InsuredPerson, RecordAccessKind, StatementDelivery
from insured.services.access_log import record_access_log
from statements.events import statement_event_record
from statements.models import OPEN_DELIVERY, Delivery, Statement, StatementEventKind
from statements.services.generation import delivery_for, statement_generate_one
from statements.snapshot import CODE_LENGTH, PersonRow, verification_code_normal

FIRST_YEAR = 1992  # the individual pension accounts begin with the 1990s reform


def _check_year(year: int) -> None:
    today = timezone.localdate()
    if not FIRST_YEAR <= year < today.year:
        raise ValidationFailed.field("year", "year-not-available",
                                     f"Statements cover a finished year from {FIRST_YEAR} to {today.year - 1}.")


def _check_person_year(person_id: int, year: int) -> None:
    """A statement covers a year the person had an insurance relationship: from the earliest of their
    relationships, employments and contribution months (and never before their birth). A request for
    1992 by a person born in 2002 is refused, not generated (issue 25, item 7)."""
    from django.db.models import Min

    from contributions.models import ContributionLine
    from insured.models import Employment, InsuranceRelationship

    starts = [InsuranceRelationship.objects.filter(person_id=person_id).aggregate(m=Min("opened_on"))["m"],
              Employment.objects.filter(person_id=person_id).aggregate(m=Min("start_date"))["m"],
              ContributionLine.objects.filter(person_id=person_id).aggregate(m=Min("period"))["m"]]
    known = [d for d in starts if d is not None]
    birth = InsuredPerson.objects.filter(pk=person_id).values_list("birth_date", flat=True).first()
    first = max(min(known), birth) if known and birth else None
    if first is None or year < first.year:
        raise ValidationFailed.field(
            "year", "no-relationship-that-year",
            f"The person had no insurance relationship in {year}"
            + (f"; statements cover {first.year} to {timezone.localdate().year - 1}." if first else "."))


def statement_request(*, year: int, actor: Viewer) -> tuple[Statement, Delivery | None, bool]:
    """A person asks for the statement of a finished year, free of charge: generated now if there is
    none, and delivered by their channel unless a delivery of it is already under way.
    Returns (statement, new delivery or None, statement created)."""
    if actor.kind is not Kind.PERSON:
        raise Forbidden("Only the insured person asks for their own statement here.")
    _check_year(year)
    _check_person_year(actor.person_id, year)
    with transaction.atomic():
        person = InsuredPerson.objects.select_for_update().get(pk=actor.person_id)  # one request at a time
        statement, created = statement_generate_one(person_id=person.pk, year=year, actor=actor)
        delivery = None
        if not Delivery.objects.filter(statement=statement, state__in=OPEN_DELIVERY).exists():
            row = PersonRow.of(person)
            delivery = delivery_for(statement, row, channel=row.channel, actor=actor)
            delivery.save()
            if delivery.channel == StatementDelivery.EMAIL:
                from statements.tasks import statement_emails_send

                transaction.on_commit(lambda: statement_emails_send.delay())
        statement_event_record(kind=StatementEventKind.REQUESTED, actor=actor, statement=statement,
                               detail={"created": created, "channel": delivery.channel if delivery else None})
    return statement, delivery, created


def statement_for_clerk(*, statement_id: int, actor: Viewer, printing: bool = False) -> Statement:
    """A statement of the clerk's region, logged as viewed (or printed at the counter)."""
    if actor.kind not in (Kind.CLERK, Kind.SUPERUSER):
        raise Forbidden("Only agency staff read statements here.")
    statement = scope(Statement.objects.all(), actor).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound("No such statement in your region.")
    kind = RecordAccessKind.STATEMENT_PRINTED if printing else RecordAccessKind.STATEMENT_VIEWED
    with transaction.atomic():
        record_access_log(person_id=statement.person_id, viewer=actor, kind=kind, detail=str(statement.year))
        if printing:
            statement_event_record(kind=StatementEventKind.PRINTED, actor=actor, statement=statement)
    return statement


def statement_counter_print(*, person_id: int, year: int, actor: Viewer) -> Statement:
    """At the counter: the person's statement of `year` (generated now if there is none), logged."""
    if actor.kind not in (Kind.CLERK, Kind.SUPERUSER):
        raise Forbidden("Only agency staff print at the counter.")
    _check_year(year)
    if not scope(InsuredPerson.objects.all(), actor).filter(pk=person_id).exists():
        raise NotFound("No such person in your region.")
    _check_person_year(person_id, year)
    with transaction.atomic():
        InsuredPerson.objects.select_for_update().get(pk=person_id)
        statement, _created = statement_generate_one(person_id=person_id, year=year, actor=actor)
    return statement_for_clerk(statement_id=statement.pk, actor=actor, printing=True)


@dataclass(frozen=True)
class Verification:
    year: int
    name: str
    checksum: str


def statement_verify(*, code: str) -> Verification:
    """Anyone holding a statement checks it: the year, the masked name and the checksum, nothing more."""
    normal = verification_code_normal(code)
    if len(normal) != CODE_LENGTH:
        raise ValidationFailed.field("code", "code-format",
                                     f"A verification code has {CODE_LENGTH} digits and letters A to F.")
    found = Statement.objects.filter(verification_code=normal).values_list("year", "person_id", "checksum").first()
    if found is None:
        raise NotFound("No statement has this verification code.")
    year, person_id, checksum = found
    name = InsuredPerson.objects.values_list("name", flat=True).get(pk=person_id)
    return Verification(year=year, name=mask_name(name), checksum=checksum)
