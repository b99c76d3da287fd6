"""What persons, clerks at the counter and anyone holding a statement ask for."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from common.access import Kind, Viewer, scope
from common.problems import Forbidden, NotFound, ValidationFailed
from insured.models import InsuredPerson, RecordAccessKind, StatementDelivery
from insured.services.access_log import record_access_log
from statements.events import statement_event_record
from statements.models import OPEN_DELIVERY, Delivery, Statement, StatementEventKind
from statements.services.generation import delivery_for, statement_generate_one
from statements.signing import figures
from statements.snapshot import CODE_LENGTH, PersonRow, verification_code_normal

FIRST_YEAR = 1992  # the individual pension accounts begin with the 1990s reform


def _check_year(year: int) -> None:
    today = timezone.localdate()
    if not FIRST_YEAR <= year < today.year:
        raise ValidationFailed.field("year", "year-not-available",
                                     f"Statements cover a finished year from {FIRST_YEAR} to {today.year - 1}.")


def statement_request(*, year: int, actor: Viewer) -> tuple[Statement, Delivery | None, bool]:
    """A person asks for the statement of a finished year, free of charge: generated now if there is
    none, and delivered by their channel unless a delivery of it is already under way.
    Returns (statement, new delivery or None, statement created)."""
    if actor.kind is not Kind.PERSON:
        raise Forbidden("Only the insured person asks for their own statement here.")
    _check_year(year)
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
    with transaction.atomic():
        InsuredPerson.objects.select_for_update().get(pk=person_id)
        statement, _created = statement_generate_one(person_id=person_id, year=year, actor=actor)
    return statement_for_clerk(statement_id=statement.pk, actor=actor, printing=True)


@dataclass(frozen=True)
class Verification:
    year: int
    name: str
    checksum: str
    figures: dict  # statements.signing.figures: what the QR's signed payload holds


def masked_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1)


def statement_verify(*, code: str) -> Verification:
    """Anyone holding a statement checks it: the year, the masked name, the full checksum and the
    figures a bank relies on (months, closing balance, the year's totals), nothing more."""
    normal = verification_code_normal(code)
    if len(normal) != CODE_LENGTH:
        raise ValidationFailed.field("code", "code-format",
                                     f"A verification code has {CODE_LENGTH} digits and letters A to F.")
    found = (Statement.objects.filter(verification_code=normal)
             .values_list("year", "person_id", "checksum", "snapshot").first())
    if found is None:
        raise NotFound("No statement has this verification code.")
    year, person_id, checksum, snapshot = found
    name = InsuredPerson.objects.values_list("name", flat=True).get(pk=person_id)
    verification = Verification(year=year, name=masked_name(name), checksum=checksum, figures={})
    return replace(verification, figures=figures(json.loads(snapshot), masked_name=verification.name,
                                                 checksum=checksum))
