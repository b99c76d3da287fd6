"""Enrolment as a flexible worker (issue 28, item 1): the API, the region's rules, the relationship's events,
the base change window (item 3), stopping, scoping, the planner."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest

from agency.deadlines import today_in_shanghai
from common.problems import ApplicationError, NotFound
from flexible.models import BaseChoice, EnrolmentState, FlexibleEnrolment, FlexibleTerms
from flexible.services.enrolment import flexible_base_change, flexible_enrol, flexible_stop, month_add
from insured.models import EventKind, InsuranceRelationship, RelationshipEvent, RelationshipState
from tests.builders import clerk, person_client, person_viewer
from tests.flexible.factories import enrolled, flexible_region, months_ago, person_in, this_month

pytestmark = pytest.mark.django_db


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def region(shanghai):
    flexible_region(shanghai)
    return shanghai


def test_a_person_enrols_through_the_api_and_the_relationship_records_the_switch(region):
    person = person_in(region)
    client = person_client(person)
    month = f"{this_month():%Y-%m}"
    answer = post(client, "/api/v1/me/flexible-enrolment", {"region": "310101", "start_month": month,
                                                             "base": "12000.00"}, HTTP_IDEMPOTENCY_KEY="e-1")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["region"] == "310101" and body["start_month"] == month and body["state"] == "active"
    assert body["base"] == "12000.00"
    relationship = InsuranceRelationship.objects.get(person=person, region=region)
    assert relationship.state == RelationshipState.ACTIVE
    kinds = list(RelationshipEvent.objects.filter(person=person).values_list("kind", flat=True))
    assert EventKind.FLEXIBLE_STARTED in kinds
    # the same key replays; the enrolment is made once
    again = post(client, "/api/v1/me/flexible-enrolment", {"region": "310101", "start_month": month,
                                                            "base": "12000.00"}, HTTP_IDEMPOTENCY_KEY="e-1")
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert FlexibleEnrolment.objects.filter(person=person).count() == 1
    assert client.get("/api/v1/me/flexible-enrolment").json()["id"] == body["id"]


@pytest.mark.parametrize("body, field, code", [
    ({"base": "5999.99"}, "base", "out_of_range"),
    ({"base": "30000.01"}, "base", "out_of_range"),
    ({"base": "１２０００.00"}, "base", None),  # full-width digits are refused by the field
    ({"start_month": "too-early"}, "start_month", "too_early"),
    ({"start_month": "too-late"}, "start_month", "too_late"),
])
def test_refusals_name_the_field(region, body, field, code):
    person = person_in(region)
    request = {"region": "310101", "start_month": f"{this_month():%Y-%m}", "base": "10000.00", **body}
    if request["start_month"] == "too-early":
        request["start_month"] = f"{months_ago(4):%Y-%m}"  # the default back-pay allowance is 3 months
    if request["start_month"] == "too-late":
        request["start_month"] = f"{month_add(this_month(), 2):%Y-%m}"
    answer = post(person_client(person), "/api/v1/me/flexible-enrolment", request)
    assert answer.status_code == 400, answer.content
    errors = answer.json()["errors"]
    assert errors[0]["field"] == field
    if code:
        assert errors[0]["code"] == code
    assert not FlexibleEnrolment.objects.exists()


def test_back_pay_within_the_allowance_and_the_bounds_themselves_are_accepted(region):
    enrolment = enrolled(person_in(region), start=months_ago(3), base="6000.00")
    assert enrolment.start_month == months_ago(3)
    assert enrolled(person_in(region), start=month_add(this_month(), 1), base="30000.00").pk


def test_a_region_that_requires_residence_refuses_others(region):
    FlexibleTerms.objects.create(region=region, residence_required=True)
    outsider = person_in(region, hukou_region_code="110105")
    answer = post(person_client(outsider), "/api/v1/me/flexible-enrolment",
                  {"region": "310101", "start_month": f"{this_month():%Y-%m}", "base": "10000.00"})
    assert answer.status_code == 409
    assert answer.json()["type"].endswith("/problems/flexible-not-allowed")
    assert enrolled(person_in(region)).pk  # a resident may


def test_grades_only_allow_the_grades(region):
    FlexibleTerms.objects.create(region=region, grades=["60", "100", "300"])
    person = person_in(region)
    with pytest.raises(ApplicationError) as refused:
        enrolled(person, base="12000.00")
    assert refused.value.errors[0]["code"] == "not_a_grade"
    assert enrolled(person, base="10000.00").pk


def test_a_second_enrolment_is_refused(region):
    person = person_in(region)
    enrolled(person)
    with pytest.raises(ApplicationError) as refused:
        enrolled(person)
    assert refused.value.type_slug == "flexible-enrolled"


def test_the_base_changes_once_a_year_from_next_month(region):
    person = person_in(region)
    enrolment = enrolled(person)
    choice = flexible_base_change(actor=person_viewer(person), base=D("15000.00"))
    assert choice.from_month == month_add(this_month(), 1) and choice.is_change
    with pytest.raises(ApplicationError) as refused:
        flexible_base_change(actor=person_viewer(person), base=D("16000.00"))
    assert refused.value.type_slug == "flexible-base-window"
    # next year the window is open again
    next_year = date(today_in_shanghai().year + 1, 3, 10)
    assert flexible_base_change(actor=person_viewer(person), base=D("16000.00"), today=next_year).pk
    assert BaseChoice.objects.filter(enrolment=enrolment).count() == 3


def test_the_base_change_through_the_api_and_its_range(region):
    person = person_in(region)
    enrolled(person)
    client = person_client(person)
    assert post(client, "/api/v1/me/flexible-enrolment/base", {"base": "40000.00"}).status_code == 400
    answer = post(client, "/api/v1/me/flexible-enrolment/base", {"base": "20000.00"})
    assert answer.status_code == 201 and answer.json()["base"] == "20000.00"
    assert post(client, "/api/v1/me/flexible-enrolment/base", {"base": "21000.00"}).status_code == 409


def test_stopping_keeps_the_account_and_the_relationship(region):
    person = person_in(region)
    enrolled(person)
    enrolment = flexible_stop(actor=person_viewer(person))
    assert enrolment.state == EnrolmentState.SUSPENDED
    assert enrolment.stopped_from == month_add(this_month(), 1)
    relationship = InsuranceRelationship.objects.get(person=person)
    assert relationship.state == RelationshipState.ACTIVE  # the account and the relationship are kept
    assert RelationshipEvent.objects.filter(person=person, kind=EventKind.FLEXIBLE_STOPPED).exists()


def test_a_person_sees_only_their_own_and_a_clerk_only_their_region(region, beijing):
    a, b = person_in(region), person_in(region)
    enrolled(a)
    assert person_client(b).get("/api/v1/me/flexible-enrolment").status_code == 404
    # a clerk of another region cannot enrol a Shanghai person at the counter
    with pytest.raises(NotFound):
        flexible_enrol(actor=clerk(beijing), person_id=b.pk, region_code="310101", start_month=this_month(),
                       base=D("10000.00"))
    # the region's clerk can
    enrolment = flexible_enrol(actor=clerk(region), person_id=b.pk, region_code="310101",
                               start_month=this_month(), base=D("10000.00"), channel="admin")
    assert enrolment.person_id == b.pk
    # and a person cannot enrol someone else: the service takes the person from the caller
    c = person_in(region)
    mine = flexible_enrol(actor=person_viewer(c), person_id=a.pk, region_code="310101", start_month=this_month(),
                          base=D("10000.00"))
    assert mine.person_id == c.pk


def test_the_planner_shows_cost_credit_and_the_estimate_for_each_base(region):
    person = person_in(region)
    enrolled(person, base="10000.00")
    answer = person_client(person).get("/api/v1/me/flexible-planner")
    assert answer.status_code == 200, answer.content
    plan = answer.json()
    bases = [D(row["base"]) for row in plan["rows"]]
    assert bases[0] == D("6000.00") and bases[-1] == D("30000.00") and bases == sorted(bases)
    for row in plan["rows"]:
        assert D(row["monthly_cost"]) == (D(row["base"]) * D("0.20")).quantize(D("0.01"))
        assert D(row["monthly_account_credit"]) == (D(row["base"]) * D("0.08")).quantize(D("0.01"))
        assert D(row["monthly_pooled"]) == D(row["monthly_cost"]) - D(row["monthly_account_credit"])
    assert [row["current"] for row in plan["rows"]].count(True) == 1
    assert "pension_at_statutory_age" in plan["rows"][0]


def test_the_planner_says_why_when_it_cannot_estimate_the_pension(region):
    person = person_in(region)  # the region publishes no benefit base: the estimate lacks a parameter
    enrolled(person, base="10000.00")
    plan = person_client(person).get("/api/v1/me/flexible-planner").json()
    assert all(row["pension_at_statutory_age"] is None for row in plan["rows"])
    assert len(plan["notes"]) == 2 and plan["notes"][-1].startswith("An estimate, not a decision")
