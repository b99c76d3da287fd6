"""Races on real PostgreSQL: payments at once for one employer never over-allocate, and the same
bank reference twice at once is recorded once."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import transaction

from contributions import payments
from contributions.models import Allocation, Charge, Payment
from tests.builders import portal
from tests.concurrency import run_together
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory


def payment_record(**fields):
    """The feed's internal step runs inside the feed's transaction (issue 22): here, one of its own."""
    with transaction.atomic():
        return payments.payment_record(**fields)

pytestmark = pytest.mark.django_db(transaction=True)


def test_payments_at_once_share_the_charges_without_exceeding_them():
    employer = EmployerFactory()
    for month in (1, 2, 3):
        charge(employer, date(2026, month, 1), "100.00")

    def pay(n):
        return lambda: payment_record(employer_id=employer.pk, bank_reference=f"RACE-{n}", amount=D("90.00"),
                                      paid_on=date(2026, 1, 10), actor=portal(employer))

    results = run_together(*[pay(n) for n in range(4)])
    assert all(isinstance(r, tuple) for r in results), results
    for c in Charge.objects.filter(employer=employer):
        assert sum(a.amount for a in Allocation.objects.filter(charge=c)) <= c.amount
    assert sum(a.amount for a in Allocation.objects.all()) == D("300.00")  # 360 paid, 60 left as credit


def test_the_same_bank_reference_twice_at_once_is_recorded_once():
    employer = EmployerFactory()
    charge(employer, date(2026, 1, 1), "100.00")

    def pay():
        return payment_record(employer_id=employer.pk, bank_reference="SAME", amount=D("100.00"),
                              paid_on=date(2026, 1, 10), actor=portal(employer))

    first, second = run_together(pay, pay)
    assert first[0].pk == second[0].pk and {first[1], second[1]} == {True, False}
    assert Payment.objects.count() == 1 and Allocation.objects.count() == 1
