"""Every date input has a plausible range and a clear 400 (issue 9, item 2), bounded by the facts it
follows (issue 25, item 7)."""

import json
from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from agency.deadlines import today_in_shanghai
from employers.models import RegistrationApplication
from insured.models import Employment, InsuredPerson, StaffReduction
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.ids import resident_id, uscc

pytestmark = pytest.mark.django_db

BORN_1992 = resident_id(region="310101", born=date(1992, 5, 17), seq=311)


@pytest.fixture
def portal(shanghai):
    return Portal(EmployerFactory(region=shanghai, established_on=date(2000, 1, 4)))


def enrol(portal, start, number=BORN_1992, **more):
    return portal.post("/api/v1/employer/enrolments", {"document_number": number, "name": "陈明", "start_date": start,
                                                       "monthly_wage": "9000.00", **more})


def error(response):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"][0]


@pytest.mark.parametrize("start", ["9999-12-31", "9999-12-01", "0001-01-01", "2008-05-16"])
def test_an_implausible_employment_start_is_a_400_and_nothing_is_stored(portal, start):
    failure = error(enrol(portal, start))
    assert failure["field"] == "start_date"
    # too_early: before the employer's establishment, checked first (before the person is looked up)
    assert failure["code"] in {"too_far_ahead", "under_working_age", "too_early"}
    assert not Employment.objects.exists()
    assert not InsuredPerson.objects.exists()


def test_the_start_limits_are_the_16th_birthday_and_the_days_ahead(portal, settings):
    assert enrol(portal, date(2008, 5, 17)).status_code == 201  # the 16th birthday itself
    other = resident_id(region="310101", born=date(1990, 1, 1), seq=17)
    ahead = today_in_shanghai() + timedelta(days=settings.DATE_AHEAD_MAX_DAYS)
    assert error(enrol(portal, ahead + timedelta(days=1), number=other))["code"] == "too_far_ahead"
    assert enrol(portal, ahead, number=other).status_code == 201


def test_a_birth_date_in_the_future_is_refused_even_from_an_id_number(portal):
    born_2099 = resident_id(region="310101", born=date(2099, 1, 1), seq=12)
    failure = error(enrol(portal, today_in_shanghai(), number=born_2099))
    assert (failure["field"], failure["code"]) == ("document_number", "future")
    passport = enrol(portal, today_in_shanghai(), number="E7654321", document_type="passport",
                     birth_date="2099-01-01", sex="M")
    assert error(passport)["field"] == "birth_date"
    assert not InsuredPerson.objects.exists()


def test_a_last_working_day_far_ahead_is_a_400(portal):
    assert enrol(portal, today_in_shanghai() - timedelta(days=40)).status_code == 201
    response = portal.post("/api/v1/employer/separations", {"document_number": BORN_1992, "last_day": "9999-12-31",
                                                           "reason": "resignation"})
    assert error(response)["code"] == "too_far_ahead"
    assert not StaffReduction.objects.exists()


@pytest.mark.parametrize("established", ["0001-01-01", "1948-12-31"])
def test_an_employer_established_before_1949_is_a_400(shanghai, established):
    body = {"kind": "new", "uscc": uscc(seed=7), "name": "上海老字号有限公司", "employer_kind": "enterprise",
            "region_code": "310101", "established_on": established}
    response = APIClient().post("/api/v1/registrations", data=json.dumps(body), content_type="application/json")
    assert error(response)["field"] == "established_on"
    assert not RegistrationApplication.objects.exists()


@pytest.mark.parametrize("month", ["0000-01", "1900-01", "9999-12"])
def test_an_implausible_start_month_is_a_400(portal, month):
    assert error(portal.get("/api/v1/employer/staff", {"start_month": month}))["field"] == "start_month"


def test_an_employment_does_not_start_before_the_employer_was_established(portal):
    born_1980 = resident_id(region="310101", born=date(1980, 3, 2), seq=19)
    failure = error(enrol(portal, "2000-01-03", number=born_1980))
    assert (failure["field"], failure["code"]) == ("start_date", "too_early")
    assert "2000-01-04" in failure["message"]
    assert not Employment.objects.exists()
    assert enrol(portal, "2000-01-04", number=born_1980).status_code == 201  # the day of establishment itself


def test_a_change_is_not_dated_before_the_employer_was_established(portal):
    change = {"kind": "change", "changed_on": "2000-01-03", "data": {"address": "上海市黄浦区新址1号"}}
    failure = error(portal.post("/api/v1/registrations", change))
    assert (failure["field"], failure["code"]) == ("changed_on", "too_early")
    assert not RegistrationApplication.objects.exists()
    assert portal.post("/api/v1/registrations", {**change, "changed_on": "2000-01-04"}).status_code == 201
