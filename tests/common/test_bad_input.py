"""Bad input is a 4xx problem with a stable type and is never stored (issue 9, items 1 and 3)."""

import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from agency.deadlines import today_in_shanghai
from common.access import Viewer
from common.problems import ValidationFailed
from employers.models import RegistrationApplication
from insured.models import InsuredPerson
from insured.services.persons import person_register
from tests.agency.factories import clerk_user
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.ids import resident_id, uscc

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
ID = resident_id(region="310101", born=date(1992, 5, 17), seq=311)


@pytest.fixture
def portal(shanghai):
    return Portal(EmployerFactory(region=shanghai))


def filing(**overrides):
    body = {"kind": "new", "uscc": uscc(seed=7), "name": "上海新设有限公司", "employer_kind": "enterprise",
            "region_code": "310101", "established_on": (today_in_shanghai() - timedelta(days=10)).isoformat()}
    body.update(overrides)
    return body


def enrolment(**overrides):
    body = {"document_number": ID, "name": "陈明", "start_date": (today_in_shanghai() - timedelta(days=3)).isoformat(),
            "monthly_wage": "9000.00"}
    body.update(overrides)
    return body


def post_raw(api, path, raw: str, **headers):
    return api.post(path, data=raw, content_type="application/json", **headers)


def assert_problem(response, status, slug):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == f"/problems/{slug}"
    return response.json()


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [40, 1000, 100_000])
def test_a_deeply_nested_json_body_is_a_malformed_request(shanghai, portal, depth):
    nested = '{"kind": "new", "data": ' + deep(depth) + "}"
    assert_problem(post_raw(APIClient(), "/api/v1/registrations", nested), 400, "malformed-request")
    nested = '{"document_number": "x", "name": ' + deep(depth) + "}"
    assert_problem(post_raw(portal.api, "/api/v1/employer/enrolments", nested), 400, "malformed-request")
    assert not RegistrationApplication.objects.exists()


def test_malformed_json_is_a_short_malformed_request(shanghai):
    body = assert_problem(post_raw(APIClient(), "/api/v1/registrations", '{"kind": "new",'), 400,
                          "malformed-request")
    assert body["detail"] == "The body is not valid JSON."
    assert_problem(post_raw(APIClient(), "/api/v1/registrations", '{"risk_class": NaN}'), 400, "malformed-request")


def test_more_files_than_allowed_is_a_413(shanghai, settings):
    files = [SimpleUploadedFile(f"p{i}.pdf", b"%PDF-1.4 x") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = APIClient().post("/api/v1/registrations", {**filing(), "documents": files}, format="multipart")
    assert_problem(response, 413, "payload-too-large")
    assert not RegistrationApplication.objects.exists()


def test_more_fields_than_allowed_is_a_413(shanghai, portal, settings):
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = APIClient().post("/api/v1/registrations", {**filing(), **fields}, format="multipart")
    assert_problem(response, 413, "payload-too-large")
    form = portal.api.post("/api/v1/employer/enrolments", {**enrolment(), **fields})  # urlencoded
    assert_problem(form, 413, "payload-too-large")
    query = portal.api.get("/api/v1/employer/staff?" + "&".join(f"a{i}=1" for i in range(1001)))
    assert_problem(query, 413, "payload-too-large")
    assert not RegistrationApplication.objects.exists()


def test_a_body_over_the_limit_is_a_413_problem_on_every_endpoint(shanghai, portal, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    padding = "x" * 2000
    assert_problem(post_raw(APIClient(), "/api/v1/registrations", json.dumps(filing(address=padding))), 413,
                   "payload-too-large")
    assert_problem(portal.post("/api/v1/employer/enrolments", enrolment(name=padding)), 413, "payload-too-large")
    settings.REQUEST_MAX_BYTES = 5000
    big = {"document_number": ID, "last_day": "2026-01-31", "reason": "resignation",
           "documents": [SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 10_000)]}
    assert_problem(portal.api.post("/api/v1/employer/separations", big, format="multipart"), 413,
                   "payload-too-large")
    # Outside the API too, before the body is read: a plain 413, not a 500 or an HTML 400.
    assert APIClient().post("/accounts/login/", {"username": padding * 3}).status_code == 413


@pytest.mark.parametrize("name", ["\u200b\u200b\u200b", "陈\u202e明", "陈\x00明", "陈\ud800明", "陈\x07明"])
def test_a_name_with_control_or_format_characters_is_refused_and_not_stored(shanghai, portal, name):
    response = portal.post("/api/v1/employer/enrolments", enrolment(name=name))
    body = assert_problem(response, 400, "validation-error")
    assert body["errors"][0]["field"] == "name"
    assert body["errors"][0]["code"] == "invalid_character"
    assert not InsuredPerson.objects.exists()


def test_a_nul_byte_anywhere_is_a_400_and_never_a_503(shanghai, portal):
    registration = post_raw(APIClient(), "/api/v1/registrations",
                            json.dumps(filing(data={"name\x00": "x"}, kind="new")))
    assert registration.status_code == 400
    lookup = portal.api.get("/api/v1/employer/staff", {"start_month": "2026-01\x00"})
    assert lookup.status_code == 400


def test_a_value_the_database_refuses_is_a_400_not_a_503(shanghai, django_user_model):
    """A DataError (here a NUL byte in a query parameter, which no serializer checks) is the
    caller's input; only a real connection failure is 503."""
    api = APIClient()
    api.force_login(clerk_user(shanghai.offices.first(), groups=("clerk",)))
    response = api.get("/api/v1/agency/persons", {"document": "3101\x0019920517"})
    assert_problem(response, 400, "malformed-request")


def test_names_are_stored_in_nfc(shanghai, portal):
    decomposed = "Zoe\u0301 Mu\u0308ller"  # e + combining acute, u + combining diaeresis
    passport = portal.post("/api/v1/employer/enrolments",
                           enrolment(document_type="passport", document_number="E12345678", name=decomposed,
                                     birth_date="1990-01-01", sex="F"))
    assert passport.status_code == 201, passport.json()
    assert InsuredPerson.objects.get().name == "Zoé Müller"


@pytest.mark.parametrize("name", ["\u200b\u200c", "王\u202e五", "王\x00五"])
def test_the_register_service_refuses_invisible_names_whoever_calls_it(shanghai, name):
    """The admin's forms reach the same service: the rule does not depend on the API's parser."""
    with pytest.raises(ValidationFailed) as raised:
        person_register(actor=Viewer.system(), document_type="resident_id", document_number=ID, name=name,
                        region=shanghai)
    assert raised.value.errors[0]["field"] == "name"
    assert not InsuredPerson.objects.exists()
