"""The collection feed allocates a chunk of employers at once (`charges_settle_many`: one read of their
open state, the late fees, allocations and accounts' credits each written in one statement); the rule
is the one `charges_settle` runs for one employer. On generated ledgers of several employers (several
new payments of one employer, partial payments, late fees, overpayment, reversed payments, an earlier
late fee still open) the chunk's allocation equals the employers' allocations one at a time, and the
trial of money not paid in yet (`allocation_trial`, the credit limit of a collector's record) gives
what paying it in gives."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.allocation import allocation_trial, charges_settle, charges_settle_many, payment_reverse
from contributions.models import Allocation, Charge, ChargeKind, Payment
from contributions.terms import OLDEST_FIRST, PRINCIPAL_FIRST
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
RATE = D("0.0005")
FIRST = date(2025, 1, 1)

amounts = st.decimals(min_value=D("0.01"), max_value=D("3000.00"), places=2)
# An employer: its months' charges; earlier payments (allocated before, some reversed since: day
# offset from the first due day, amount, reversed); the chunk's new payments (day offset, amount).
employer_ledgers = st.fixed_dictionaries({
    "charges": st.lists(amounts, min_size=1, max_size=5),
    "earlier": st.lists(st.tuples(st.integers(0, 200), amounts, st.booleans()), max_size=3),
    "new": st.lists(st.tuples(st.integers(0, 400), st.decimals(min_value=D("0.01"), max_value=D("9000.00"),
                                                               places=2)), min_size=1, max_size=3),
})


class Rollback(Exception):
    pass


def _ledgers(ledgers: list[dict], *, new: bool = True) -> list[int]:
    """The employers' charges, their earlier payments allocated (and some reversed), and (with `new`)
    the chunk's new payments written but not allocated yet."""
    ids = []
    for n, ledger in enumerate(ledgers):
        employer = EmployerFactory()
        ids.append(employer.pk)
        for m, amount in enumerate(ledger["charges"]):
            charge(employer, date(FIRST.year + m // 12, m % 12 + 1, 1), amount)
        for k, (offset, amount, reversed_) in enumerate(ledger["earlier"]):
            payment = Payment.objects.create(employer=employer, bank_reference=f"E{n}-{k}", amount=amount,
                                             paid_on=FIRST + timedelta(days=14 + offset), channel="admin",
                                             actor="tests")
            charges_settle(employer_id=employer.pk, actor="tests", rate=RATE, order=PRINCIPAL_FIRST)
            if reversed_:
                payment_reverse(payment=payment, on=payment.paid_on + timedelta(days=3), actor="tests")
    if new:
        _new_payments(ledgers, ids)
    return ids


def _new_payments(ledgers: list[dict], ids: list[int]) -> list[Payment]:
    return [Payment.objects.create(employer_id=pk, bank_reference=f"N{n}-{k}", amount=amount,
                                   paid_on=FIRST + timedelta(days=14 + offset), channel="collector", actor="tests")
            for n, (pk, ledger) in enumerate(zip(ids, ledgers, strict=True))
            for k, (offset, amount) in enumerate(ledger["new"])]


def _outcome(ids: list[int]) -> list[tuple]:
    """The employers' allocations, a late fee named by its principal, amount and day (not its id)."""
    fees = {c.pk: c for c in Charge.objects.filter(employer_id__in=ids, kind=ChargeKind.LATE_FEE)}

    def named(charge_id):
        fee = fees.get(charge_id)
        return ("fee", fee.parent_id, fee.amount, fee.due_on) if fee is not None else ("charge", charge_id)

    return sorted((a.employer_id, named(a.charge_id), a.payment_id or 0, a.credit_id or 0, a.amount, a.effective_on,
                   a.settles_charge) for a in Allocation.objects.filter(employer_id__in=ids))


def _settled_by(settle, ids: list[int]) -> list[tuple]:
    try:
        with transaction.atomic():
            settle()
            outcome = _outcome(ids)
            raise Rollback
    except Rollback:
        return outcome


@EXAMPLES
@given(ledgers=st.lists(employer_ledgers, min_size=2, max_size=3), order=st.sampled_from([PRINCIPAL_FIRST,
                                                                                            OLDEST_FIRST]))
def test_a_chunks_allocation_is_each_employers_allocation(ledgers, order):
    ids = _ledgers(ledgers)
    terms = {pk: (RATE, order) for pk in ids}

    def one_by_one():
        for pk in ids:
            charges_settle(employer_id=pk, actor="tests", rate=RATE, order=order)

    alone = _settled_by(one_by_one, ids)
    together = _settled_by(lambda: charges_settle_many(payer_ids=ids, actor="tests", terms=terms), ids)
    assert together == alone


@EXAMPLES
@given(ledgers=st.lists(employer_ledgers, min_size=1, max_size=3))
def test_the_trial_gives_what_paying_in_gives(ledgers):
    """The trial of the new payments (as if not written yet) allocates of each what the real run does."""
    ids = _ledgers(ledgers, new=False)
    terms = {pk: (RATE, PRINCIPAL_FIRST) for pk in ids}
    money: dict[int, list] = {}
    for n, (pk, ledger) in enumerate(zip(ids, ledgers, strict=True)):
        money[pk] = [((n, k), FIRST + timedelta(days=14 + offset), amount)
                     for k, (offset, amount) in enumerate(ledger["new"])]
    tried = allocation_trial(money=money, actor="tests", terms=terms)
    new = _new_payments(ledgers, ids)
    written = charges_settle_many(payer_ids=ids, actor="tests", terms=terms)
    real = {}
    for payment in new:
        n, k = (int(x) for x in payment.bank_reference[1:].split("-"))
        real[(n, k)] = sum((a.amount for a in written if a.payment_id == payment.pk), D("0.00"))
    assert tried == real
