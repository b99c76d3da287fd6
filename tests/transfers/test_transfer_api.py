"""The person's endpoints through HTTP with the real session login: suspension, certificate, transfers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client

from insured.models import InsuranceRelationship, RelationshipState
from tests.builders import clerk, person_client
from tests.transfers.factories import months_between, mover, paid_months
from transfers.models import Suspension, Transfer
from transfers.services.transfers import transfer_accept, transfer_out

pytestmark = pytest.mark.django_db


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_a_person_applies_to_suspend_once_and_a_retry_with_the_key_replays(shanghai, beijing):
    m = mover(shanghai, beijing, enrol_new=False)
    InsuranceRelationship.objects.filter(person=m.person).update(state=RelationshipState.ACTIVE)
    client = person_client(m.person)
    first = post(client, "/api/v1/me/suspensions", {"region": "310101", "reason": "study_abroad"},
                 HTTP_IDEMPOTENCY_KEY="susp-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["state"] == "pending" and body["region_code"] == "310101" and body["due_on"]
    again = post(client, "/api/v1/me/suspensions", {"region": "310101", "reason": "study_abroad"},
                 HTTP_IDEMPOTENCY_KEY="susp-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json()["id"] == body["id"]
    duplicate = post(client, "/api/v1/me/suspensions", {"region": "310101", "reason": "other"})
    assert duplicate.status_code == 409 and duplicate.json()["type"] == "/problems/duplicate-suspension"
    assert Suspension.objects.count() == 1
    bad = post(client, "/api/v1/me/suspensions", {"region": "999999", "reason": "other"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "region"


def test_an_open_employment_is_a_409_naming_the_employer_first(shanghai, beijing):
    from tests.transfers.factories import enrol

    m = mover(shanghai, beijing, enrol_new=False)
    enrol(m.old_employer, m.number, "李明", date(2026, 8, 3))
    response = post(person_client(m.person), "/api/v1/me/suspensions", {"region": "310101", "reason": "job_transfer"})
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/open-employment"


def test_the_certificate_as_json_and_pdf(shanghai, beijing):
    m = mover(shanghai, beijing, enrol_new=False)
    paid_months(m.person, m.old_employer, months_between(date(2025, 1, 1), date(2025, 6, 1)))
    client = person_client(m.person)
    data = client.get("/api/v1/me/contribution-certificate?region=310101")
    assert data.status_code == 200, data.content
    assert data.json()["months_of_contribution"] == 6 and data.json()["account_balance"] == "2400.00"
    pdf = client.get("/api/v1/me/contribution-certificate?region=310101&as=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get("/api/v1/me/contribution-certificate?region=110105").status_code == 404
    assert client.get("/api/v1/me/contribution-certificate").status_code == 400


def test_a_person_files_and_follows_a_transfer_others_do_not_see_it(shanghai, beijing):
    m = mover(shanghai, beijing)
    client = person_client(m.person)
    filed = post(client, "/api/v1/me/transfers", {"from_region": "310101"}, HTTP_IDEMPOTENCY_KEY="t-1")
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert (body["state"], body["step"], body["step_region"], body["to_region"]) == ("applied", 1, "110105", "110105")
    assert body["due_on"] and body["events"][0]["kind"] == "applied"
    duplicate = post(client, "/api/v1/me/transfers", {"from_region": "310101"})
    assert duplicate.status_code == 409 and duplicate.json()["type"] == "/problems/duplicate-transfer"
    url = f"/api/v1/me/transfers/{body['id']}"
    assert client.get(url + "?document=letter").json()["type"] == "/problems/document-not-issued"

    transfer = Transfer.objects.get()
    transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
    step2 = client.get(url).json()
    assert (step2["state"], step2["step"], step2["step_region"]) == ("accepted", 2, "310101")
    letter = client.get(url + "?document=letter")
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    transfer_out(transfer=transfer, actor=clerk(shanghai), channel="admin")
    step3 = client.get(url).json()
    assert step3["step"] == 3 and step3["account_amount"] == "0.00" and step3["pooled_amount"] == "0.00"
    assert client.get(url + "?document=form").content.startswith(b"%PDF")
    listed = client.get("/api/v1/me/transfers").json()
    assert [t["id"] for t in listed["results"]] == [body["id"]]

    other = mover(shanghai, beijing, seq=125, name="赵六")
    other_client = person_client(other.person)
    assert other_client.get(url).status_code == 404
    assert other_client.get("/api/v1/me/transfers").json()["results"] == []
    staff = Client()
    staff.force_login(User.objects.get(pk=clerk(beijing).user_id))
    assert staff.get(url).status_code == 403  # the person's endpoint; clerks work in the admin


def test_a_transfer_without_enrolment_in_the_new_region_names_the_reason(shanghai, beijing):
    m = mover(shanghai, beijing, enrol_new=False)
    response = post(person_client(m.person), "/api/v1/me/transfers", {"from_region": "310101", "to_region": "110105"})
    assert response.status_code == 409 and response.json()["type"] == "/problems/not-enrolled"
