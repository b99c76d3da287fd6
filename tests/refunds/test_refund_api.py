"""The person's refund over HTTP with the real session login: apply, follow, problems, idempotency."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from refunds.models import Refund
from refunds.services.refunds import refund_audit
from tests.builders import person_client
from tests.refunds.factories import Desk, insured_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return Desk()


@pytest.fixture
def foreigner(desk):
    person, _ = insured_with_account(desk.region, document_type="passport", document_number="E77001234",
                                     nationality="GBR", birth_date=date(1988, 4, 2), sex="F")
    return person


def _post(client, body, **headers):
    return client.post("/api/v1/me/refunds", data=json.dumps(body), content_type="application/json", **headers)


def test_a_foreigner_applies_and_follows_the_steps(desk, foreigner):
    client = person_client(foreigner)
    response = _post(client, {"reason": "foreigner_leaving", "bank_account": "GB29NWBK60161331926819"},
                     HTTP_IDEMPOTENCY_KEY="refund-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["next_step_due_on"] and response["Location"].endswith(str(body["id"]))
    replay = _post(client, {"reason": "foreigner_leaving", "bank_account": "GB29NWBK60161331926819"},
                   HTTP_IDEMPOTENCY_KEY="refund-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert Refund.objects.filter(person=foreigner).count() == 1
    refund_audit(refund=Refund(pk=body["id"]), actor=desk.clerk)
    followed = client.get(f"/api/v1/me/refunds/{body['id']}").json()
    assert followed["state"] == "audited" and [e["kind"] for e in followed["events"]] == ["applied", "audited"]


def test_the_written_application_is_kept_as_a_voucher(desk, foreigner):
    client = person_client(foreigner)
    response = client.post("/api/v1/me/refunds", {
        "reason": "foreigner_leaving", "bank_account": "6222",
        "documents": [SimpleUploadedFile("申请书.pdf", b"%PDF-1.4 application", content_type="application/pdf")]})
    assert response.status_code == 201, response.content
    assert [d.kind for d in Refund.objects.get().documents.all()] == ["application_form"]


@pytest.mark.parametrize(("reason", "slug", "rule"), [
    ("settling_abroad", "refund-settling-abroad", "Order No. 13 of 2011"),
    ("other", "refund-early-withdrawal", "Social Insurance Law Art. 14"),
    ("retirement_short", "validation-error", None)])  # her original-age category is not recorded
def test_refused_reasons_are_problems_naming_the_rule(foreigner, reason, slug, rule):
    response = _post(person_client(foreigner), {"reason": reason, "bank_account": "6222"})
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith(f"/problems/{slug}") and problem.get("rule") == rule
    assert not Refund.objects.exists()


def test_the_heirs_refund_is_not_a_persons_choice(foreigner):
    response = _post(person_client(foreigner), {"reason": "death", "bank_account": "6222"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"


def test_a_person_sees_only_their_own_refund(desk, foreigner):
    client = person_client(foreigner)
    refund_id = _post(client, {"reason": "foreigner_leaving", "bank_account": "6222"}).json()["id"]
    other, _ = insured_with_account(desk.region, seq=317)
    assert person_client(other).get(f"/api/v1/me/refunds/{refund_id}").status_code == 404
    assert client.get(f"/api/v1/me/refunds/{refund_id}").status_code == 200


def test_the_problem_type_page_explains_the_rule():
    page = Client().get("/problems/refund-early-withdrawal")
    assert page.status_code == 200 and "Art. 14" in page.content.decode()


def test_the_decision_at_retirement_age_tells_the_person_they_may_keep_contributing(desk):
    person, _ = insured_with_account(desk.region, original_retirement_age="men_60", seq=319)
    body = _post(person_client(person), {"reason": "retirement_short", "bank_account": "6222"}).json()
    assert "180" in body["alternative"] and "24" in body["alternative"]
