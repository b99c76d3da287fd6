"""A flexible worker's months (issue 28, item 2): charged once, never for a month an employer insures them
(both directions of a switch), the credit split when the collector's money pays them, the region's
late-payment rule, stopping, and the monthly run resumable."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from accounts.models import AccountEntry, ReconciliationDifference
from accounts.services.reconciliation import reconciliation_run
from collection.models import OrderState, PaymentOrder
from common.access import Viewer
from contributions.models import Allocation, Charge, ChargeKind, SelfPaidMonth
from flexible.models import FlexibleEvent, FlexibleEventKind, FlexibleTerms
from flexible.services.enrolment import flexible_stop, month_add
from flexible.tasks import flexible_charges_run
from insured.models import Employment
from tests.builders import person_client, person_viewer
from tests.employers.factories import EmployerFactory
from tests.flexible.factories import collector_pays, enrolled, flexible_region, months_ago, person_in, this_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(shanghai):
    return flexible_region(shanghai)


def months_of(person) -> list[date]:
    return list(SelfPaidMonth.objects.filter(person=person).order_by("period").values_list("period", flat=True))


def employ(person, start: date, end: date | None = None):
    employer = EmployerFactory(region=person.region)
    return Employment.objects.create(person=person, employer=employer, start_date=start, end_date=end,
                                     monthly_wage=D("9000.00"))


def test_months_charged_at_the_rate_with_the_account_part_and_the_run_is_resumable(account, shanghai):
    person = person_in(shanghai)
    enrolled(person, start=months_ago(2), base="10000.00")
    assert flexible_charges_run() == (1, 3)
    assert months_of(person) == [months_ago(2), months_ago(1), this_month()]
    month = SelfPaidMonth.objects.get(person=person, period=this_month())
    assert month.amount == D("2000.00") and month.pension_individual == D("800.00") and month.base == D("10000.00")
    charge = month.charge
    assert charge.kind == ChargeKind.SELF_PAID and charge.person_id == person.pk and charge.employer_id is None
    assert charge.due_on == this_month().replace(day=25)
    # a second run charges nothing; so does a run of the same month later
    assert flexible_charges_run() == (0, 0)
    assert Charge.objects.filter(person=person).count() == 3


def test_a_month_an_employer_insured_is_not_charged_employee_to_flexible(account, shanghai):
    person = person_in(shanghai)
    # employed until the middle of two months ago: that month is the employer's
    employ(person, months_ago(8), months_ago(2) + timedelta(days=14))
    enrolled(person, start=months_ago(3))
    flexible_charges_run()
    assert months_of(person) == [months_ago(1), this_month()]
    event = FlexibleEvent.objects.get(kind=FlexibleEventKind.MONTHS_CHARGED)
    assert event.details["skipped"] == [f"{months_ago(3):%Y-%m}", f"{months_ago(2):%Y-%m}"]


def test_a_month_an_employer_insured_is_not_charged_flexible_to_employee(account, shanghai):
    person = person_in(shanghai)
    enrolled(person, start=months_ago(3))
    employ(person, months_ago(1) + timedelta(days=9))  # a new job from the 10th of last month, still on
    flexible_charges_run()
    assert months_of(person) == [months_ago(3), months_ago(2)]
    # the months after are not charged while the employment lasts
    flexible_charges_run(today=month_add(this_month(), 1))
    assert months_of(person) == [months_ago(3), months_ago(2)]


def test_stopping_charges_no_month_from_the_next_one(account, shanghai):
    person = person_in(shanghai)
    enrolled(person)
    flexible_stop(actor=person_viewer(person))
    flexible_charges_run(today=month_add(this_month(), 2))
    assert months_of(person) == [this_month()]


def test_paid_through_the_collector_the_month_credits_8_percent_to_the_account(account, shanghai):
    person = person_in(shanghai)
    enrolled(person, base="12000.00")
    flexible_charges_run()
    client = person_client(person)
    answer = client.post("/api/v1/me/flexible-payment-orders", data=json.dumps({}), content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="order-1")
    assert answer.status_code == 201, answer.content
    order = answer.json()
    assert order["amount"] == "2400.00" and order["pay_to"]["account_number"] == account.account_number
    result = collector_pays(account, order["reference"], order["amount"])
    assert result.applied == 1
    assert PaymentOrder.objects.get(pk=order["id"]).state == OrderState.PAID
    allocation = Allocation.objects.get(person=person)
    assert allocation.settles_charge and allocation.employer_id is None and allocation.amount == D("2400.00")
    entries = AccountEntry.objects.filter(account__person=person)
    assert sum(e.amount for e in entries) == D("960.00")  # 8% of 12,000.00; the other 12% is pooled
    assert entries.get().contribution_month == this_month()
    # the accounts' nightly reconciliation finds the credit expected (a self-paid month's account part)
    run = reconciliation_run(actor=Viewer.system(), full=True)
    assert not ReconciliationDifference.objects.filter(run=run).exists()


def test_an_employer_never_pays_a_persons_month_and_a_person_never_an_employers(account, shanghai):
    person = person_in(shanghai)
    enrolled(person)
    flexible_charges_run()
    employer = EmployerFactory(region=shanghai)
    # money of the employer's (by its USCC) stays the employer's: the person's month stays open
    collector_pays(account, employer.uscc, "2000.00", txid="EMP-1")
    assert not Allocation.objects.filter(person=person).exists()
    assert not Allocation.objects.filter(charge__person=person).exists()


@pytest.mark.parametrize("free_in_year", [True, False])
def test_late_payment_per_the_regions_rule(account, shanghai, free_in_year):
    FlexibleTerms.objects.create(region=shanghai, backpay_in_year_without_fee=free_in_year)
    person = person_in(shanghai)
    past = date(2025, 11, 10)  # back-paid months of 2025, paid on 2025-12-01
    enrolled(person, start=date(2025, 8, 1), today=past)
    flexible_charges_run(today=past)
    assert months_of(person) == [date(2025, 8, 1), date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1)]
    order = person_client(person).post("/api/v1/me/flexible-payment-orders", data="{}",
                                       content_type="application/json").json()
    collector_pays(account, order["reference"], order["amount"], day=date(2025, 12, 1))
    fees = Charge.objects.filter(person=person, kind=ChargeKind.LATE_FEE)
    assert all(c.amount == D("2000.00") for c in Charge.objects.filter(person=person, kind=ChargeKind.SELF_PAID))
    if free_in_year:
        assert not fees.exists()  # paid within the year: no late fee
    else:
        # from the day after the due day (the 25th) to 2025-12-01, 0.05% a day of 2,000.00
        expected = {date(2025, 8, 1): 98, date(2025, 9, 1): 67, date(2025, 10, 1): 37, date(2025, 11, 1): 6}
        assert {c.period: c.amount for c in fees} == {
            p: (D("2000.00") * days * D("0.0005")).quantize(D("0.01")) for p, days in expected.items()}
