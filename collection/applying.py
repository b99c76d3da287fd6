"""Applying a collector's credit (issue 22, items 3 and 6), inside the feed's entry point and
transaction: a matched record becomes the employer's contributions Payment, dated the collector's
value date and allocated as every payment is (oldest charge first, the late fee to the value date,
individual accounts credited when a charge is settled); an unmatched one waits in suspense.

Overpayment: what the record leaves unallocated stays the employer's credit up to the region's
`credit_limit` (collection.terms); the excess is not paid in but waits in suspense for a clerk. The
excess is found by allocating the whole record in a savepoint and rolling it back (only a record
larger than the limit can leave more than the limit), then paying in what is kept."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db import transaction

from collection import events
from collection.matching import Match, record_match
from collection.models import Application, CollectorRecord, PaymentOrder, SuspenseReason
from collection.suspense import suspense_enter
from collection.terms import terms_for
from common.access import Viewer
from contributions.models import Allocation
from contributions.models.payments import PaymentChannel
from contributions.payments import payment_record

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


def credit_apply(record: CollectorRecord, *, actor: Viewer) -> Application | None:
    """Match a new credit record and apply it; None when all of it waits in suspense."""
    match: Match = record_match(record, region_id=record.account.region_id)
    if not match.found:
        suspense_enter(record, amount=record.amount, reason=match.suspense_reason, actor=actor)
        return None
    return record_apply_to(record, employer_id=match.employer_id, amount=record.amount, matched_by=match.matched_by,
                           order=match.order, actor=actor)


def record_apply_to(record: CollectorRecord, *, employer_id: int, amount: Decimal, matched_by: str, actor: Viewer,
                    order: PaymentOrder | None = None, reference_suffix: str = "") -> Application | None:
    """Pay `amount` of `record` in for the employer (also a clerk's assignment from suspense, with
    matched_by CLERK and a `reference_suffix`); the overpayment above the credit limit to suspense."""
    reference = bank_reference(record, suffix=reference_suffix)
    limit = terms_for(record.account.region_id).credit_limit
    kept = amount
    if amount > limit:
        savepoint = transaction.savepoint()
        trial, _created = payment_record(employer_id=employer_id, bank_reference=reference, amount=amount,
                                         paid_on=record.value_date, actor=actor, channel=PaymentChannel.COLLECTOR)
        left = amount - _allocated(trial.pk)
        transaction.savepoint_rollback(savepoint)
        if left > limit:
            kept = amount - (left - limit)
    application = None
    if kept > 0:
        payment, _created = payment_record(employer_id=employer_id, bank_reference=reference, amount=kept,
                                           paid_on=record.value_date, actor=actor, channel=PaymentChannel.COLLECTOR)
        application = Application.objects.create(record=record, employer_id=employer_id, payment=payment,
                                                 order=order, matched_by=matched_by, amount=kept)
    if amount - kept > 0:
        suspense_enter(record, amount=amount - kept, reason=SuspenseReason.OVERPAYMENT, actor=actor)
    events.record_applied(record, actor=actor, application=application, kept=kept, to_suspense=amount - kept)
    return application


def _allocated(payment_id: int) -> Decimal:
    return sum(Allocation.objects.filter(payment_id=payment_id).values_list("amount", flat=True), ZERO)
