"""Applying a collector's credit (issue 22, items 3 and 6), inside the feed's entry point and
transaction: a matched record becomes the employer's contributions Payment, dated the collector's
value date and allocated as every payment is (oldest charge first, the late fee to the value date,
individual accounts credited when a charge is settled); an unmatched one waits in suspense.

Overpayment: what the record leaves unallocated stays the employer's credit up to the region's
`credit_limit` (collection.terms); the excess is not paid in but waits in suspense for a clerk. The
excess of a chunk's records is found by allocating them on trial, in memory
(`contributions.allocation.allocation_trial`: only a record larger than the limit can leave more
than the limit), then paying in what is kept. A clerk's assignment from suspense
(`record_apply_to`) still tries in a savepoint and rolls it back. Money given back to a person whose
flexible months were reversed (issue 28) is held to the same limit (`given_back_limit`): its record is
applied again by `record_apply_to`."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.credits import credits_reverse
from agency.deadlines import today_in_shanghai
from collection import events
from collection.matching import records_match
from collection.models import Application, CollectorRecord, PaymentOrder, SuspenseItem, SuspenseReason
from collection.suspense import suspense_enter
from collection.terms import terms_for
from common.access import Viewer
from common.hot_paths import array_text
from contributions import events as contribution_events
from contributions.allocation import allocation_trial, charges_settle_many, payment_reverse
from contributions.models import Allocation
from contributions.models.payments import PaymentChannel
from contributions.payments import payment_record, payments_insert_many
from contributions.terms import terms_for as contribution_terms
from employers.models import Employer

ZERO = Decimal("0.00")


def bank_reference(record: CollectorRecord, *, suffix: str = "") -> str:
    """The Payment's bank reference: the collection account and the collector's transaction id (a
    digest of the id where both would not fit 64 characters). `suffix` tells apart a second payment
    of the same record (a clerk assigning its overpayment from suspense)."""
    text = f"{record.account.account_number}/{record.transaction_id}{suffix}"
    if len(text) <= 64:
        return text
    digest = hashlib.sha256(record.transaction_id.encode()).hexdigest()
    return f"{record.account.account_number}/{digest[:63 - len(record.account.account_number) - len(suffix)]}{suffix}"


def credits_apply(records: list[CollectorRecord], *, actor: Viewer) -> tuple[int, int]:
    """Match new credit records and apply them, set-based per chunk: the matching in two queries, the
    matched employers locked in one, their payments inserted in one, then ONE allocation of the whole
    chunk (`contributions.allocation.charges_settle_many`: the open charges read in one statement,
    each employer's run in memory, the late fees, the allocations and the accounts' credits written in
    one statement each); the payments, their events, the applications and the records' events written
    set-based (one INSERT .. SELECT FROM unnest each), the few suspense items in bulk. An employer's record
    larger than the region's credit limit is first allocated on trial (`allocation_trial`, in memory):
    what it would leave above the limit unallocated goes to suspense, the rest is paid in. Returns
    (records applied, records all of whose money waits in suspense)."""
    if not records:
        return 0, 0
    matches = records_match([(r.pk, r.reference_text, r.account.region_id) for r in records])
    waiting: list[SuspenseItem] = []
    by_employer: dict[int, list[CollectorRecord]] = {}
    by_person: list[CollectorRecord] = []
    for record in records:
        match = matches[record.pk]
        if match.person_id is not None:  # issue 28: a flexible worker's own order
            by_person.append(record)
        elif match.found:
            by_employer.setdefault(match.employer_id, []).append(record)
        else:
            waiting.append(_waiting(record, record.amount, match.suspense_reason))
    kept_of: dict[int, Decimal] = {}
    regions = dict(Employer.objects.select_for_update(no_key=True).filter(pk__in=by_employer).order_by("pk")
                   .values_list("pk", "region_id"))
    limits: dict[int, Decimal] = {}
    region_terms: dict[int, tuple[Decimal, str]] = {}
    terms: dict[int, tuple[Decimal, str]] = {}
    at_risk: dict[int, list[tuple[int, object, Decimal]]] = {}
    for employer_id, ours in by_employer.items():
        region_id = regions[employer_id]
        if region_id not in region_terms:
            found = contribution_terms(region_id)
            region_terms[region_id] = (found.late_fee_daily_rate, found.allocation_order)
        terms[employer_id] = region_terms[region_id]
        for record in ours:
            if record.account.region_id not in limits:
                limits[record.account.region_id] = terms_for(record.account.region_id).credit_limit
            kept_of[record.pk] = record.amount
        if any(record.amount > limits[record.account.region_id] for record in ours):
            at_risk[employer_id] = [(record.pk, record.value_date, record.amount) for record in ours]
    if at_risk:  # what the allocation would leave of each record, its payments all paid in
        tried = allocation_trial(money=at_risk, actor=actor.label(), terms=terms)
        for employer_id in at_risk:
            for record in by_employer[employer_id]:
                left = record.amount - tried[record.pk]
                if left > limits[record.account.region_id]:
                    kept_of[record.pk] -= left - limits[record.account.region_id]
    paying = [(employer_id, record) for employer_id in sorted(by_employer) for record in by_employer[employer_id]
              if kept_of[record.pk] > 0]
    payment_ids = payments_insert_many(payments=[(employer_id, bank_reference(record), kept_of[record.pk],
                                                  record.value_date) for employer_id, record in paying], actor=actor)
    payment_of = {record.pk: pk for (_employer_id, record), pk in zip(paying, payment_ids, strict=True)}
    written = charges_settle_many(payer_ids=sorted(by_employer), actor=actor.label(), terms=terms)
    allocated: dict[int, Decimal] = {}
    for allocation in written:
        if allocation.payment_id is not None:
            allocated[allocation.payment_id] = allocated.get(allocation.payment_id, ZERO) + allocation.amount
    # Its event says what this run allocated of each payment.
    contribution_events.payments_recorded([(pk, allocated.get(pk, ZERO)) for pk in payment_ids], actor=actor)
    applications = [(record.pk, employer_id, payment_of[record.pk], matches[record.pk].order_id,
                     matches[record.pk].matched_by, kept_of[record.pk]) for employer_id, record in paying]
    _applications_insert(applications)
    for employer_id in sorted(by_employer):
        for record in by_employer[employer_id]:
            if record.amount - kept_of[record.pk] > 0:
                waiting.append(_waiting(record, record.amount - kept_of[record.pk], SuspenseReason.OVERPAYMENT))
    SuspenseItem.objects.bulk_create(waiting)
    events.suspense_entered_many(waiting, actor=actor)
    events.records_applied([(record.pk, kept_of[record.pk], employer_id, matches[record.pk].matched_by,
                             payment_of[record.pk]) if record.pk in payment_of
                            else (record.pk, kept_of[record.pk], None, None, None)
                            for employer_id, records_ in by_employer.items() for record in records_], actor=actor)
    persons_applied = 0
    for record in sorted(by_person, key=lambda r: (matches[r.pk].person_id, r.value_date, r.pk)):
        match = matches[record.pk]
        application = record_apply_to(record, person_id=match.person_id, amount=record.amount,
                                      matched_by=match.matched_by, actor=actor, order_id=match.order_id)
        persons_applied += application is not None
    fully_waiting = sum(1 for item in waiting if item.reason != SuspenseReason.OVERPAYMENT)
    return (len(applications) + persons_applied,
            fully_waiting + sum(1 for pk, kept in kept_of.items() if kept <= 0))


def _waiting(record: CollectorRecord, amount: Decimal, reason: str) -> SuspenseItem:
    return SuspenseItem(record=record, account_id=record.account_id, amount=amount, reason=reason,
                        entered_on=today_in_shanghai())


def record_apply_to(record: CollectorRecord, *, employer_id: int | None = None, amount: Decimal, matched_by: str,
                    actor: Viewer, order: PaymentOrder | None = None, reference_suffix: str = "",
                    person_id: int | None = None, order_id: int | None = None,
                    replaces: Application | None = None) -> Application | None:
    """Pay `amount` of `record` in for the employer (also a clerk's assignment from suspense, with
    matched_by CLERK and a `reference_suffix`), or (issue 28) for `person_id`, a flexible worker whose
    order it quoted; the overpayment above the credit limit to suspense. `replaces`: the application
    this one applies again (`given_back_limit`)."""
    payer = {"employer_id": employer_id} if person_id is None else {"person_id": person_id}
    reference = bank_reference(record, suffix=reference_suffix)
    limit = terms_for(record.account.region_id).credit_limit
    kept = amount
    if amount > limit:
        savepoint = transaction.savepoint()
        trial, _created = payment_record(**payer, bank_reference=reference, amount=amount,
                                         paid_on=record.value_date, actor=actor, channel=PaymentChannel.COLLECTOR)
        left = amount - _allocated(trial.pk)
        transaction.savepoint_rollback(savepoint)
        if left > limit:
            kept = amount - (left - limit)
    application = None
    if kept > 0:
        payment, _created = payment_record(**payer, bank_reference=reference, amount=kept,
                                           paid_on=record.value_date, actor=actor, channel=PaymentChannel.COLLECTOR)
        application = Application.objects.create(record=record, **payer, payment=payment,
                                                 order_id=order.pk if order is not None else order_id,
                                                 matched_by=matched_by, amount=kept, replaces=replaces)
    if amount - kept > 0:
        suspense_enter(record, amount=amount - kept, reason=SuspenseReason.OVERPAYMENT, actor=actor,
                       replaces=replaces)
    events.record_applied(record, actor=actor, application=application, kept=kept, to_suspense=amount - kept)
    return application


def _allocated(payment_id: int) -> Decimal:
    return sum(Allocation.objects.filter(payment_id=payment_id).values_list("amount", flat=True), ZERO)


def given_back_limit(*, payment_ids: list[int], actor: Viewer) -> Decimal:
    """Money given back to a person (issue 28: their flexible months reversed, an employer's after all) is held
    to the credit limit of the money it came from, as when the feed paid it in: each of `payment_ids` that was
    a collector's record and now leaves more than the region's `credit_limit` unallocated is reversed (its
    allocations released, the account credits of the months it paid reversed, dated the value date) and its
    record applied again by `record_apply_to`, which keeps what the open charges take plus the limit and puts
    the rest in suspense for a clerk (SuspenseReason.OVERPAYMENT: the clerk returns it to the payer). The new
    application replaces the old one (`Application.replaces`), so the day's reconciliation counts the money
    once, and a later reversal by the collector takes back both the new payment and the suspense item. The
    caller holds the payer's lock and has allocated the payer's money again. Returns the sum put in suspense."""
    to_suspense = ZERO
    applications = (Application.objects.select_related("record__account", "payment")
                    .filter(payment_id__in=payment_ids, payment__reversal__isnull=True).order_by("id"))
    for application in applications:
        record, payment = application.record, application.payment
        if payment.amount - _allocated(payment.pk) <= terms_for(record.account.region_id).credit_limit:
            continue
        label = actor.label()
        reversed_ = payment_reverse(payment=payment, on=record.value_date, actor=label,
                                    reason="credit above the limit once the months it paid were reversed")
        credits_reverse(charge_ids=reversed_.reopened, on=record.value_date, actor=label[:100],
                        note=record.transaction_id)
        again = record_apply_to(record, employer_id=application.employer_id, person_id=application.person_id,
                                amount=application.amount, matched_by=application.matched_by, actor=actor,
                                order_id=application.order_id, reference_suffix=f"/R{application.pk}",
                                replaces=application)
        to_suspense += application.amount - (again.amount if again is not None else ZERO)
    return to_suspense
_INSERT_APPLICATIONS = """
INSERT INTO collection_application (record_id, employer_id, person_id, payment_id, order_id, matched_by, amount,
                                    applied_at)
SELECT a.record_id, a.employer_id, NULL, a.payment_id, a.order_id, a.matched_by, a.amount, %(now)s
  FROM unnest(%(record)s::bigint[], %(employer)s::bigint[], %(payment)s::bigint[], %(order)s::bigint[],
              %(matched_by)s::text[], %(amount)s::numeric[]) WITH ORDINALITY
       AS a(record_id, employer_id, payment_id, order_id, matched_by, amount, n)
 ORDER BY a.n
"""


def _applications_insert(rows: list[tuple]) -> None:
    """The chunk's applications to employers, (record id, employer id, payment id, order id, matched by,
    amount) each, in one statement."""
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_APPLICATIONS, {
                **{name: array_text(row[i] for row in rows)
                   for i, name in enumerate(("record", "employer", "payment", "order", "matched_by", "amount"))},
                "now": timezone.now()})
