"""What persons, clerks at the counter and anyone holding a statement ask for."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from common.access import Kind, Viewer, scope
from common.outbox import outbox_send_after_commit
from common.problems import NotFound, ValidationFailed
from common.services import PERSON, entry
from insured.access_log import record_access_log
from insured.models import InsuredPerson, RecordAccessKind, StatementDelivery
from statements import events
from statements.models import OPEN_DELIVERY, Delivery, Statement
from statements.queue import EMAILS
from statements.services.generation import _delivery_for, _statement_generate_one
from statements.snapshot import PersonRow

FIRST_YEAR = 1992  # the individual pension accounts begin with the 1990s reform


def _check_year(year: int) -> None:
    today = timezone.localdate()
    if not FIRST_YEAR <= year < today.year:
        raise ValidationFailed.field("year", "year-not-available",
                                     gettext("Statements cover a finished year from %(first)s to %(last)s.")
                                     % {"first": FIRST_YEAR, "last": today.year - 1})


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
            (gettext("The person had no insurance relationship in %(year)s; statements cover %(first)s to %(last)s.")
             % {"year": year, "first": first.year, "last": timezone.localdate().year - 1}) if first
            else gettext("The person had no insurance relationship in %(year)s.") % {"year": year})


def statement_request(*, year: int, actor: Viewer) -> tuple[Statement, Delivery | None, bool]:
    """A person asks for the statement of a finished year, free of charge: generated now if there is
    none, and delivered by their channel unless a delivery of it is already under way.
    Returns (statement, new delivery or None, statement created)."""
    _check_year(year)
    _check_person_year(actor.person_id, year)
    with transaction.atomic():
        person = InsuredPerson.objects.select_for_update().get(pk=actor.person_id)  # one request at a time
        statement, created = _statement_generate_one(person_id=person.pk, year=year, actor=actor)
        delivery = None
        if not Delivery.objects.filter(statement=statement, state__in=OPEN_DELIVERY).exists():
            row = PersonRow.of(person)
            delivery = _delivery_for(statement, row, channel=row.channel, actor=actor)
            delivery.save()
            if delivery.channel == StatementDelivery.EMAIL:
                outbox_send_after_commit(EMAILS)
        events.statement_requested(statement, actor=actor, created=created,
                                   channel=delivery.channel if delivery else None)
    return statement, delivery, created


statement_request = entry(statement_request, callers=PERSON,
                          refusal=gettext_lazy("Only the insured person asks for their own statement here."))
_COUNTER = frozenset({Kind.CLERK, Kind.SUPERUSER})  # a person at a desk, not a scheduled job


def statement_for_clerk(*, statement_id: int, actor: Viewer, printing: bool = False) -> Statement:
    """A statement of the clerk's region, logged as viewed (or printed at the counter)."""
    statement = scope(Statement.objects.all(), actor).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(gettext("No such statement in your region."))
    kind = RecordAccessKind.STATEMENT_PRINTED if printing else RecordAccessKind.STATEMENT_VIEWED
    with transaction.atomic():
        record_access_log(person_id=statement.person_id, viewer=actor, kind=kind, detail=str(statement.year))
        if printing:
            events.statement_printed(statement, actor=actor)
    return statement


statement_for_clerk = entry(statement_for_clerk, callers=_COUNTER, refusal=gettext_lazy("Only agency staff read statements here."))


def statement_counter_print(*, person_id: int, year: int, actor: Viewer) -> Statement:
    """At the counter: the person's statement of `year` (generated now if there is none), logged."""
    _check_year(year)
    if not scope(InsuredPerson.objects.all(), actor).filter(pk=person_id).exists():
        raise NotFound(gettext("No such person in your region."))
    _check_person_year(person_id, year)
    with transaction.atomic():
        InsuredPerson.objects.select_for_update().get(pk=person_id)
        statement, _created = _statement_generate_one(person_id=person_id, year=year, actor=actor)
    return statement_for_clerk(statement_id=statement.pk, actor=actor, printing=True)


statement_counter_print = entry(statement_counter_print, callers=_COUNTER,
                                refusal=gettext_lazy("Only agency staff print at the counter."))
