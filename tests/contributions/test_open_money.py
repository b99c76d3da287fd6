"""What the database keeps open (contributions/migrations/0014): the allocation reads a payer's open charges
and payments from `OpenCharge` and `OpenPayment`, which the triggers keep current in the statement that
changes them. A charge a chunk settles is no longer read as open; the collector's reversal reopens it
and it is read, and paid, again; a credit is open until used up; and on generated ledgers (partial
payments, late fees, overpayments, reversals) the two tables hold exactly what the allocations say is open."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from contributions.allocation import _load_many, charges_settle, charges_settle_many, payment_reverse
from contributions.models import Allocation, Charge, ChargeKind, OpenCharge, OpenPayment, Payment
from contributions.terms import PRINCIPAL_FIRST
from tests.contributions.charges import charge
from tests.contributions.test_allocation_batch import EXAMPLES, RATE, _ledgers, employer_ledgers
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def _open_charges(employer) -> set[int]:
    return set(OpenCharge.objects.filter(employer=employer).values_list("charge_id", flat=True))


def _read_as_open(employer) -> list[int]:
    """The charges the allocation reads as open for the employer (principal and late fees)."""
    ledger = _load_many("employer_id", [employer.pk])[employer.pk]
    return sorted(t.charge_id for t in ledger.principal + ledger.fees)


def _pay(employer, ref: str, amount: str, paid_on: date) -> Payment:
    return Payment.objects.create(employer=employer, bank_reference=ref, amount=D(amount), paid_on=paid_on,
                                  channel="collector", actor="tests")


def test_a_charge_the_chunk_settles_is_no_longer_read_as_open_and_a_reversal_reopens_it():
    employer = EmployerFactory()
    january = charge(employer, date(2026, 1, 1), "100.00")
    february = charge(employer, date(2026, 2, 1), "100.00")
    assert _open_charges(employer) == {january.pk, february.pk}

    payment = _pay(employer, "P1", "100.00", date(2026, 1, 15))  # on time: no late fee
    assert set(OpenPayment.objects.values_list("payment_id", flat=True)) == {payment.pk}
    written = charges_settle_many(payer_ids=[employer.pk], actor="tests", terms={employer.pk: (RATE, PRINCIPAL_FIRST)})
    assert [(a.charge_id, a.amount, a.settles_charge) for a in written] == [(january.pk, D("100.00"), True)]
    assert _open_charges(employer) == {february.pk}
    assert _read_as_open(employer) == [february.pk]
    assert not OpenPayment.objects.exists()  # all of it given

    payment_reverse(payment=payment, on=date(2026, 3, 1), actor="tests")
    assert _open_charges(employer) == {january.pk, february.pk}
    assert _read_as_open(employer) == [january.pk, february.pk]
    assert not OpenPayment.objects.exists()  # a reversed payment's money is never allocated again

    # Read as open again, it is paid again: by new money, oldest first, its late fee from the due day.
    again = _pay(employer, "P2", "100.00", date(2026, 3, 1))
    written = charges_settle(employer_id=employer.pk, actor="tests", rate=RATE, order=PRINCIPAL_FIRST)
    assert [(a.charge_id, a.payment_id, a.amount) for a in written] == [(january.pk, again.pk, D("100.00"))]
    fee = Charge.objects.get(employer=employer, kind=ChargeKind.LATE_FEE)
    assert fee.parent_id == january.pk and fee.amount == D("2.25")  # 45 days (Jan 15 to Mar 1) of 100.00 at 0.05%
    assert _open_charges(employer) == {february.pk, fee.pk}


def test_money_left_and_a_credit_stay_open_until_used():
    employer = EmployerFactory()
    january = charge(employer, date(2026, 1, 1), "100.00")
    payment = _pay(employer, "P1", "150.00", date(2026, 1, 10))
    charges_settle(employer_id=employer.pk, actor="tests", rate=RATE, order=PRINCIPAL_FIRST)
    assert _open_charges(employer) == set()
    assert list(OpenPayment.objects.values_list("payment_id", flat=True)) == [payment.pk]  # 50.00 left

    lowered = charge(employer, date(2026, 1, 1), "-30.00")  # a correction that lowered January: a credit
    assert _open_charges(employer) == {lowered.pk}
    february = charge(employer, date(2026, 2, 1), "100.00")
    charges_settle(employer_id=employer.pk, actor="tests", rate=RATE, order=PRINCIPAL_FIRST)
    # The payment's 50.00 left and the credit's 30.00 pay 80.00 of February.
    assert Allocation.objects.filter(charge=february).count() == 2
    assert _open_charges(employer) == {february.pk}  # 80.00 of 100.00 given
    assert not OpenPayment.objects.exists() and january.pk not in _open_charges(employer)


def _truly_open(ids: list[int]) -> tuple[set[int], set[int]]:
    """What the allocations say is open, summed over every row (the rule the tables stand for)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.id FROM contributions_charge c
             WHERE c.employer_id = ANY(%(ids)s)
               AND (c.amount > 0 AND c.amount > (SELECT coalesce(sum(a.amount), 0) FROM contributions_allocation a
                                                  WHERE a.charge_id = c.id)
                    OR c.amount < 0 AND -c.amount > (SELECT coalesce(sum(a.amount), 0)
                                                       FROM contributions_allocation a WHERE a.credit_id = c.id))""",
                       {"ids": ids})
        charges = {row[0] for row in cursor.fetchall()}
        cursor.execute("""
            SELECT p.id FROM contributions_payment p
             WHERE p.employer_id = ANY(%(ids)s)
               AND p.amount > (SELECT coalesce(sum(a.amount), 0) FROM contributions_allocation a
                                WHERE a.payment_id = p.id)
               AND NOT EXISTS (SELECT 1 FROM contributions_paymentreversal r WHERE r.payment_id = p.id)""",
                       {"ids": ids})
        return charges, {row[0] for row in cursor.fetchall()}


@EXAMPLES
@given(ledgers=st.lists(employer_ledgers, min_size=1, max_size=3), reverse=st.booleans())
def test_the_open_tables_hold_what_the_allocations_say_is_open(ledgers, reverse):
    ids = _ledgers(ledgers)  # earlier payments allocated (some reversed), new ones written, not allocated
    assert _kept(ids) == _truly_open(ids)
    charges_settle_many(payer_ids=ids, actor="tests", terms={pk: (RATE, PRINCIPAL_FIRST) for pk in ids})
    assert _kept(ids) == _truly_open(ids)
    if reverse:  # the collector takes the chunk's money back: what it settled is open again
        for payment in Payment.objects.filter(employer_id__in=ids, bank_reference__startswith="N",
                                              reversal__isnull=True):
            payment_reverse(payment=payment, on=payment.paid_on + timedelta(days=1), actor="tests")
        assert _kept(ids) == _truly_open(ids)
        charges_settle_many(payer_ids=ids, actor="tests", terms={pk: (RATE, PRINCIPAL_FIRST) for pk in ids})
        assert _kept(ids) == _truly_open(ids)


def _kept(ids: list[int]) -> tuple[set[int], set[int]]:
    return (set(OpenCharge.objects.filter(employer_id__in=ids).values_list("charge_id", flat=True)),
            set(OpenPayment.objects.filter(employer_id__in=ids).values_list("payment_id", flat=True)))
