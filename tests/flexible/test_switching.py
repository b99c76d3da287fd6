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
from common.access import Viewer
from contributions.models import Allocation, Charge, ChargeKind, Payment, SelfPaidMonth
from flexible.models import FlexibleEvent, FlexibleEventKind
from flexible.services.enrolment import flexible_stop, month_add
from flexible.tasks import flexible_charges_run
from insured.models import Employment, EventKind, RelationshipEvent
from insured.services.staffing import enrolment_submit, staff_reduction_confirm, staff_reduction_submit
from tests.builders import clerk, person_client, person_viewer, portal
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


def test_an_unpaid_month_reversed_is_owed_no_more(account, shanghai):
    person = person_in(shanghai)
    enrolled(person, start=months_ago(1))
    flexible_charges_run()
    hire(EmployerFactory(region=shanghai), person, this_month())
    answer = person_client(person).post("/api/v1/me/flexible-payment-orders", data="{}",
                                        content_type="application/json").json()
    assert [line["period"] for line in answer["lines"]] == [f"{months_ago(1):%Y-%m}"], answer
