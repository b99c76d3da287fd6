"""Arrears and late fees as they stand on a day: per period, both ends of the fee days, future
days, partial payments, and property-based tests of the money rules."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.fees import Part, late_days, late_fee
from contributions.models import Allocation, Charge, ChargeKind, Payment
from contributions.payments import payment_record
from contributions.selectors.arrears import employer_arrears, employers_in_arrears
from tests.contributions.charges import charge, portal_viewer
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def arrears(employer, on):
    return employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=on)


def pay(employer, amount, paid_on):
    return payment_record(employer_id=employer.pk, bank_reference=f"A-{Payment.objects.count() + 1}",
                          amount=D(amount), paid_on=paid_on, actor=portal_viewer(employer))[0]


def test_arrears_per_period_on_a_day_and_a_future_day():
    employer = EmployerFactory()
    charge(employer, date(2026, 1, 1), "1000.00")  # due 01-15
    charge(employer, date(2026, 2, 1), "2000.00")  # due 02-15
    on_due_day = arrears(employer, date(2026, 1, 15))
    assert [(p.period, p.principal, p.days, p.late_fee) for p in on_due_day.periods][0] == \
        (date(2026, 1, 1), D("1000.00"), 0, D("0.00"))
    day_after = arrears(employer, date(2026, 1, 16))
    assert day_after.periods[0].days == 1 and day_after.periods[0].late_fee == D("0.50")
    later = arrears(employer, date(2026, 3, 1))  # jan: 45 days, feb: 14 days
    assert [(p.days, p.late_fee) for p in later.periods] == [(45, D("22.50")), (14, D("14.00"))]
    assert later.principal == D("3000.00") and later.late_fee == D("36.50") and later.total == D("3036.50")


def test_after_payment_the_fee_stops_and_the_read_equals_the_posted_fee():
    employer = EmployerFactory()
    c = charge(employer, date(2026, 1, 1), "1000.00")
    pay(employer, "1000.00", date(2026, 1, 25))  # 10 days: 5.00 posted, unpaid
    posted = Charge.objects.get(parent=c, kind=ChargeKind.LATE_FEE)
    for day in (date(2026, 1, 25), date(2026, 6, 1)):
        state = arrears(employer, day)
        assert state.principal == D("0.00") and state.late_fee == posted.amount == D("5.00")
    before = arrears(employer, date(2026, 1, 20))  # before the payment: 5 days accrued on the whole
    assert before.principal == D("1000.00") and before.late_fee == D("2.50")
    pay(employer, "5.00", date(2026, 1, 26))
    assert arrears(employer, date(2026, 2, 1)).periods == []


def test_clerks_list_sorts_employers_in_arrears_by_amount_and_is_scoped_by_region():
    small, large, paid_up = EmployerFactory(), EmployerFactory(), EmployerFactory()
    region = small.region
    large.region = region
    large.save()
    paid_up.region = region
    paid_up.save()
    charge(small, date(2026, 1, 1), "100.00")
    charge(large, date(2026, 1, 1), "5000.00")
    charge(paid_up, date(2026, 1, 1), "100.00")
    pay(paid_up, "100.00", date(2026, 1, 10))
    elsewhere = EmployerFactory()
    charge(elsewhere, date(2026, 1, 1), "9999.00")
    rows = employers_in_arrears(region_id=region.pk, on=date(2026, 2, 1))
    assert [r["employer_id"] for r in rows] == [large.pk, small.pk]
    assert rows[0]["late_fee"] == D("42.50")  # 5000 x 17 days x 0.05%


def test_days_are_counted_from_the_day_after_due_to_the_day_paid():
    assert late_days(date(2026, 1, 15), date(2026, 1, 15)) == 0
    assert late_days(date(2026, 1, 15), date(2026, 1, 16)) == 1
    assert late_days(date(2026, 1, 15), date(2026, 2, 15)) == 31
    assert late_days(date(2026, 1, 15), date(2026, 1, 1)) == 0


amounts = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)
days = st.integers(min_value=0, max_value=4000)


@given(amount=amounts, d1=days, d2=days)
def test_fee_is_never_negative_and_monotonic_in_days(amount, d1, d2):
    due = date(2020, 1, 15)
    low, high = sorted((d1, d2))
    fee_low = late_fee(parts=[], unpaid=amount, fee_from=due, on=due + timedelta(days=low))
    fee_high = late_fee(parts=[], unpaid=amount, fee_from=due, on=due + timedelta(days=high))
    assert D(0) <= fee_low <= fee_high
    assert fee_high == (amount * high * D("0.0005")).quantize(D("0.01"), rounding="ROUND_HALF_UP")


@given(parts=st.lists(st.tuples(amounts, days), min_size=1, max_size=5), extra=days)
def test_fee_of_parts_paid_later_is_never_smaller(parts, extra):
    due = date(2020, 1, 15)
    now = [Part(a, due + timedelta(days=d)) for a, d in parts]
    later = [Part(a, due + timedelta(days=d + extra)) for a, d in parts]
    assert D(0) <= late_fee(parts=now, unpaid=D(0), fee_from=due, on=due) <= \
        late_fee(parts=later, unpaid=D(0), fee_from=due, on=due)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(charges=st.lists(st.tuples(st.integers(1, 12), amounts), min_size=1, max_size=6),
       payments=st.lists(st.tuples(st.integers(0, 400), amounts), min_size=1, max_size=6),
       order=st.sampled_from(["principal_first", "oldest_first"]))
def test_allocations_never_exceed_and_amounts_never_go_negative(charges, payments, order):
    from contributions.models import RegionContributionSettings

    employer = EmployerFactory()
    RegionContributionSettings.objects.update_or_create(region=employer.region,
                                                        defaults={"allocation_order": order})
    for month, amount in charges:
        charge(employer, date(2025, month, 1), amount)
    for offset, amount in payments:
        pay(employer, str(amount), date(2025, 1, 1) + timedelta(days=offset))
    for c in Charge.objects.filter(employer=employer):
        given_total = sum((a.amount for a in Allocation.objects.filter(charge=c)), D(0))
        assert D(0) <= given_total <= c.amount
        assert c.amount > 0
    for p in Payment.objects.filter(employer=employer):
        given_total = sum((a.amount for a in Allocation.objects.filter(payment=p)), D(0))
        assert D(0) <= given_total <= p.amount
    state = arrears(employer, date(2026, 6, 1))
    assert state.principal >= 0 and state.late_fee >= 0 and state.credit >= 0
    # money is conserved: paid = allocated + credit left
    total_paid = sum((p.amount for p in Payment.objects.filter(employer=employer)), D(0))
    allocated = sum((a.amount for a in Allocation.objects.filter(employer=employer)), D(0))
    assert total_paid == allocated + state.credit
    # a credit is left only when nothing is open
    if state.credit > 0:
        assert state.principal == 0 and state.late_fee == 0


def test_the_arrears_body_is_what_its_documented_serializer_answers():
    """The endpoint builds its body directly (for speed); it must stay what ArrearsOut documents."""
    from contributions.apis.payments import ArrearsOut, arrears_body

    employer = EmployerFactory()
    charge(employer, date(2026, 1, 1), "1000.00")
    charge(employer, date(2026, 2, 1), "2000.10", kind=ChargeKind.PROVISIONAL)
    pay(employer, "400.00", date(2026, 1, 20))
    state = arrears(employer, date(2026, 3, 1))
    assert len(state.periods) == 2
    assert arrears_body(state) == ArrearsOut(state).data
