"""Each contribution rule that runs both in SQL (contributions/sql.py) and in Python gives the same
answer on generated inputs and ledgers: the fragment is evaluated by PostgreSQL, its twin in Python."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions import sql
from contributions.fees import Part, late_fee, late_fee_of
from contributions.models import Allocation, Charge, Payment
from contributions.selectors.lines import _settled
from contributions.terms import Terms
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db
DB_EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def one(statement: str, params: dict):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


months = st.builds(date, st.integers(1990, 2099), st.integers(1, 12), st.just(1))


@DB_EXAMPLES
@given(period=months, day=st.integers(1, 31))
def test_the_day_of_a_month_is_the_same_in_sql_and_in_the_terms(period, day):
    """The declaration day and the due day: the day of the period's month, capped at its last day."""
    in_sql = one(f"SELECT {sql.day_in_month('%(period)s::date', '%(day)s::int')}", {"period": period, "day": day})
    assert in_sql == Terms().day_in(period, day)


money = st.decimals(min_value=D("-99999.99"), max_value=D("999999.99"), places=2)
rates = st.decimals(min_value=D("0.0001"), max_value=D("0.0030"), places=4)
offsets = st.integers(-60, 4000)

_FEE_SQL = "SELECT " + sql.late_fee(
    amount_days=("(SELECT coalesce(sum(" + sql.late_amount_days("p.amount", "p.paid_on", "%(fee_from)s::date")
                 + "), 0) FROM unnest(%(amounts)s::numeric[], %(days)s::date[]) AS p (amount, paid_on))"),
    unpaid="%(unpaid)s::numeric", fee_from="%(fee_from)s::date", on="%(on)s::date", rate="%(rate)s::numeric")


@DB_EXAMPLES
@given(parts=st.lists(st.tuples(money, offsets), max_size=6), unpaid=money, on=offsets, rate=rates,
       fee_from=st.one_of(st.none(), st.just(date(2021, 3, 15))))
def test_the_late_fee_is_the_same_in_sql_and_in_fees(parts, unpaid, on, rate, fee_from):
    """Parts paid on their days (a negative one: a release), what is unpaid counted to `on`, one rounding."""
    base = date(2021, 3, 15)
    paid = [Part(amount, base + timedelta(days=offset)) for amount, offset in parts]
    day = base + timedelta(days=on)
    in_sql = one(_FEE_SQL, {"amounts": [p.amount for p in paid], "days": [p.paid_on for p in paid],
                            "unpaid": unpaid, "fee_from": fee_from, "on": day, "rate": rate})
    in_python = late_fee(parts=paid, unpaid=unpaid, fee_from=fee_from, on=day, rate=rate)
    assert in_sql == in_python
    amount_days = sum((p.amount * max((p.paid_on - fee_from).days, 0) for p in paid), D(0)) if fee_from else D(0)
    assert late_fee_of(amount_days=amount_days, unpaid=unpaid, fee_from=fee_from, on=day, rate=rate) == in_python


# How a charge's money went: nothing, a part, settled, settled and given back, given back and settled again.
# "part_released": a part, then a payment that settled the rest, then the part's payment reversed
# (issue 23: the settling allocation is still live, yet the charge is no longer paid in full).
HISTORIES = ("none", "part", "settled", "released", "settled_again", "part_released")


def _allocate(employer, target: Charge, payment: Payment, history: str) -> None:
    def write(amount, settles, releases=None):
        return Allocation.objects.create(employer=employer, charge=target, payment=payment, amount=amount,
                                         effective_on=payment.paid_on, settles_charge=settles, releases=releases,
                                         actor="tests")

    if history == "part":
        write(D("0.01"), False)
    elif history == "part_released":
        part = write(D("0.01"), False)
        write(target.amount - D("0.01"), True)
        write(D("-0.01"), False, releases=part)
    elif history != "none":
        first = write(target.amount, True)
        if history in ("released", "settled_again"):
            write(-target.amount, False, releases=first)
        if history == "settled_again":
            write(target.amount, True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=st.lists(st.tuples(st.decimals(min_value=D("0.02"), max_value=D("9999.99"), places=2),
                                 st.sampled_from(HISTORIES)), min_size=1, max_size=6))
def test_a_settled_charge_is_the_same_in_sql_and_in_the_orm(ledger):
    """A month is paid when its charges are settled: the statements read it with the SQL fragment, a
    person's months (contributions.selectors.lines) with the ORM expression."""
    employer = EmployerFactory()
    payment = Payment.objects.create(employer=employer, bank_reference="R", amount=sum(a for a, _h in ledger) * 2,
                                     paid_on=date(2026, 2, 1), channel="admin", actor="tests")
    charges = []
    for n, (amount, history) in enumerate(ledger):
        target = charge(employer, date(2025, 1 + n, 1), amount)
        _allocate(employer, target, payment, history)
        charges.append((target.pk, history))
    ids = [pk for pk, _h in charges]
    in_orm = dict(Charge.objects.filter(pk__in=ids).annotate(settled=_settled("pk")).values_list("pk", "settled"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.id, {sql.charge_settled('c.id')} FROM contributions_charge c WHERE c.id = ANY(%s)",
                       [ids])
        in_sql = dict(cursor.fetchall())
    assert in_sql == in_orm
    assert in_sql == {pk: history in ("settled", "settled_again") for pk, history in charges}


def test_the_provisional_charge_is_110_percent_rounded_half_up():
    assert one(f"SELECT {sql.provisional_amount('%(total)s::numeric')}", {"total": D("1000.05")}) == D("1100.06")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(charges=st.lists(st.tuples(st.integers(1, 12), st.decimals(min_value=D("0.01"), max_value=D("99999.99"),
                                                                   places=2)), min_size=1, max_size=6),
       payments=st.lists(st.tuples(st.integers(0, 400), st.decimals(min_value=D("0.01"), max_value=D("99999.99"),
                                                                      places=2)), max_size=6),
       on=st.integers(0, 600))
def test_an_employers_arrears_are_the_same_in_the_clerks_list_and_in_its_own_read(charges, payments, on):
    """On a generated ledger (charges, payments paid late or early, their late fees posted when settled):
    the clerks' list computes the late fee in SQL (contributions.sql.late_fee), the employer's own read
    in Python (fees.late_fee_of); both give the same principal and late fee on any day."""
    from contributions.payments import payment_record
    from contributions.selectors.arrears import employer_arrears, employers_in_arrears
    from tests.builders import portal

    employer = EmployerFactory()
    for month, amount in charges:
        charge(employer, date(2025, month, 1), amount)
    for n, (offset, amount) in enumerate(payments):
        payment_record(employer_id=employer.pk, bank_reference=f"P-{n}", amount=amount,
                       paid_on=date(2025, 1, 1) + timedelta(days=offset), actor=portal(employer))
    day = date(2025, 1, 1) + timedelta(days=on)
    own = employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=day)
    listed = {row["employer_id"]: row for row in employers_in_arrears(region_id=employer.region_id, on=day)}
    overdue = sum((p.principal for p in own.periods if p.due_on < day), D(0))
    if overdue > 0 or own.late_fee > 0:
        assert (listed[employer.pk]["principal"], listed[employer.pk]["late_fee"]) == (own.principal, own.late_fee)
    else:
        assert employer.pk not in listed
