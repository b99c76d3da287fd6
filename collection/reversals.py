"""Reversals (issue 22, item 5): the collector takes back money it reported. `reversal_apply` runs
inside the feed service's entry point and transaction when a reversal record arrives. Nothing is
overwritten; every step is a new row:

- each application of the reversed record (matched, or assigned from suspense) has its payment
  reversed (contributions.allocation.payment_reverse): the payment's allocations are released, so
  the charges it settled are open again and their late fee runs from the original due day; the
  payment is never allocated again;
- the account credits of the reopened charges are reversed with correcting entries dated the
  reversal's value date (accounts.credits.credits_reverse);
- the employer's other money and credit are allocated again (it may settle what was reopened);
- money of the record still in suspense is taken out of it (the item moves to `reversed`);
- a paid payment order the reversed money paid, with a charge open again, is open again at once, in
  this transaction (`order_reopened`), not at the daily task's look.

A reversal that cannot be applied as a whole (another amount than the record's, or money already
returned to the payer) changes nothing of the record: it waits in suspense for a clerk
(`SuspenseReason.REVERSAL_UNAPPLIED`).
"""

from __future__ import annotations

from accounts.credits import credits_reverse
from collection import events
from collection.models import CollectorRecord, SuspenseItem, SuspenseReason, SuspenseState
from collection.services.orders import _orders_reopen
from collection.suspense import OPEN_STATES, SUSPENSE, suspense_enter
from common.access import Viewer
from common.services import transition
from contributions.allocation import charges_settle, employer_lock, payment_reverse, person_lock
from contributions.models import PaymentReversal


def reversal_apply(record: CollectorRecord, *, actor: Viewer) -> None:
    """Apply the reversal `record` (kind reversal, `record.reverses` the record it takes back)."""
    original = record.reverses
    items = list(SuspenseItem.objects.select_for_update().filter(record=original).order_by("id"))
    if record.amount != original.amount or any(i.state == SuspenseState.RETURNED for i in items):
        suspense_enter(record, amount=record.amount, reason=SuspenseReason.REVERSAL_UNAPPLIED, actor=actor)
        return
    label = actor.label()
    employers, persons = set(), set()
    for application in original.applications.select_related("payment").order_by("id"):
        # the payer is an employer or (issue 28) a person who pays for themselves
        if application.employer_id is not None:
            employer_lock(application.employer_id)
        else:
            person_lock(application.person_id)
        if PaymentReversal.objects.filter(payment_id=application.payment_id).exists():
            continue
        reversed_ = payment_reverse(payment=application.payment, on=record.value_date, actor=label,
                                    reason=f"{record.account.account_number}/{record.transaction_id}")
        posted = credits_reverse(charge_ids=reversed_.reopened, on=record.value_date, actor=label,
                                 note=record.transaction_id)
        charges_settle(employer_id=application.employer_id, person_id=application.person_id, actor=label)
        if application.employer_id is not None:
            employers.add(application.employer_id)
        else:
            persons.add(application.person_id)
        events.record_reversed(original, actor=actor, reversal=record, employer_id=application.employer_id,
                               person_id=application.person_id, payment_id=application.payment_id,
                               released=str(reversed_.amount), reopened=reversed_.reopened, credits_reversed=posted)
    if employers or persons:
        _orders_reopen(actor=actor, employer_ids=sorted(employers), person_ids=sorted(persons))
    for item in items:
        if item.state in OPEN_STATES:
            transition(SUSPENSE, item, "reverse", actor=actor, reversal=record)
