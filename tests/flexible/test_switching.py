"""Switching between an employer and paying for oneself at month boundaries, both directions, as relationship
events (issue 28, item 1), and a month charged as a flexible worker's that turns out to be an employer's (an
enrolment entered late): its charge is reversed by a credit, never changed; the money paid for it becomes the
person's credit and the account credit is taken back by a correcting entry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from accounts.models import AccountEntry, ReconciliationDifference
from accounts.services.reconciliation import reconciliation_run
from collection.models import CollectorRecord, SuspenseItem, SuspenseReason, SuspenseState
from collection.reconciliation import day_figures
from collection.reversals import reversal_apply
from common.access import Viewer
from contributions.models import Allocation, Charge, ChargeKind, Payment, SelfPaidMonth
from flexible.models import FlexibleEvent, FlexibleEventKind
from flexible.services.enrolment import flexible_stop, month_add
from flexible.tasks import flexible_charges_run
from insured.models import Employment, EventKind, InsuranceRelationship, RelationshipEvent, RelationshipState
from insured.services.staffing import enrolment_submit, staff_reduction_confirm, staff_reduction_submit
from tests.builders import clerk, person_client, person_viewer, portal
from tests.collection.factories import CollectionTermsFactory, reversal_of
from tests.employers.factories import EmployerFactory
from tests.flexible.factories import collector_pays, enrolled, flexible_region, months_ago, person_in, this_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(shanghai):
    return flexible_region(shanghai)


def hire(employer, person, start):
    return enrolment_submit(employer=employer, document_number=person.document_number, name=person.name,
                            start_date=start, monthly_wage=D("9000.00"), actor=portal(employer), channel="api")


def let_go(employer, person, last_day):
    reduction = staff_reduction_submit(employer=employer, document_number=person.document_number, last_day=last_day,
                                       reason="resignation", actor=portal(employer), channel="api")
    if reduction.state == "pending":  # the region's reviewer confirms it
        staff_reduction_confirm(reduction=reduction, actor=clerk(employer.region, groups=("reviewer",)),
                                channel="admin")
    return reduction


def flexible_events(person) -> list[tuple[str, object]]:
    return list(RelationshipEvent.objects.filter(person=person, kind__in=[EventKind.FLEXIBLE_STARTED,
                                                                          EventKind.FLEXIBLE_STOPPED])
                .order_by("id").values_list("kind", "effective_date"))


def charged(person) -> list:
    return list(SelfPaidMonth.objects.filter(person=person).order_by("period").values_list("period", flat=True))


def test_an_employers_enrolment_stops_the_flexible_months_and_its_end_starts_them_again(account, shanghai):
    person = person_in(shanghai)
    enrolled(person, start=months_ago(3))
    flexible_charges_run(today=months_ago(3))  # charged on time: the month it started
    employer = EmployerFactory(region=shanghai)
    hire(employer, person, months_ago(2) + timedelta(days=4))
    let_go(employer, person, months_ago(1) + timedelta(days=9))
    employment = Employment.objects.get(person=person)
    assert employment.end_date == months_ago(1) + timedelta(days=9)
    assert flexible_events(person) == [(EventKind.FLEXIBLE_STARTED, months_ago(3)),
                                       (EventKind.FLEXIBLE_STOPPED, months_ago(2)),
                                       (EventKind.FLEXIBLE_STARTED, this_month())]
    stop = RelationshipEvent.objects.get(person=person, kind=EventKind.FLEXIBLE_STOPPED)
    assert stop.details["employment"] == employment.pk and stop.details["employer"] == employer.pk
    # the monthly run agrees: the employer's two months are skipped, the person pays again from this one
    flexible_charges_run()
    assert charged(person) == [months_ago(3), this_month()]


def test_a_worker_who_had_stopped_is_not_restarted_when_the_job_ends(account, shanghai):
    person = person_in(shanghai)
    enrolled(person, start=months_ago(3))
    flexible_stop(actor=person_viewer(person), today=months_ago(3))
    employer = EmployerFactory(region=shanghai)
    hire(employer, person, months_ago(2) + timedelta(days=4))
    let_go(employer, person, months_ago(1) + timedelta(days=9))
    assert Employment.objects.get(person=person).end_date is not None
    kinds = [kind for kind, _day in flexible_events(person)]
    assert kinds == [EventKind.FLEXIBLE_STARTED, EventKind.FLEXIBLE_STOPPED]  # the person's own stop only


def test_a_job_in_another_region_ends_and_the_worker_pays_again_where_enrolled(account, shanghai, beijing):
    person = person_in(shanghai)
    enrolled(person, start=months_ago(3))
    flexible_charges_run(today=months_ago(3))
    employer = EmployerFactory(region=beijing)
    hire(employer, person, months_ago(2) + timedelta(days=4))
    home = InsuranceRelationship.objects.get(person=person, region=shanghai)
    assert home.state == RelationshipState.SUSPENDED  # Beijing keeps the active record while employed there
    let_go(employer, person, months_ago(1) + timedelta(days=9))

    home.refresh_from_db()
    person.refresh_from_db()
    assert home.state == RelationshipState.ACTIVE and person.region_id == shanghai.pk
    assert InsuranceRelationship.objects.get(person=person, region=beijing).state == RelationshipState.SUSPENDED
    started = RelationshipEvent.objects.filter(person=person, kind=EventKind.FLEXIBLE_STARTED).order_by("id").last()
    assert (started.region_id, started.effective_date) == (shanghai.pk, this_month())
    assert started.details["employer"] == employer.pk
    flexible_charges_run()
    assert charged(person) == [months_ago(3), this_month()]


def test_a_job_in_another_region_of_a_worker_who_had_stopped_restarts_nothing(account, shanghai, beijing):
    person = person_in(shanghai)
    enrolled(person, start=months_ago(3))
    flexible_stop(actor=person_viewer(person), today=months_ago(3))
    employer = EmployerFactory(region=beijing)
    hire(employer, person, months_ago(2) + timedelta(days=4))
    let_go(employer, person, months_ago(1) + timedelta(days=9))
    assert InsuranceRelationship.objects.get(person=person, region=shanghai).state == RelationshipState.SUSPENDED
    assert [kind for kind, _day in flexible_events(person)] == [EventKind.FLEXIBLE_STARTED,
                                                                 EventKind.FLEXIBLE_STOPPED]


def test_months_paid_as_flexible_and_found_on_an_employers_roll_are_reversed_and_the_money_kept(account, shanghai):
    person = person_in(shanghai)
    enrolled(person, start=months_ago(2), base="10000.00")
    flexible_charges_run()
    client = person_client(person)
    order = client.post("/api/v1/me/flexible-payment-orders", data="{}", content_type="application/json").json()
    assert order["amount"] == "6000.00"  # three months at 2,000.00
    collector_pays(account, order["reference"], order["amount"])
    entries = AccountEntry.objects.filter(account__person=person)
    assert entries.aggregate(t=Sum("amount"))["t"] == D("2400.00")
    originals = {c.period: (c.pk, c.amount) for c in Charge.objects.filter(person=person, kind=ChargeKind.SELF_PAID)}

    # the employer enrols them late: on its roll since the 3rd of last month
    employer = EmployerFactory(region=shanghai)
    hire(employer, person, months_ago(1) + timedelta(days=2))

    reversals = Charge.objects.filter(person=person, kind=ChargeKind.SELF_PAID_REVERSAL).order_by("period")
    assert [(r.period, r.amount, r.parent_id) for r in reversals] == [
        (months_ago(1), D("-2000.00"), originals[months_ago(1)][0]),
        (this_month(), D("-2000.00"), originals[this_month()][0])]
    # the charges themselves are never changed
    assert {c.period: (c.pk, c.amount) for c in Charge.objects.filter(person=person, kind=ChargeKind.SELF_PAID)} \
        == originals
    # the account: the two months' credits taken back by correcting entries, the first month's kept
    assert entries.aggregate(t=Sum("amount"))["t"] == D("800.00")
    corrections = entries.filter(kind="correction").order_by("contribution_month")
    assert [(e.contribution_month, e.amount) for e in corrections] == [(months_ago(1), D("-800.00")),
                                                                       (this_month(), D("-800.00"))]
    # the money paid for them is the person's credit: 4,000.00 of the payment not allocated
    payment = Payment.objects.get(person=person)
    allocated = Allocation.objects.filter(payment=payment).aggregate(t=Sum("amount"))["t"]
    assert payment.amount - allocated == D("4000.00")
    # the person's months: one flexible month left; the run charges the employer's months no more
    months = client.get("/api/v1/me/contributions").json()["results"]
    assert [(m["period"], m["insured_as"]) for m in months] == [(f"{months_ago(2):%Y-%m}", "flexible")]
    flexible_charges_run(today=month_add(this_month(), 1))
    assert Charge.objects.filter(person=person, kind=ChargeKind.SELF_PAID).count() == 3
    event = FlexibleEvent.objects.get(kind=FlexibleEventKind.MONTHS_REVERSED)
    assert event.details["months"] == [f"{months_ago(1):%Y-%m}", f"{this_month():%Y-%m}"]
    # the accounts' reconciliation finds the reversed credits as expected
    run = reconciliation_run(actor=Viewer.system(), full=True)
    assert not ReconciliationDifference.objects.filter(run=run).exists()


def test_money_given_back_above_the_credit_limit_waits_in_suspense_as_the_collectors_would(account, shanghai):
    CollectionTermsFactory(region=shanghai, credit_limit=D("1000.00"))
    person = person_in(shanghai)
    enrolled(person, start=months_ago(2), base="10000.00")
    flexible_charges_run()
    client = person_client(person)
    order = client.post("/api/v1/me/flexible-payment-orders", data="{}", content_type="application/json").json()
    collector_pays(account, order["reference"], order["amount"])  # 6,000.00 for three months
    record = CollectorRecord.objects.get(transaction_id="FLEX-0001")

    hire(EmployerFactory(region=shanghai), person, months_ago(1) + timedelta(days=2))  # two months the employer's

    # 4,000.00 given back: 1,000.00 (the region's limit) stays the person's credit, 3,000.00 waits for a clerk
    item = SuspenseItem.objects.get(record=record)
    assert (item.amount, item.reason, item.state) == (D("3000.00"), SuspenseReason.OVERPAYMENT,
                                                      SuspenseState.WAITING)
    live = Payment.objects.get(person=person, reversal__isnull=True)
    allocated = Allocation.objects.filter(payment=live).aggregate(t=Sum("amount"))["t"]
    assert (live.amount, live.amount - allocated) == (D("3000.00"), D("1000.00"))
    assert live.paid_on == record.value_date
    # the month still the person's stays paid, its account credit kept
    months = client.get("/api/v1/me/contributions").json()["results"]
    assert [(m["period"], m["paid"]) for m in months] == [(f"{months_ago(2):%Y-%m}", True)]
    assert AccountEntry.objects.filter(account__person=person).aggregate(t=Sum("amount"))["t"] == D("800.00")
    event = FlexibleEvent.objects.get(kind=FlexibleEventKind.MONTHS_REVERSED)
    assert event.details["to_suspense"] == "3000.00"
    # every yuan of the day's record is in one place, once
    [day] = day_figures(since=record.value_date, until=record.value_date)
    assert (day.collected, day.allocated, day.credit, day.suspense, day.difference) == (
        D("6000.00"), D("2000.00"), D("1000.00"), D("3000.00"), D("0.00"))
    # and the collector's later reversal takes back the new payment and the suspense item, once
    reversal_apply(reversal_of(record), actor=Viewer.system())
    item.refresh_from_db()
    assert item.state == SuspenseState.REVERSED
    [day] = day_figures(since=record.value_date, until=record.value_date)
    assert (day.reversed, day.difference) == (D("6000.00"), D("0.00"))
    assert AccountEntry.objects.filter(account__person=person).aggregate(t=Sum("amount"))["t"] == D("0.00")


def test_an_unpaid_month_reversed_is_owed_no_more(account, shanghai):
    person = person_in(shanghai)
    enrolled(person, start=months_ago(1))
    flexible_charges_run()
    hire(EmployerFactory(region=shanghai), person, this_month())
    answer = person_client(person).post("/api/v1/me/flexible-payment-orders", data="{}",
                                        content_type="application/json").json()
    assert [line["period"] for line in answer["lines"]] == [f"{months_ago(1):%Y-%m}"], answer
