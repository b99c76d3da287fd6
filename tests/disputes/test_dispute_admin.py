"""The clerks' screens of disputes in Chinese: the queue with its due badge (the clerk's region only), the
counter filing by a proxy, the decision on a dispute's page, a correction proposed and approved by a
second clerk, each through its ServiceForm."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import PensionAccount
from disputes.models import Correction, CorrectionState, Dispute, DisputeState, DisputeTerms
from disputes.services.disputes import dispute_file
from tests.builders import logged_in, person_client, person_viewer
from tests.disputes.factories import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return Desk()


# The read-only inlines' management forms, as the browser sends them with the page's form.
INLINES = {f"{prefix}-{name}": "0" for prefix in ("corrections", "events")
           for name in ("TOTAL_FORMS", "INITIAL_FORMS")}


EVENTS = {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}


def _file(person, text="记录有误"):
    return dispute_file(person=person, subject_kind="statement_year", year=2025, account_text=text,
                        actor=person_viewer(person))


def test_the_queue_shows_the_regions_disputes_with_their_due_date(desk):
    person, _account = desk.insured(name="王本区")
    _file(person)
    elsewhere = Desk(code="110105")
    stranger, _ = elsewhere.insured(seq=401, name="赵外区")
    _file(stranger)
    page = logged_in(desk.clerk).get("/admin/disputes/dispute/?open=1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    text = page.content.decode()
    assert "王本区" in text and "赵外区" not in text and "异议" in text


def test_a_proxy_files_at_the_counter(desk):
    person, _account = desk.insured()
    response = logged_in(desk.clerk).post("/admin/disputes/dispute/add/", {
        "document_number": person.document_number, "subject_kind": "month", "month_text": "2025-03",
        "account_text": "本人委托李四提出异议。", "proxy_name": "李四", "proxy_document": "310101199001011234",
        "proxy_authorisation": SimpleUploadedFile("委托书.pdf", b"%PDF-1.4 x", content_type="application/pdf")})
    assert response.status_code == 302, response.content.decode()[-2000:]
    dispute = Dispute.objects.get(person=person)
    assert dispute.channel == "counter" and dispute.proxy_name == "李四"


def test_the_clerk_confirms_on_the_disputes_page_and_a_refusal_lands_on_the_form(desk):
    person, _account = desk.insured()
    dispute = _file(person)
    url = f"/admin/disputes/dispute/{dispute.pk}/change/"
    client = logged_in(desk.clerk)
    assert client.get(url).status_code == 200
    refused = client.post(url, {"decision": "confirm", "reasons": "", **INLINES}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "A decision gives its reasons." in refused.content.decode()
    assert client.post(url, {"decision": "confirm", "reasons": "记录无误。", **INLINES}).status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.CONFIRMED


def test_a_correction_above_the_amount_is_approved_by_a_second_clerk(desk):
    person, account = desk.insured()
    DisputeTerms.objects.create(region=desk.region, four_eyes_amount=Decimal("10.00"))
    response = logged_in(desk.reviewer).post("/admin/disputes/correction/add/", {
        "document_number": person.document_number, "correction_kind": "account_entry", "amount_value": "50.00",
        "reason_text": "漏记一笔"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    correction = Correction.objects.get(person=person)
    assert correction.state == CorrectionState.PROPOSED
    url = f"/admin/disputes/correctionawaitingapproval/{correction.pk}/change/"
    mine = logged_in(desk.reviewer).post(url, {"decision": "approve", **EVENTS}, HTTP_ACCEPT_LANGUAGE="en")
    assert mine.status_code == 200 and "another clerk must approve it" in mine.content.decode()
    assert logged_in(desk.other_reviewer).post(url, {"decision": "approve", **EVENTS}).status_code == 302
    assert Correction.objects.get(pk=correction.pk).state == CorrectionState.APPLIED
    assert PensionAccount.objects.get(pk=account.pk).balance == account.balance + Decimal("50.00")


def test_a_disputed_month_shows_as_a_month_on_the_clerks_page_and_the_persons(desk):
    person, _account = desk.insured()
    dispute = dispute_file(person=person, subject_kind="month", month=date(2025, 8, 1), account_text="八月漏缴",
                           actor=person_viewer(person))
    page = logged_in(desk.clerk).get(f"/admin/disputes/dispute/{dispute.pk}/change/",
                                     HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2025-08" in page and "2025-08-01" not in page
    mine = person_client(person).get("/me/disputes/").content.decode()
    assert "缴费月份 2025-08" in mine and "2025-08-01" not in mine
