"""Generating statements: for a range of a run, or for one person on request.

A range is generated in one transaction that holds its row lock (FOR UPDATE SKIP LOCKED, so two
workers never do the same range): the statements, their deliveries and the range's "done" commit
together or not at all. A worker killed halfway leaves the range pending, and whoever takes it next
starts it over; persons who already have the year's statement (the unique key) are skipped.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from common.access import Viewer
from common.services import SYSTEM, Machine, Step, entry, transition
from insured.models import StatementDelivery
from statements.models import Delivery, DeliveryState, RangeState, RunRange, Statement
from statements.queue import EMAILS_SEND, queue_after_commit
from statements.snapshot import PersonRow, persons_in_range, postal_code_of, statements_generate_range

# A range is pending until one worker generated it (in the transaction that holds its row lock).
RANGE = Machine("range", {RangeState.PENDING: {"generate": Step(RangeState.DONE)}}, states=RangeState,
                actions={"generate": "generated"})


def _delivery_for(statement: Statement, person: PersonRow, *, channel: str, actor: Viewer,
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


def statement_range_generate(*, range_id: int, actor: Viewer) -> RunRange | None:
    """Generates the statements of one pending range; None when it is done or another worker has it."""
    with transaction.atomic():
        # Only the range's own row is locked: the run row it joins is shared by every worker.
        rng = (RunRange.objects.select_for_update(skip_locked=True, of=("self",)).select_related("run")
               .filter(pk=range_id, state=RangeState.PENDING).first())
        if rng is None:
            return None
        run = rng.run
        made = statements_generate_range(
            first_person_id=rng.first_person_id, last_person_id=rng.last_person_id, year=run.year,
            region_id=run.region_id, run_id=run.pk, generated_on=timezone.localdate(), actor_label=actor.label())
        persons = persons_in_range(first_person_id=rng.first_person_id, last_person_id=rng.last_person_id,
                                   region_id=run.region_id)
        rng.persons, rng.generated, rng.by_email, rng.by_post, rng.online = (
            persons, made.statements, made.email, made.post, made.online)
        rng.done_at, rng.attempts = timezone.now(), rng.attempts + 1
        transition(RANGE, rng, "generate", actor=actor,
                   fields=["persons", "generated", "by_email", "by_post", "online", "done_at", "attempts"])
        if made.email:
            queue_after_commit(EMAILS_SEND, range_id=rng.pk)
        return rng


statement_range_generate = entry(statement_range_generate, callers=SYSTEM)


def _statement_generate_one(*, person_id: int, year: int, actor: Viewer) -> tuple[Statement, bool]:
    """The person's statement of `year`, generated now if there is none (a request, a counter print),
    without a delivery (the caller decides). Returns (statement, created); a race with the run or a
    second request ends in the one row (the unique key; the insert does nothing the second time)."""
    found = Statement.objects.filter(person_id=person_id, year=year).first()
    if found is not None:
        return found, False
    made = statements_generate_range(first_person_id=person_id, last_person_id=person_id, year=year, region_id=None,
                                     run_id=None, generated_on=timezone.localdate(), actor_label=actor.label(),
                                     deliveries=False)
    return Statement.objects.filter(person_id=person_id, year=year).first(), made.statements == 1
