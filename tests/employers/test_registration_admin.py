"""The reviewers' queue of registration applications and the vouchers, in the admin."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from agency.deadlines import today_in_shanghai
from agency.models import Deadline, Document
from common.identifiers import USCC_ALPHABET
from employers.models import Employer, RegistrationApplication
from insured.models import Employment
from tests.builders import clerk, logged_in, supervisor, user_of
from tests.employers.factories import EmployerFactory
from tests.ids import uscc
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% voucher for tests\n%%EOF\n"
QUEUE = "/admin/employers/registrationapplication/"


def _file(name, seed, region_code="310101", with_pdf=True):
    body = {"kind": "new", "uscc": uscc(seed=seed), "name": name, "employer_kind": "enterprise",
            "region_code": region_code, "established_on": (today_in_shanghai() - timedelta(days=3)).isoformat()}
    if with_pdf:
        body |= {"documents": [SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")],
                 "document_kinds": ["business_licence"]}
    response = APIClient().post("/api/v1/registrations", body, format="multipart")
    assert response.status_code == 201, response.json()
    return response.json()


def _decide(client, pk, decision, reason=""):
    return client.post(f"{QUEUE}{pk}/decide/", {"decision": decision, "decision_reason": reason})


def _messages(response) -> str:
    return " | ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_queue_shows_the_clerks_region_ordered_by_due_date(shanghai, beijing):
    _file("晚到期公司", 1)
    sooner = _file("早到期公司", 2)
    _file("外区公司", 3, region_code="110105")
    rule_type = ContentType.objects.get_for_model(RegistrationApplication)
    Deadline.objects.filter(subject_type=rule_type, subject_id=sooner["id"]).update(
        starts_on=today_in_shanghai() - timedelta(days=20), due_on=today_in_shanghai() - timedelta(days=5))
    client = logged_in(clerk(shanghai, ("reviewer",)))

    page = client.get(QUEUE).content.decode()

    assert "外区公司" not in page
    assert page.index("早到期公司") < page.index("晚到期公司")
    assert "overdue" in page
    filtered = client.get(QUEUE, {"state__exact": "approved"}).content.decode()
    assert "晚到期公司" not in filtered


def test_review_page_shows_filed_data_vouchers_and_the_decision_buttons(shanghai):
    created = _file("审核页公司", 4)
    client = logged_in(clerk(shanghai, ("reviewer",)))
    page = client.get(f"{QUEUE}{created['id']}/change/").content.decode()
    assert "营业执照.pdf" in page
    assert hashlib.sha256(PDF).hexdigest() in page
    assert 'name="decision_reason"' in page
    assert 'value="approve"' in page and 'value="reject"' in page and 'value="return"' in page
    assert 'name="_save"' not in page  # nothing is edited in place


def test_a_clerk_without_the_reviewer_group_sees_the_application_but_cannot_decide(shanghai):
    created = _file("只读公司", 5)
    client = logged_in(clerk(shanghai))
    page = client.get(f"{QUEUE}{created['id']}/change/").content.decode()
    assert "只读公司" in page and 'name="decision_reason"' not in page
    assert _decide(client, created["id"], "approve").status_code == 404
    assert RegistrationApplication.objects.get().state == "submitted"


def test_approve_opens_the_next_application_in_the_queue(shanghai):
    first, second = _file("第一家公司", 6), _file("第二家公司", 7)
    user = user_of(clerk(shanghai, ("reviewer",)))
    client = logged_in(user)
    response = _decide(client, first["id"], "approve", "材料齐全")
    assert response.status_code == 302
    assert response.url == f"{QUEUE}{second['id']}/change/"
    followed = client.get(response.url)
    assert "registration number" in _messages(followed)
    approved = RegistrationApplication.objects.get(pk=first["id"])
    assert (approved.state, approved.decided_by, approved.decision_reason) == ("approved", user, "材料齐全")


def test_reject_without_a_reason_is_refused_with_a_message_and_nothing_changes(shanghai):
    created = _file("驳回公司", 8)
    client = logged_in(clerk(shanghai, ("reviewer",)))
    response = _decide(client, created["id"], "reject", "   ")
    assert response.url == f"{QUEUE}{created['id']}/change/"
    assert "reason" in _messages(client.get(response.url)).lower()
    assert RegistrationApplication.objects.get().state == "submitted"

    _decide(client, created["id"], "reject", "非本统筹区单位")
    rejected = RegistrationApplication.objects.get()
    assert (rejected.state, rejected.decision_reason) == ("rejected", "非本统筹区单位")


def test_return_for_correction_stops_the_clock_and_leaves_only_reject(shanghai):
    created = _file("退回公司", 9)
    client = logged_in(clerk(shanghai, ("reviewer",)))
    _decide(client, created["id"], "return", "请补充申请表")
    application = RegistrationApplication.objects.get()
    assert application.state == "returned"
    deadline = Deadline.objects.get(subject_id=application.pk)
    assert (deadline.state, deadline.closed_at is not None) == ("cancelled", True)
    page = client.get(f"{QUEUE}{application.pk}/change/").content.decode()
    assert 'value="reject"' in page and 'value="approve"' not in page
    again = _decide(client, application.pk, "approve")
    assert "cannot be approved" in _messages(client.get(again.url))


def test_bulk_approve_reports_each_outcome(shanghai):
    ok = _file("批量公司", 10)
    employer = EmployerFactory(region=shanghai, name="有职工公司")
    Employment.objects.create(person=PersonFactory(region=shanghai), employer=employer,
                              start_date=today_in_shanghai() - timedelta(days=60), monthly_wage="6000.00")
    cancellation = RegistrationApplication.objects.create(
        kind="cancellation", employer=employer, region=shanghai, uscc=employer.uscc, name=employer.name,
        data={"changed_on": today_in_shanghai().isoformat(), "reason": ""}, event_date=today_in_shanghai(),
        received_at=employer.created_at, applicant="test")
    client = logged_in(clerk(shanghai, ("reviewer",)))

    response = client.post(QUEUE, {"action": "approve_selected", "_selected_action": [ok["id"], cancellation.pk]},
                           follow=True)

    text = _messages(response)
    assert "批量公司" in text and "registration number" in text
    assert "有职工公司" in text and "open employment" in text
    assert RegistrationApplication.objects.get(pk=ok["id"]).state == "approved"
    assert RegistrationApplication.objects.get(pk=cancellation.pk).state == "submitted"


def test_a_clerk_files_at_the_counter_through_the_add_form(shanghai):
    user = user_of(clerk(shanghai))
    client = logged_in(user)
    form = client.get(f"{QUEUE}add/")
    assert form.status_code == 200 and 'name="business_licence"' in form.content.decode()
    code = uscc(seed=11)
    response = client.post(f"{QUEUE}add/", {
        "kind": "new", "uscc": code.lower(), "region": shanghai.pk, "name": "柜台申报公司",
        "employer_kind": "enterprise", "established_on": (today_in_shanghai() - timedelta(days=45)).isoformat(),
        "contact_name": "李女士", "business_licence": SimpleUploadedFile("licence.pdf", PDF, "application/pdf")},
        follow=True)
    assert response.status_code == 200
    application = RegistrationApplication.objects.get()
    assert (application.uscc, application.applicant, application.late) == (code, f"user:{user.pk}", True)
    assert application.documents.get().uploaded_by == f"user:{user.pk}"
    assert application.data["contact_name"] == "李女士"
    token = re.search(r"tracking token (\S+)", _messages(response)).group(1)
    followed = APIClient().get(f"/api/v1/registrations/{application.pk}", HTTP_X_TRACKING_TOKEN=token)
    assert followed.json()["state"] == "submitted"


def test_the_add_form_shows_the_services_refusal_and_writes_nothing(shanghai):
    client = logged_in(clerk(shanghai))
    good = uscc(seed=12)
    bad = good[:17] + next(ch for ch in USCC_ALPHABET if ch != good[17])
    form = {"kind": "new", "uscc": bad, "region": shanghai.pk, "name": "校验位错误公司",
            "employer_kind": "enterprise", "established_on": today_in_shanghai().isoformat()}
    page = client.post(f"{QUEUE}add/", {**form, "uscc": good, "name": ""}).content.decode()
    assert "name is required" in page
    page = client.post(f"{QUEUE}add/", form).content.decode()
    assert f"give {good[17]}" in page
    assert not RegistrationApplication.objects.exists()

    # A real early code failing the check is accepted with a recorded reason and kept on approval.
    form["uscc_override_reason"] = "早期赋码，经核实营业执照原件"
    client.post(f"{QUEUE}add/", form)
    application = RegistrationApplication.objects.get()
    reviewer = logged_in(clerk(shanghai, ("reviewer",)))
    _decide(reviewer, application.pk, "approve")
    employer = Employer.objects.get(uscc=bad)
    assert employer.uscc_override_reason == "早期赋码，经核实营业执照原件"
    assert employer.uscc_override_by is not None


def test_the_add_form_files_a_change_for_a_registered_employer_of_the_region(shanghai, beijing):
    client = logged_in(clerk(shanghai))
    mine, theirs = EmployerFactory(region=shanghai), EmployerFactory(region=beijing)
    form = {"kind": "change", "uscc": theirs.uscc, "changed_on": today_in_shanghai().isoformat(),
            "address": "新地址"}
    page = client.post(f"{QUEUE}add/", form).content.decode()
    assert "No employer with this code" in page
    form["uscc"] = mine.uscc
    client.post(f"{QUEUE}add/", form)
    application = RegistrationApplication.objects.get()
    assert (application.kind, application.employer, application.data["changes"]) == (
        "change", mine, {"address": "新地址"})


def test_voucher_download_streams_the_file_with_its_hash_within_the_region_only(shanghai, beijing):
    _file("下载公司", 13)
    document = Document.objects.get()
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    client = logged_in(clerk(shanghai))

    response = client.get(f"/admin/agency/document/{document.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Voucher-SHA256"] == document.sha256
    assert "attachment" in response["Content-Disposition"]
    outsider = logged_in(clerk(beijing))
    assert outsider.get(f"/admin/agency/document/{document.pk}/download/").status_code == 404
    assert "营业执照" not in outsider.get("/admin/agency/document/").content.decode()


def test_vouchers_are_read_only_in_the_admin(shanghai):
    _file("只读凭证公司", 14)
    document = Document.objects.get()
    client = logged_in(supervisor(shanghai))
    page = client.get(f"/admin/agency/document/{document.pk}/change/").content.decode()
    assert "营业执照.pdf" in page and 'name="_save"' not in page
    assert client.get(f"/admin/agency/document/{document.pk}/delete/").status_code == 403
    assert client.get("/admin/agency/document/add/").status_code == 403


@pytest.mark.parametrize("value", ["３", "٣"])  # full-width and Arabic-Indic three: int() reads both
def test_the_add_form_refuses_a_number_in_other_digits_on_its_field(shanghai, value):
    client = logged_in(clerk(shanghai))
    form = {"kind": "new", "uscc": uscc(seed=13), "region": shanghai.pk, "name": "全角数字公司",
            "employer_kind": "enterprise", "established_on": "2026-01-05", "risk_class": value}
    response = client.post(f"{QUEUE}add/", form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["risk_class"] == ["数字和日期请用半角数字（0-9）填写，不要用全角或其他数字。"]
    assert not RegistrationApplication.objects.exists()
