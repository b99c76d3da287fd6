"""Generating statements: for a range of a run, or for one person on request.

A range is generated in one transaction that holds its row lock (FOR UPDATE SKIP LOCKED, so two
workers never do the same range): the statements, their deliveries and the range's "done" commit
together or not at all. A worker killed halfway leaves the range pending, and whoever takes it next
starts it over; persons who already have the year's statement (the unique key) are skipped.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from common.access import Viewer
from insured.models import StatementDelivery
from statements.models import Delivery, DeliveryState, RangeState, RunRange, Statement
from statements.render import checksum_of
from statements.snapshot import PersonRow, agencies, canonical, persons_in_range, postal_code_of, snapshots_for_range


def _statement_rows(pairs, *, year: int, run_id: int | None) -> list[Statement]:
    rows = []
    for person, snap in pairs:
        text = canonical(snap)
        rows.append(Statement(person_id=person.id, year=year, region_id=person.region_id, run_id=run_id,
                              snapshot=text, checksum=checksum_of(text), verification_code=snap["code"],
                              channel=person.channel))
    return rows


def delivery_for(statement: Statement, person: PersonRow, *, channel: str, actor: Viewer,
                 now=None) -> Delivery:
    """The delivery a new statement (or a resend) gets on `channel`: online is published at once, e-mail
    waits for the sender, post for a print batch."""
    now = now or timezone.now()
    if channel == StatementDelivery.EMAIL:
        return Delivery(statement=statement, channel=channel, state=DeliveryState.PENDING, address=person.email,
                        next_attempt_at=now, created_by=actor.label())
    if channel == StatementDelivery.POST:
        return Delivery(statement=statement, channel=channel, state=DeliveryState.PENDING,
                        address=person.postal_address, postal_code=postal_code_of(person.postal_address),
                        created_by=actor.label())
    return Delivery(statement=statement, channel=StatementDelivery.ONLINE, state=DeliveryState.PUBLISHED,
                    sent_at=now, created_by=actor.label())


def statement_range_generate(*, range_id: int, actor: Viewer | None = None) -> RunRange | None:
    """Generates the statements of one pending range; None when it is done or another worker has it."""
    actor = actor or Viewer.system()
    with transaction.atomic():
        rng = (RunRange.objects.select_for_update(skip_locked=True).select_related("run")
               .filter(pk=range_id, state=RangeState.PENDING).first())
        if rng is None:
            return None
        run = rng.run
        persons = persons_in_range(first_person_id=rng.first_person_id, last_person_id=rng.last_person_id,
                                   region_id=run.region_id)
        have = set(Statement.objects.filter(person_id__gte=rng.first_person_id, person_id__lte=rng.last_person_id,
                                            year=run.year).values_list("person_id", flat=True))
        todo = [p for p in persons if p.id not in have]
        pairs = snapshots_for_range(persons=todo, year=run.year, generated_on=timezone.localdate(),
                                    agency_by_region=agencies())
        statements = Statement.objects.bulk_create(_statement_rows(pairs, year=run.year, run_id=run.pk))
        now = timezone.now()
        by_person = {p.id: p for p in todo}
        deliveries = [delivery_for(s, by_person[s.person_id], channel=s.channel, actor=actor, now=now)
                      for s in statements]
        Delivery.objects.bulk_create(deliveries)
        counts = {c: 0 for c in StatementDelivery.values}
        for d in deliveries:
            counts[d.channel] += 1
        RunRange.objects.filter(pk=rng.pk).update(
            state=RangeState.DONE, persons=len(persons), generated=len(statements), by_email=counts["email"],
            by_post=counts["post"], online=counts["online"], done_at=now, attempts=rng.attempts + 1)
        rng.refresh_from_db()
        if counts["email"]:
            from statements.tasks import statement_emails_send

            transaction.on_commit(lambda: statement_emails_send.delay(range_id=rng.pk))
        return rng


def statement_generate_one(*, person_id: int, year: int, actor: Viewer) -> tuple[Statement, bool]:
    """The person's statement of `year`, generated now if there is none (a request, a counter print).
    Returns (statement, created). Races with the run or a second request end in the one row."""
    found = Statement.objects.filter(person_id=person_id, year=year).first()
    if found is not None:
        return found, False
    persons = persons_in_range(first_person_id=person_id, last_person_id=person_id, region_id=None)
    pairs = snapshots_for_range(persons=persons, year=year, generated_on=timezone.localdate(),
                                agency_by_region=agencies())
    try:
        with transaction.atomic():
            statement = Statement.objects.bulk_create(_statement_rows(pairs, year=year, run_id=None))[0]
    except IntegrityError:
        return Statement.objects.get(person_id=person_id, year=year), False
    return statement, True
