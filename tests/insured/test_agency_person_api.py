import json

import pytest
from rest_framework.test import APIClient

from insured.models import InsuredPerson
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.ids import resident_id
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def shanghai():
    return RegionFactory(code="310101", name="黄浦区")


@pytest.fixture
def beijing():
    return RegionFactory(code="110105", name="朝阳区")


@pytest.fixture
def clerk_client(shanghai):
    client = APIClient()
    client.force_login(clerk_user(OfficeFactory(region=shanghai)))
    return client


def test_lookup_finds_a_person_of_the_clerks_region_with_the_number_masked(clerk_client, shanghai):
    person = PersonFactory(region=shanghai)
    response = clerk_client.get("/api/v1/agency/persons", {"document": person.document_number.lower()})
    assert response.status_code == 200
    [entry] = response.json()["results"]
    assert entry["id"] == person.pk
    assert entry["document_number"] == person.document_number[:6] + "********" + person.document_number[-4:]
    assert "next" in response.json()  # cursor pagination


def test_lookup_does_not_reveal_a_person_of_another_region(clerk_client, beijing):
    person = PersonFactory(region=beijing)
    response = clerk_client.get("/api/v1/agency/persons", {"document": person.document_number})
    assert response.status_code == 200
    assert response.json()["results"] == []
    detail = clerk_client.get(f"/api/v1/agency/persons/{person.pk}")
    assert detail.status_code == 404
    assert detail["Content-Type"] == PROBLEM


def test_detail_gives_the_clerk_the_full_number(clerk_client, shanghai):
    person = PersonFactory(region=shanghai)
    response = clerk_client.get(f"/api/v1/agency/persons/{person.pk}")
    assert response.json()["document_number"] == person.document_number


def test_lookup_without_document_is_a_problem_naming_the_field(clerk_client):
    response = clerk_client.get("/api/v1/agency/persons")
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == PROBLEM
    assert body["type"] == "/problems/validation-error"
    assert body["errors"][0]["field"] == "document"


def test_anonymous_caller_gets_a_401_problem():
    response = APIClient().get("/api/v1/agency/persons", {"document": "x"})
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] in ("/problems/not-authenticated", "/problems/permission-denied")


def test_unknown_api_path_is_a_problem_not_a_page(clerk_client):
    response = clerk_client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == "/problems/not-found"


def _post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/agency/persons", data=json.dumps(body), content_type="application/json", **headers)


def test_register_derives_birth_date_and_sex_and_stores_upper_case(clerk_client, shanghai):
    number = resident_id(seq=124).replace("X", "x")
    response = _post(clerk_client, {"document_number": number.lower(), "name": "李四"})
    assert response.status_code == 201, response.json()
    person = InsuredPerson.objects.get()
    assert person.document_number == number.upper()
    assert (person.birth_date.isoformat(), person.sex, person.region) == ("1990-05-17", "F", shanghai)
    assert response["Location"] == f"/api/v1/agency/persons/{person.pk}"


def test_wrong_check_character_is_a_400_naming_field_and_expected_character(clerk_client):
    good = resident_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = _post(clerk_client, {"document_number": bad, "name": "王五"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error == {"field": "document_number", "code": "check_character", "expected": good[17],
                     "message": error["message"]}
    assert not InsuredPerson.objects.exists()


def test_duplicate_person_is_a_409_pointing_at_the_existing_record(clerk_client, shanghai):
    existing = PersonFactory(region=shanghai)
    response = _post(clerk_client, {"document_number": existing.document_number, "name": "另一个"})
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "/problems/duplicate"
    assert body["existing"] == f"/api/v1/agency/persons/{existing.pk}"
    assert InsuredPerson.objects.count() == 1


def test_unknown_region_is_a_400(clerk_client):
    response = _post(clerk_client, {"document_number": resident_id(), "name": "赵六", "region_code": "999999"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "region_code"
    assert not InsuredPerson.objects.exists()


def test_same_idempotency_key_replays_without_a_second_write(clerk_client):
    body = {"document_number": resident_id(seq=201), "name": "钱七"}
    first = _post(clerk_client, body, key="portal-req-1")
    second = _post(clerk_client, body, key="portal-req-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert InsuredPerson.objects.count() == 1


def test_same_key_with_another_body_is_a_422(clerk_client):
    _post(clerk_client, {"document_number": resident_id(seq=301), "name": "孙八"}, key="k-2")
    response = _post(clerk_client, {"document_number": resident_id(seq=303), "name": "孙八"}, key="k-2")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"
    assert InsuredPerson.objects.count() == 1


def test_a_failed_post_does_not_use_up_its_key(clerk_client):
    body = {"document_number": resident_id(seq=401), "name": ""}
    assert _post(clerk_client, body, key="k-3").status_code == 400
    body["name"] = "周九"
    assert _post(clerk_client, body, key="k-3").status_code == 201


def test_auditor_may_look_up_but_not_register(shanghai):
    client = APIClient()
    client.force_login(clerk_user(OfficeFactory(region=shanghai), groups=("auditor",)))
    response = _post(client, {"document_number": resident_id(), "name": "吴十"})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/permission-denied"


def test_every_response_carries_a_request_id(clerk_client):
    response = clerk_client.get("/api/v1/agency/persons", {"document": "1"}, HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    assert len(clerk_client.get("/api/v1/agency/persons")["X-Request-ID"]) == 32
