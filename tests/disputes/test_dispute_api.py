"""The person's disputes over HTTP with the real session login: file, replay, read, the letter, problems."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AccountEntry
from disputes.models import Dispute
from disputes.services.disputes import dispute_decide_confirmed
from tests.builders import person_client
from tests.disputes.factories import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return Desk()


def _post(client, body, **headers):
    return client.post("/api/v1/me/disputes", data=json.dumps(body), content_type="application/json", **headers)


def test_file_replay_read_and_the_letter(desk):
    person, _account = desk.insured()
    client = person_client(person)
    body = {"subject_kind": "month", "month": "2025-03", "account_text": "2025年3月没有缴费记录。"}
    response = _post(client, body, HTTP_IDEMPOTENCY_KEY="dispute-1")
    assert response.status_code == 201, response.content
    filed = response.json()
    assert filed["state"] == "filed" and filed["month"] == "2025-03" and filed["review_due_on"]
    assert response["Location"].endswith(f"/me/disputes/{filed['id']}")
    replay = _post(client, body, HTTP_IDEMPOTENCY_KEY="dispute-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert Dispute.objects.filter(person=person).count() == 1
    listed = client.get("/api/v1/me/disputes").json()
    assert [d["id"] for d in listed["results"]] == [filed["id"]]
    letter = client.get(f"/api/v1/me/disputes/{filed['id']}/letter")
    assert letter.status_code == 409 and letter.json()["type"].endswith("/dispute-letter-not-issued")
    dispute_decide_confirmed(dispute=Dispute(pk=filed["id"]), reasons="记录无误。", actor=desk.clerk)
    detail = client.get(f"/api/v1/me/disputes/{filed['id']}").json()
    assert detail["state"] == "confirmed" and detail["letter"].endswith("/letter")
    assert detail["decided_at"].endswith("+08:00")
    pdf = client.get(detail["letter"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_with_documents_keeps_the_evidence(desk):
    person, _account = desk.insured()
    response = person_client(person).post("/api/v1/me/disputes/with-documents", {
        "subject_kind": "statement_year", "year": "2025", "account_text": "对账单有误",
        "documents": [SimpleUploadedFile("工资条.pdf", b"%PDF-1.4 payslip", content_type="application/pdf")]})
    assert response.status_code == 201, response.content
    assert [d.kind for d in Dispute.objects.get().documents.all()] == ["dispute_evidence"]


def test_another_persons_dispute_and_entry_are_not_found(desk):
    person, _account = desk.insured()
    other, other_account = desk.insured(seq=312)
    theirs = _post(person_client(other), {"subject_kind": "statement_year", "year": 2025, "account_text": "x"})
    assert theirs.status_code == 201
    client = person_client(person)
    assert client.get(f"/api/v1/me/disputes/{theirs.json()['id']}").status_code == 404
    assert client.get(f"/api/v1/me/disputes/{theirs.json()['id']}/letter").status_code == 404
    foreign = AccountEntry.objects.filter(account=other_account).first()
    refused = _post(client, {"subject_kind": "account_entry", "entry": foreign.pk, "account_text": "x"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "entry"


@pytest.mark.parametrize(("body", "field"), [
    ({"subject_kind": "month", "month": "2099-01"}, "month"),
    ({"subject_kind": "month", "month": "２０２５-03"}, "month"),
    ({"subject_kind": "statement_year", "year": 1980}, "year"),
    ({"subject_kind": "gossip"}, "subject_kind"),
])
def test_bad_input_is_a_problem_naming_the_field(desk, body, field):
    person, _account = desk.insured()
    response = _post(person_client(person), {"account_text": "x", **body})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_the_persons_own_page_lists_their_disputes_with_state_and_letter():
    """Item 5 of the disputes' brief: /me/disputes/ in Chinese, the person's own only, the letter linked."""
    from datetime import date

    from disputes.services.disputes import dispute_file
    from tests.builders import person_viewer

    desk = Desk()
    person, _account = desk.insured()
    other, _ = desk.insured(seq=312)
    open_one = dispute_file(person=person, subject_kind="month", month=date(2025, 3, 1), account_text="三月漏记",
                            actor=person_viewer(person))
    decided = dispute_file(person=person, subject_kind="statement_year", year=2025, account_text="余额不对",
                           actor=person_viewer(person))
    dispute_decide_confirmed(dispute=decided, reasons="经核查，记录无误。", actor=desk.reviewer)
    dispute_file(person=other, subject_kind="month", month=date(2025, 4, 1), account_text="别人的", actor=person_viewer(other))
    client = person_client(person)
    page = client.get("/me/disputes/").content.decode()
    assert "缴费月份 2025-03" in page and "已受理，待复核" in page
    assert "权益记录单年度 2025" in page and "维持原记录" in page and "经核查，记录无误。" in page
    assert "2025-04" not in page  # another person's dispute
    letter = client.get(f"/me/disputes/{decided.pk}/letter.pdf")
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    assert client.get(f"/me/disputes/{open_one.pk}/letter.pdf").status_code == 404
    assert person_client(other).get(f"/me/disputes/{decided.pk}/letter.pdf").status_code == 404
