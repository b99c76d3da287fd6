"""Employer registration applications (Art. 57) over HTTP: filing, following, deciding, correcting."""

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import translation
from rest_framework.test import APIClient

from agency.deadlines import today_in_shanghai
from agency.models import CalendarDay, CalendarYear, Deadline, Document
from agency.workdays import add_working_days
from common.access import Kind, Viewer
from common.identifiers import USCC_ALPHABET
from common.problems import ApplicationError, Duplicate, NotFound, ValidationFailed
from employers.models import Employer, RegistrationApplication, RegistrationEvent, RegistrationTerms
from employers.services.clients import employer_client_issue
from employers.services.registrations import (
    registration_approve,
    registration_reject,
    registration_resubmit,
    registration_return,
    registration_submit,
)
from insured.models import Employment
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user, terms_set
from tests.builders import clerk, logged_in, portal, user_of
from tests.concurrency import run_together
from tests.employers.factories import EmployerFactory
from tests.ids import uscc
from tests.insured.factories import PersonFactory
from tests.problems import refused_in_chinese

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def shanghai():
    region = RegionFactory(code="310101", name="黄浦区")
    OfficeFactory(region=region, name="黄浦区社保中心")
    return region


@pytest.fixture
def beijing():
    region = RegionFactory(code="110105", name="朝阳区")
    OfficeFactory(region=region, name="朝阳区社保中心")
    return region


def _reviewer(region):
    client = logged_in(clerk_user(region.offices.first(), groups=("reviewer",)))
    return client


def _filing(**overrides):
    body = {"kind": "new", "uscc": uscc(seed=7), "name": "上海新设有限公司", "employer_kind": "enterprise",
            "region_code": "310101", "established_on": (today_in_shanghai() - timedelta(days=10)).isoformat(),
            "contact_name": "王经理", "contact_phone": "021-55550000", "contact_email": "hr@example.cn",
            "address": "上海市黄浦区中山东一路1号"}
    body.update(overrides)
    return body


def _file_json(api, key=None, **overrides):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post("/api/v1/registrations", data=json.dumps(_filing(**overrides)), content_type="application/json",
                    **headers)


def _file_multipart(api, **overrides):
    body = {**_filing(**overrides),
            "documents": [SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")],
            "document_kinds": ["business_licence"]}
    return api.post("/api/v1/registrations", body, format="multipart")


def _follow(application_id, token):
    return APIClient().get(f"/api/v1/registrations/{application_id}", HTTP_X_TRACKING_TOKEN=token)


def _decide(client, application_id, decision, reason=""):
    return client.post(f"/admin/employers/registrationapplication/{application_id}/decide/",
                       {"decision": decision, "decision_reason": reason})


def _deadlines(application_id):
    return Deadline.objects.filter(subject_type=ContentType.objects.get_for_model(RegistrationApplication),
                                   subject_id=application_id).order_by("id")


class PortalApi:
    """An employer's HR portal with a real client-credentials token."""

    def __init__(self, employer, scope="read write"):
        issued, secret = employer_client_issue(employer=employer, actor=Viewer.system(), client_secret="portal-secret-x")
        self.api = APIClient()
        token = self.api.post("/o/token/", {"grant_type": "client_credentials", "scope": scope,
                                            "client_id": issued.application.client_id,
                                            "client_secret": secret}).json()["access_token"]
        self.api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def file(self, body):
        return self.api.post("/api/v1/registrations", data=json.dumps(body), content_type="application/json")


def test_full_path_file_follow_approve_and_issue_a_client(shanghai):
    response = _file_multipart(APIClient())
    assert response.status_code == 201, response.json()
    body = response.json()
    today = today_in_shanghai()
    assert body["state"] == "submitted"
    assert body["due_on"] == (today + timedelta(days=15)).isoformat()  # 15 calendar days by default
    assert body["late"] is False
    assert response["Location"] == f"/api/v1/registrations/{body['id']}"
    token = body["tracking_token"]
    assert len(token) >= 24
    [document] = body["documents"]
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert document["kind"] == "business_licence"

    application = RegistrationApplication.objects.get()
    assert application.tracking_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(application.data)
    assert application.applicant == f"applicant:{application.uscc}"
    assert not Employer.objects.exists()  # no employer until approval

    followed = _follow(body["id"], token)
    assert followed.status_code == 200
    assert followed.json()["state"] == "submitted"
    assert "tracking_token" not in followed.json()

    reviewer = _reviewer(shanghai)
    assert _decide(reviewer, body["id"], "approve").status_code == 302

    employer = Employer.objects.get(uscc=application.uscc)
    assert employer.registration_status == "registered"
    assert employer.registration_number == f"310101{today.year}000001"
    assert employer.registered_on == today
    assert (employer.name, employer.region, employer.contact_email) == ("上海新设有限公司", shanghai, "hr@example.cn")
    application.refresh_from_db()
    assert (application.state, application.employer) == ("approved", employer)
    assert application.decided_by is not None and application.decided_at is not None
    assert _deadlines(application.pk).get().state == "met"

    followed = _follow(body["id"], token).json()
    assert (followed["state"], followed["registration_number"], followed["due_on"]) == (
        "approved", employer.registration_number, None)

    client, secret = employer_client_issue(employer=employer, actor=Viewer.system())
    assert client.employer == employer and secret


def test_registration_numbers_count_up_per_region_and_year(shanghai):
    reviewer = _reviewer(shanghai)
    for seed in (11, 12):
        created = _file_json(APIClient(), uscc=uscc(seed=seed)).json()
        _decide(reviewer, created["id"], "approve")
    year = today_in_shanghai().year
    assert sorted(Employer.objects.values_list("registration_number", flat=True)) == [
        f"310101{year}000001", f"310101{year}000002"]


def test_working_day_review_period_when_the_region_says_so(shanghai):
    terms_set(shanghai, RegistrationTerms, review_in_working_days=True)
    today = today_in_shanghai()
    for year in (today.year, today.year + 1):
        CalendarYear.objects.get_or_create(year=year)
    # A holiday on the next weekday after today pushes the due date one working day further.
    holiday = next(today + timedelta(days=n) for n in range(1, 8) if (today + timedelta(days=n)).weekday() < 5)
    CalendarDay.objects.update_or_create(date=holiday, defaults={"kind": "holiday", "name": "测试假日"})
    kinds = dict(CalendarDay.objects.values_list("date", "kind"))

    response = _file_json(APIClient())

    assert response.status_code == 201, response.json()
    day, counted = today, 0
    while counted < 15:
        day += timedelta(days=1)
        counted += kinds.get(day) == "workday" or (kinds.get(day) != "holiday" and day.weekday() < 5)
    assert day - today >= timedelta(days=15 + 4)  # at least three weekends and the holiday
    assert response.json()["due_on"] == day.isoformat() == add_working_days(today, 15).isoformat()


def test_working_days_without_a_calendar_for_the_year_is_a_problem_and_nothing_is_filed(shanghai, settings):
    terms_set(shanghai, RegistrationTerms, review_in_working_days=True)
    today = today_in_shanghai()
    CalendarYear.objects.filter(year__in=[today.year, today.year + 1]).delete()
    response = _file_json(APIClient())
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/calendar-not-covered"
    assert not RegistrationApplication.objects.exists()
    # With vouchers: stored in the service's transaction, removed again when it fails.
    response = _file_multipart(APIClient())
    assert response.status_code == 422
    assert not Document.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


@pytest.mark.parametrize(("days_ago", "late"), [(30, False), (31, True)])
def test_late_when_filed_more_than_30_days_after_establishment(shanghai, days_ago, late):
    established = today_in_shanghai() - timedelta(days=days_ago)
    response = _file_json(APIClient(), established_on=established.isoformat())
    assert response.status_code == 201
    assert response.json()["late"] is late
    assert RegistrationApplication.objects.get().late is late


def test_wrong_check_character_is_a_400_naming_field_and_expected_character(shanghai):
    good = uscc(seed=21)
    bad = good[:17] + next(ch for ch in USCC_ALPHABET if ch != good[17])
    response = _file_json(APIClient(), uscc=bad)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    [error] = response.json()["errors"]
    assert (error["field"], error["code"], error["expected"]) == ("uscc", "check_character", good[17])
    assert not RegistrationApplication.objects.exists() and not Document.objects.exists()


def test_unknown_region_is_a_400_and_nothing_is_written(shanghai):
    response = _file_multipart(APIClient(), region_code="999999")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "region_code"
    assert not RegistrationApplication.objects.exists() and not Document.objects.exists()


def test_invalid_fields_are_problems_not_500s(shanghai):
    api = APIClient()
    assert _file_json(api, established_on="2024-02-30").json()["errors"][0]["field"] == "established_on"
    assert _file_json(api, employer_kind="pirate").json()["errors"][0]["field"] == "employer_kind"
    assert _file_json(api, name="").json()["errors"][0]["field"] == "name"
    future = (today_in_shanghai() + timedelta(days=1)).isoformat()
    assert _file_json(api, established_on=future).json()["errors"][0]["code"] == "future"
    mismatch = api.post("/api/v1/registrations", {**_filing(), "document_kinds": ["business_licence"]},
                        format="multipart")
    assert (mismatch.status_code, mismatch.json()["errors"][0]["field"]) == (400, "document_kinds")
    garbage = api.post("/api/v1/registrations", data="{not json", content_type="application/json")
    assert (garbage.status_code, garbage["Content-Type"]) == (400, PROBLEM)
    assert not RegistrationApplication.objects.exists()


def test_second_open_application_for_the_same_code_is_a_409(shanghai):
    api = APIClient()
    assert _file_json(api).status_code == 201
    response = _file_json(api, name="另一个名字")
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/duplicate"
    # The portal's form marks the field at fault (found by mutation testing: the errors were not checked).
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("uscc", "open_application")]
    assert "already open" in response.json()["detail"]  # says which application to follow instead
    # A Chinese applicant reads both the reason and the field's message in Chinese (issue 21's
    # mutation run: a changed wording went unseen).
    chinese = api.post("/api/v1/registrations", data=json.dumps(_filing(name="另一个名字")),
                       content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert chinese.status_code == 409
    assert chinese.json()["detail"] == ("此统一社会信用代码已有一份未办结的申请（已提交或已退回补正）；"
                                        "请跟进或补正该申请。")
    assert chinese.json()["errors"] == [{"field": "uscc", "code": "open_application", "message": "已有未办结的申请。"}]
    assert RegistrationApplication.objects.count() == 1


def test_new_application_for_a_registered_employer_is_a_409(shanghai):
    employer = EmployerFactory(region=shanghai)
    response = _file_json(APIClient(), uscc=employer.uscc)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "registered"


def test_idempotency_key_replay_creates_one_application(shanghai):
    api = APIClient()
    first = _file_json(api, key="reg-1")
    second = _file_json(api, key="reg-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == {**first.json(), "tracking_token": None}  # the token is shown once only
    assert RegistrationApplication.objects.count() == 1
    # Another applicant's key space is separate: the same key for another code is a new filing.
    assert _file_json(api, key="reg-1", uscc=uscc(seed=31)).status_code == 201
    assert RegistrationApplication.objects.count() == 2


def test_anonymous_replay_does_not_reveal_the_tracking_token_to_another_caller(shanghai):
    """Issue 9 item 6: the README's key with the same public data (USCC, name) used to replay the
    original applicant's tracking token to anyone."""
    original = _file_json(APIClient(), key="reg-0001")
    token = original.json()["tracking_token"]
    assert original.status_code == 201 and token

    stranger = _file_json(APIClient(REMOTE_ADDR="203.0.113.9"), key="reg-0001")
    assert stranger.status_code == 201 and stranger["Idempotent-Replayed"] == "true"
    assert stranger.json()["tracking_token"] is None
    assert token not in stranger.content.decode()
    assert _follow(stranger.json()["id"], "").status_code == 404  # nothing else lets the stranger in
    # Nor is the token kept in plain text with the key: only its hash, on the application.
    from common.models import IdempotencyRecord

    assert all(token.encode() not in bytes(r.body) for r in IdempotencyRecord.objects.all())
    assert _follow(original.json()["id"], token).status_code == 200  # the applicant's token still works


def test_return_then_resubmit_restarts_the_review_period(shanghai):
    created = _file_json(APIClient()).json()
    token, pk = created["tracking_token"], created["id"]
    # Filed five days ago: the first clock started then.
    five_days_ago = today_in_shanghai() - timedelta(days=5)
    _deadlines(pk).update(starts_on=five_days_ago, due_on=five_days_ago + timedelta(days=15))

    reviewer = _reviewer(shanghai)
    assert _decide(reviewer, pk, "return", "营业执照复印件不清晰，请重新上传。").status_code == 302
    returned = _follow(pk, token).json()
    assert (returned["state"], returned["due_on"]) == ("returned", None)
    assert returned["decision_reason"] == "营业执照复印件不清晰，请重新上传。"

    response = APIClient().post(
        f"/api/v1/registrations/{pk}/resubmit",
        {"contact_phone": "021-66660000", "documents": [SimpleUploadedFile("licence-2.pdf", PDF + b"%2")],
         "document_kinds": ["business_licence"]},
        format="multipart", HTTP_X_TRACKING_TOKEN=token)

    assert response.status_code == 200, response.json()
    body = response.json()
    today = today_in_shanghai()
    # The return's reason is not blanked: it stays readable, and every step is in the history.
    assert (body["state"], body["submissions"]) == ("submitted", 2)
    assert body["decision_reason"] == "营业执照复印件不清晰，请重新上传。"
    assert [(step["kind"], step["reason"]) for step in body["history"]] == [
        ("filed", ""), ("returned", "营业执照复印件不清晰，请重新上传。"), ("resubmitted", "")]
    assert body["due_on"] == (today + timedelta(days=15)).isoformat()
    assert body["data"]["contact_phone"] == "021-66660000"
    assert body["data"]["contact_name"] == "王经理"  # what was not corrected stays
    assert [d["original_name"] for d in body["documents"]] == ["licence-2.pdf"]
    old, new = _deadlines(pk)
    assert (old.state, old.starts_on, old.closed_at is not None) == ("cancelled", five_days_ago, True)
    assert (new.state, new.starts_on, new.due_on) == ("open", today, today + timedelta(days=15))


def test_every_step_is_an_append_only_event_with_actor_reason_before_and_after(shanghai):
    created = _file_json(APIClient()).json()
    pk, token = created["id"], created["tracking_token"]
    application = RegistrationApplication.objects.get(pk=pk)
    reviewer = clerk(shanghai, ("reviewer",))
    reviewer_user = user_of(reviewer)
    registration_return(application=application, actor=reviewer, reason="缺少法定代表人签字。")
    registration_resubmit(application=application, actor=Viewer(Kind.NOBODY),
                          corrections={"contact_phone": "021-66660000"})
    registration_return(application=application, actor=reviewer, reason="地址与营业执照不一致。")
    registration_resubmit(application=application, actor=Viewer(Kind.NOBODY),
                          corrections={"address": "上海市黄浦区中山东一路2号"})
    registration_approve(application=application, actor=reviewer, note="材料齐全。")

    steps = list(RegistrationEvent.objects.filter(application_id=pk).order_by("id"))
    assert [(e.kind, e.reason) for e in steps] == [
        ("filed", ""), ("returned", "缺少法定代表人签字。"), ("resubmitted", ""),
        ("returned", "地址与营业执照不一致。"), ("resubmitted", ""), ("approved", "材料齐全。")]
    code = RegistrationApplication.objects.get(pk=pk).uscc
    assert [e.actor for e in steps] == [f"applicant:{code}", f"user:{reviewer_user.pk}", f"applicant:{code}",
                                        f"user:{reviewer_user.pk}", f"applicant:{code}", f"user:{reviewer_user.pk}"]
    assert steps[1].actor_user == reviewer_user and steps[0].actor_user is None
    assert (steps[1].before["state"], steps[1].after["state"]) == ("submitted", "returned")
    assert steps[2].before["data"]["contact_phone"] == "021-55550000"
    assert steps[2].after["data"]["contact_phone"] == "021-66660000"
    assert (steps[4].before["submissions"], steps[4].after["submissions"]) == (2, 3)
    employer = Employer.objects.get(uscc=code)
    assert steps[5].after["state"] == "approved"
    assert steps[5].after["employer"]["registration_number"] == employer.registration_number
    # The applicant reads every decision, oldest first.
    history = _follow(pk, token).json()["history"]
    assert [step["reason"] for step in history if step["kind"] == "returned"] == [
        "缺少法定代表人签字。", "地址与营业执照不一致。"]
    # Append-only in the database.
    with pytest.raises(DatabaseError), transaction.atomic():
        RegistrationEvent.objects.filter(pk=steps[1].pk).update(reason="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        RegistrationEvent.objects.filter(pk=steps[1].pk).delete()
    assert RegistrationEvent.objects.get(pk=steps[1].pk).reason == "缺少法定代表人签字。"


def test_a_rejection_and_a_change_approval_record_their_event(shanghai):
    created = _file_json(APIClient()).json()
    application = RegistrationApplication.objects.get(pk=created["id"])
    registration_reject(application=application, actor=Viewer.system(), reason="不属于本统筹区。")
    rejected = RegistrationEvent.objects.get(application=application, kind="rejected")
    assert (rejected.reason, rejected.actor, rejected.before["state"], rejected.after["state"]) == (
        "不属于本统筹区。", "system", "submitted", "rejected")

    employer = EmployerFactory(region=shanghai, name="旧名称有限公司")
    change, _token = registration_submit(kind="change", actor=portal(employer, client_id="c1"),
                                         changed_on=today_in_shanghai(), changes={"name": "新名称有限公司"})
    registration_approve(application=change, actor=Viewer.system())
    approved = RegistrationEvent.objects.get(application=change, kind="approved")
    # The employer's registration and the changed fields, before and after (issue 21: only the name was asserted).
    assert approved.before["employer"] == {"registration_status": "registered",
                                           "registration_number": employer.registration_number, "name": "旧名称有限公司"}
    assert approved.after["employer"] == {"registration_status": "registered",
                                          "registration_number": employer.registration_number, "name": "新名称有限公司"}
    assert RegistrationEvent.objects.get(application=change, kind="filed").actor == "client:c1"


@pytest.mark.parametrize("groups", [("clerk",), ("auditor",)])
def test_only_reviewers_decide_registrations_whoever_calls_the_service(shanghai, groups):
    created = _file_json(APIClient()).json()
    application = RegistrationApplication.objects.get(pk=created["id"])
    actor = clerk(shanghai, groups)
    for decide in (lambda: registration_approve(application=application, actor=actor),
                   lambda: registration_reject(application=application, actor=actor, reason="x"),
                   lambda: registration_return(application=application, actor=actor, reason="x")):
        with pytest.raises(ApplicationError) as refused:
            decide()
        assert refused.value.status == 403
    assert RegistrationApplication.objects.get(pk=application.pk).state == "submitted"
    assert list(RegistrationEvent.objects.values_list("kind", flat=True)) == ["filed"]


def test_only_a_returned_application_can_be_resubmitted(shanghai):
    created = _file_json(APIClient()).json()
    response = APIClient().post(f"/api/v1/registrations/{created['id']}/resubmit", {"contact_phone": "1"},
                                format="json", HTTP_X_TRACKING_TOKEN=created["tracking_token"])
    assert response.status_code == 409
    assert RegistrationApplication.objects.get().submissions == 1


def test_reject_needs_a_reason(shanghai):
    created = _file_json(APIClient()).json()
    application = RegistrationApplication.objects.get(pk=created["id"])
    clerk = Viewer.system()
    for blank in ("  ", None):  # None too: no placeholder reason is recorded
        with pytest.raises(ValidationFailed) as refused:
            registration_reject(application=application, actor=clerk, reason=blank)
        assert [(e["field"], e["code"], str(e["message"])) for e in refused.value.errors] == [
            ("reason", "required", "Give the reason; the applicant reads it.")]
    registration_reject(application=application, actor=clerk, reason="不属于本统筹区。")
    followed = _follow(created["id"], created["tracking_token"]).json()
    assert (followed["state"], followed["decision_reason"]) == ("rejected", "不属于本统筹区。")
    assert _deadlines(created["id"]).get().state == "met"
    # The code is free again for a new application.
    assert _file_json(APIClient()).status_code == 201


def test_wrong_or_missing_tracking_token_is_a_404_problem(shanghai):
    created = _file_json(APIClient()).json()
    for headers in ({"HTTP_X_TRACKING_TOKEN": "not-the-token"}, {}):
        response = APIClient().get(f"/api/v1/registrations/{created['id']}", **headers)
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
        assert response.json()["type"] == "/problems/not-found"
    missing = APIClient().get("/api/v1/registrations/999999", HTTP_X_TRACKING_TOKEN=created["tracking_token"])
    assert missing.status_code == 404
    # The applicant is told what to give, in their language (found by mutation testing).
    chinese = APIClient().get(f"/api/v1/registrations/{created['id']}", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "X-Tracking-Token" in chinese.json()["detail"] and "查询令牌" in chinese.json()["detail"]
    resubmit = APIClient().post(f"/api/v1/registrations/{created['id']}/resubmit", {}, format="json",
                                HTTP_X_TRACKING_TOKEN="nope")
    assert resubmit.status_code == 404


def test_a_change_filed_by_the_portal_is_applied_on_approval(shanghai):
    employer = EmployerFactory(region=shanghai, name="旧名称有限公司", address="旧地址")
    portal = PortalApi(employer)
    changed_on = today_in_shanghai() - timedelta(days=40)
    response = portal.file({"kind": "change", "changed_on": changed_on.isoformat(),
                            "data": {"name": "新名称有限公司", "address": "上海市黄浦区新地址2号", "risk_class": 3}})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["uscc"], body["late"]) == (employer.uscc, True)  # 40 days after the change
    # The portal follows it with its own token; no tracking token needed.
    assert portal.api.get(f"/api/v1/registrations/{body['id']}").json()["state"] == "submitted"

    _decide(_reviewer(shanghai), body["id"], "approve")

    employer.refresh_from_db()
    assert (employer.name, employer.address, employer.risk_class) == ("新名称有限公司", "上海市黄浦区新地址2号", 3)
    assert employer.registration_number  # unchanged
    from pghistory.models import Events

    assert Events.objects.tracks(employer).filter(pgh_data__name="旧名称有限公司").exists()


def test_change_with_an_unknown_field_or_nothing_is_a_400(shanghai):
    portal = PortalApi(EmployerFactory(region=shanghai))
    today = today_in_shanghai().isoformat()
    unknown = portal.file({"kind": "change", "changed_on": today, "data": {"uscc": "X"}})
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (400, "data.uscc")
    empty = portal.file({"kind": "change", "changed_on": today})
    assert (empty.status_code, empty.json()["errors"][0]["field"]) == (400, "data")
    bad_kind = portal.file({"kind": "change", "changed_on": today, "data": {"kind": "pirate"}})
    assert bad_kind.json()["errors"][0]["field"] == "data.kind"
    assert not RegistrationApplication.objects.exists()


def test_change_and_cancellation_need_the_employers_portal_with_write_scope(shanghai):
    employer = EmployerFactory(region=shanghai)
    body = {"kind": "cancellation", "changed_on": today_in_shanghai().isoformat(), "uscc": employer.uscc}
    anonymous = APIClient().post("/api/v1/registrations", body, format="json")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == PROBLEM
    read_only = PortalApi(employer, scope="read").file(body)
    assert read_only.status_code == 403
    other = PortalApi(EmployerFactory(region=shanghai)).file(body)  # another employer's portal
    assert other.status_code == 400
    assert [(e["field"], e["code"]) for e in other.json()["errors"]] == [("uscc", "not_yours")]
    assert not RegistrationApplication.objects.exists()
    # Its own code, as a person might type it (found by mutation testing: no test gave its own code).
    own = PortalApi(employer).file({**body, "uscc": f" {employer.uscc.lower()} "})
    assert own.status_code == 201, own.json()
    assert own.json()["uscc"] == employer.uscc


def test_another_employers_portal_cannot_follow_the_application(shanghai):
    employer = EmployerFactory(region=shanghai)
    created = PortalApi(employer).file({"kind": "cancellation", "changed_on": today_in_shanghai().isoformat(),
                                        "reason": "公司解散"}).json()
    other = PortalApi(EmployerFactory(region=shanghai))
    assert other.api.get(f"/api/v1/registrations/{created['id']}").status_code == 404


def test_cancellation_is_refused_while_the_employer_has_open_employment(shanghai):
    employer = EmployerFactory(region=shanghai)
    portal = PortalApi(employer)
    employment = Employment.objects.create(person=PersonFactory(region=shanghai), employer=employer,
                                           start_date=today_in_shanghai() - timedelta(days=100),
                                           monthly_wage="8000.00")
    created = portal.file({"kind": "cancellation", "changed_on": today_in_shanghai().isoformat(),
                           "reason": "公司解散"}).json()
    reviewer = _reviewer(shanghai)

    refused = _decide(reviewer, created["id"], "approve")

    assert refused.status_code == 302
    page = reviewer.get(refused.url).content.decode()
    assert "open employment" in page
    employer.refresh_from_db()
    assert employer.registration_status == "registered"
    assert RegistrationApplication.objects.get().state == "submitted"

    Employment.objects.filter(pk=employment.pk).update(end_date=today_in_shanghai())
    _decide(reviewer, created["id"], "approve")
    employer.refresh_from_db()
    assert employer.registration_status == "cancelled"
    assert not employer.clients.filter(revoked_at__isnull=True).exists()
    assert portal.api.get("/api/v1/employer").status_code == 401  # its tokens stopped working


def test_another_regions_clerk_can_neither_see_nor_decide(shanghai, beijing):
    created = _file_json(APIClient()).json()
    outsider = _reviewer(beijing)
    listing = outsider.get("/admin/employers/registrationapplication/").content.decode()
    assert "上海新设有限公司" not in listing
    assert outsider.get(f"/admin/employers/registrationapplication/{created['id']}/change/").status_code == 302
    assert _decide(outsider, created["id"], "approve").status_code == 404
    assert RegistrationApplication.objects.get().state == "submitted"
    assert not Employer.objects.exists()


def test_vouchers_are_immutable_in_the_database(shanghai):
    _file_multipart(APIClient())
    document = Document.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(kind="other")
    with pytest.raises(DatabaseError), transaction.atomic():
        Document.objects.filter(pk=document.pk).delete()
    assert Document.objects.get().kind == "business_licence"


def test_a_filing_larger_than_the_upload_limit_is_a_413_problem(shanghai, settings):
    settings.REQUEST_MAX_BYTES = 100_000
    body = {**_filing(), "document_kinds": ["business_licence"],
            "documents": [SimpleUploadedFile("big.pdf", PDF + b"0" * 200_000, content_type="application/pdf")]}
    response = APIClient().post("/api/v1/registrations", body, format="multipart")
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert not RegistrationApplication.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400_even_with_an_idempotency_key(shanghai):
    response = APIClient().post("/api/v1/registrations", data="[1, 2]", content_type="application/json",
                                HTTP_IDEMPOTENCY_KEY="k-list")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


def test_a_change_in_multipart_carries_data_as_a_json_string(shanghai):
    employer = EmployerFactory(region=shanghai)
    portal = PortalApi(employer)
    response = portal.api.post("/api/v1/registrations", {
        "kind": "change", "changed_on": today_in_shanghai().isoformat(),
        "data": json.dumps({"contact_phone": "021-12345678"}), "document_kinds": ["application_form"],
        "documents": [SimpleUploadedFile("变更申请表.pdf", PDF, content_type="application/pdf")]}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["data"]["changes"] == {"contact_phone": "021-12345678"}
    assert response.json()["documents"][0]["kind"] == "application_form"
    bad = portal.api.post("/api/v1/registrations", {"kind": "change", "changed_on": today_in_shanghai().isoformat(),
                                                    "data": "{oops"}, format="multipart")
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (400, "data")


# --- races on real PostgreSQL: threads with their own connections, committed data ------------------

def _submit(code, name):
    return lambda: registration_submit(kind="new", actor=Viewer(Kind.NOBODY), uscc=code, name=name,
                                       employer_kind="enterprise", region_code="310101",
                                       established_on=today_in_shanghai())


RACE = pytest.mark.django_db(transaction=True)


@RACE
def test_two_filings_for_the_same_code_at_once_one_is_a_duplicate(shanghai):
    code = uscc(seed=41)
    results = run_together(_submit(code, "甲"), _submit(code, "乙"))
    assert sorted(type(r).__name__ for r in results) == ["Duplicate", "tuple"]
    assert RegistrationApplication.objects.filter(uscc=code).count() == 1
    assert Deadline.objects.count() == 1


@RACE
def test_approvals_at_once_draw_distinct_registration_numbers(shanghai):
    applications = [_submit(uscc(seed=50 + i), f"并发公司{i}")()[0] for i in range(4)]
    results = run_together(*[lambda a=a: registration_approve(application=a, actor=Viewer.system())
                          for a in applications])
    assert all(isinstance(r, RegistrationApplication) for r in results), results
    numbers = list(Employer.objects.values_list("registration_number", flat=True))
    assert len(set(numbers)) == 4


@RACE
def test_two_reviewers_approving_the_same_application_one_wins(shanghai):
    application, _token = _submit(uscc(seed=60), "同一申请")()
    results = run_together(lambda: registration_approve(application=application, actor=Viewer.system()),
                        lambda: registration_approve(application=application, actor=Viewer.system()))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "RegistrationApplication"]
    assert Employer.objects.count() == 1


def test_a_clerk_files_a_change_only_for_a_registered_employer_of_their_region(shanghai, beijing):
    """Found by mutation testing: the office's filing path and its refusals had no test of their own."""
    desk = clerk(shanghai)
    today = today_in_shanghai()
    for code in ("", uscc(777), EmployerFactory(region=beijing).uscc):  # none, unknown, another region's
        with pytest.raises(ValidationFailed) as refused:
            registration_submit(kind="change", actor=desk, uscc=code, changed_on=today, changes={"address": "新址"})
        assert [(e["field"], e["code"], str(e["message"])) for e in refused.value.errors] == [
            ("uscc", "unknown_employer", "No employer with this code is registered in your region.")]
    cancelled = EmployerFactory(region=shanghai, registration_status="cancelled")
    with pytest.raises(ApplicationError) as conflict:
        registration_submit(kind="change", actor=desk, uscc=cancelled.uscc.lower(), changed_on=today,
                            changes={"address": "新址"})
    assert (conflict.value.status, conflict.value.type_slug) == (409, "employer-not-registered")
    assert conflict.value.detail == "Only a registered employer can file a change or cancellation."
    mine = EmployerFactory(region=shanghai)
    change, _token = registration_submit(kind="change", actor=desk, uscc=f" {mine.uscc.lower()} ",
                                         changed_on=today, changes={"address": "上海市黄浦区新址1号"})
    assert change.employer_id == mine.pk
    with pytest.raises(ApplicationError) as refused:  # neither a portal nor an office
        registration_submit(kind="change", actor=Viewer(Kind.NOBODY), uscc=mine.uscc, changed_on=today,
                            changes={"address": "新址"})
    assert (refused.value.status, refused.value.type_slug) == (403, "permission-denied")
    assert refused.value.detail == ("A change or cancellation is filed by the employer's own portal (OAuth client "
                                    "with the write scope) or at an agency office.")
    assert RegistrationApplication.objects.count() == 1


# --- the filing's own checks, at the service (issue 21's mutation run: asserted nowhere before) ---------------

OMITTED = object()  # an argument left out of the call altogether


def _submit_new(actor=None, **overrides):
    values = {"kind": "new", "uscc": uscc(seed=7), "name": "上海新设有限公司", "employer_kind": "enterprise",
              "region_code": "310101", "established_on": today_in_shanghai() - timedelta(days=10)}
    values.update(overrides)
    values = {key: value for key, value in values.items() if value is not OMITTED}
    return registration_submit(actor=actor or Viewer(Kind.NOBODY), **values)


@pytest.mark.parametrize(("overrides", "field", "code", "message"), [
    ({"kind": "merger"}, "kind", "invalid_choice", "One of: new, change, cancellation."),
    ({"employer_kind": "pirate"}, "employer_kind", "invalid_choice",
     "One of: enterprise, government, public_institution, social_organisation, individual_business."),
    ({"employer_kind": ""}, "employer_kind", "required", "The kind of employer is required."),
    ({"name": "长" * 201}, "name", "max_length", "At most 200 characters."),
    ({"contact_name": "长" * 101}, "contact_name", "max_length", "At most 100 characters."),
    ({"contact_email": "not-an-address"}, "contact_email", "invalid", "Not a valid e-mail address."),
    ({"contact_phone": 21055550000}, "contact_phone", "invalid", "Must be text."),
    ({"risk_class": 9}, "risk_class", "invalid", "A work-injury risk class is a whole number from 1 to 8."),
    ({"risk_class": True}, "risk_class", "invalid", "A work-injury risk class is a whole number from 1 to 8."),
    ({"region_code": " "}, "region_code", "required", "Give the 6-digit code of the pooling region."),
    ({"region_code": ""}, "region_code", "required", "Give the 6-digit code of the pooling region."),
    ({"uscc": "91310000"}, "uscc", "format",
     "A unified social credit code is 18 characters from 0-9 and A-Y without I, O, S, V, Z."),
    ({"name": " "}, "name", "required", "The employer's name is required."),
    ({"address": "长" * 301}, "address", "max_length", "At most 300 characters."),
    ({"contact_phone": "1" * 31}, "contact_phone", "max_length", "At most 30 characters."),
    ({"risk_class": 0}, "risk_class", "invalid", "A work-injury risk class is a whole number from 1 to 8."),
    ({"risk_class": "三"}, "risk_class", "invalid", "A work-injury risk class is a whole number from 1 to 8."),
    ({"region_code": "999999"}, "region_code", "unknown_region", "Unknown pooling region '999999'."),
    ({"established_on": None}, "established_on", "required", "Required for this kind of application."),
    ({"name": OMITTED}, "name", "required", "The employer's name is required."),
    ({"employer_kind": OMITTED}, "employer_kind", "required", "The kind of employer is required."),
    ({"region_code": OMITTED}, "region_code", "required", "Give the 6-digit code of the pooling region."),
    ({"established_on": date(2999, 1, 1)}, "established_on", "future", "The date cannot be in the future."),
    ({"established_on": date(1948, 12, 31)}, "established_on", "too_early",
     "Not before 1949-01-01: no employer in the registry was established before 1949."),
])
def test_each_fault_of_a_new_filing_is_named_on_its_field(shanghai, overrides, field, code, message):
    with pytest.raises(ValidationFailed) as refused:
        _submit_new(**overrides)
    assert [(e["field"], e["code"], str(e["message"])) for e in refused.value.errors] == [(field, code, message)]
    assert [sorted(e) for e in refused.value.errors] == [["code", "field", "message"]]  # no `expected: null`
    assert not RegistrationApplication.objects.exists()


def test_a_region_without_an_office_takes_no_applications_and_a_clerk_names_only_their_own():
    RegionFactory(code="310120")  # no office yet
    with pytest.raises(ValidationFailed) as refused:
        _submit_new(region_code="310120")
    assert [(e["field"], e["code"], str(e["message"])) for e in refused.value.errors] == [
        ("region_code", "no_office", "No agency office serves region 310120 yet; it cannot take applications.")]
    here, there = RegionFactory(code="310101"), RegionFactory(code="110105")
    OfficeFactory(region=here), OfficeFactory(region=there)
    with pytest.raises(ValidationFailed) as refused:
        _submit_new(actor=clerk(there), region_code="310101")
    assert str(refused.value.errors[0]["message"]) == "Unknown pooling region '310101', or not one you serve."
    application, _ = _submit_new(actor=clerk(here), region_code="310101", risk_class=" 3 ")
    assert (application.region, application.data["risk_class"]) == (here, 3)


def test_a_wrong_check_character_passes_only_with_a_clerks_reason_kept_on_the_employer(shanghai):
    good = uscc(seed=22)
    bad = good[:17] + next(ch for ch in USCC_ALPHABET if ch != good[17])
    with pytest.raises(ValidationFailed):  # a reason from an applicant is not enough
        _submit_new(uscc=bad, uscc_override_reason="早期代码")
    desk = clerk(shanghai)
    told = f"校验码为 {bad[17]}，但按前 17 位计算应为 {good[17]}。"
    for blank in ("  ", OMITTED):  # a clerk must give the reason
        assert refused_in_chinese(lambda blank=blank: _submit_new(actor=desk, uscc=bad, uscc_override_reason=blank)) == (
            400, "validation-error", told, [("uscc", "check_character", told)])
    application, _ = _submit_new(actor=desk, uscc=bad, uscc_override_reason=" 早期代码，见营业执照 ")
    assert (application.uscc, application.data["uscc_override_reason"], application.data["uscc_override_by"]) == (
        bad, "早期代码，见营业执照", desk.user_id)
    employer = registration_approve(application=application, actor=clerk(shanghai, ("reviewer",))).employer
    employer.refresh_from_db()
    assert (employer.uscc, employer.uscc_override_reason, employer.uscc_override_by_id) == (
        bad, "早期代码，见营业执照", desk.user_id)


def test_a_resubmission_corrects_only_the_filings_fields(shanghai):
    application, _ = _submit_new()
    registration_return(application=application, actor=Viewer.system(), reason="请补充联系人。")
    with pytest.raises(ValidationFailed) as refused:
        registration_resubmit(application=application, actor=Viewer(Kind.NOBODY), corrections={"uscc": uscc(seed=8)})
    assert [(e["field"], e["code"], str(e["message"])) for e in refused.value.errors] == [
        ("uscc", "not_correctable", "uscc cannot be corrected on resubmission.")]
    resubmitted = registration_resubmit(application=application, actor=Viewer(Kind.NOBODY),
                                        corrections={"contact_name": "李经理", "name": None})
    assert (resubmitted.state, resubmitted.submissions, resubmitted.name, resubmitted.data["contact_name"]) == (
        "submitted", 2, "上海新设有限公司", "李经理")


# --- resubmission, at the service (issue 21's mutation run: only a new filing's resubmission was tested) ---

def _returned(application):
    registration_return(application=application, actor=Viewer.system(), reason="请补正。")
    return application


def test_every_field_of_a_new_filing_can_be_corrected_and_lateness_counts_from_its_receipt(shanghai):
    application, _ = _submit_new(contact_email="hr@example.cn", risk_class=2)
    _returned(application)
    # The applicant took 20 days to correct; the filing was received then, 25 days after establishment.
    RegistrationApplication.objects.filter(pk=application.pk).update(
        received_at=application.received_at - timedelta(days=20))
    established = today_in_shanghai() - timedelta(days=45)

    registration_resubmit(application=application, actor=Viewer(Kind.NOBODY), corrections={
        "name": "上海更正有限公司", "employer_kind": "public_institution", "established_on": established,
        "contact_email": "office@example.cn", "risk_class": 5})

    application.refresh_from_db()
    assert (application.state, application.name, application.event_date, application.late) == (
        "submitted", "上海更正有限公司", established, False)
    assert application.data == {"employer_kind": "public_institution", "established_on": established.isoformat(),
                                "contact_name": "", "contact_phone": "", "contact_email": "office@example.cn",
                                "address": "", "risk_class": 5}
    # The new review clock names the application as corrected, in the reader's language.
    deadline = _deadlines(application.pk).last()
    assert (deadline.state, deadline.subject_label) == ("open", f"上海更正有限公司 {application.uscc}")
    assert deadline.subject_text == f"new registration: 上海更正有限公司 ({application.uscc})"


def test_a_portal_corrects_its_returned_change_and_another_portal_cannot(shanghai):
    today = today_in_shanghai()
    employer = EmployerFactory(region=shanghai, name="旧名称有限公司", established_on=today - timedelta(days=100))
    own = portal(employer)
    change, _ = registration_submit(kind="change", actor=own, changed_on=today - timedelta(days=10),
                                    changes={"address": "上海市黄浦区新址1号"})
    _returned(change)

    with translation.override("zh-hans"), pytest.raises(NotFound) as hidden:
        registration_resubmit(application=change, actor=portal(EmployerFactory(region=shanghai)),
                              corrections={"changed_on": today - timedelta(days=5)})
    assert hidden.value.detail == "您无法查看此登记申请。"
    with pytest.raises(ValidationFailed) as refused:  # corrected to a day before the employer existed
        registration_resubmit(application=change, actor=own, corrections={"changed_on": today - timedelta(days=101)})
    assert [(e["field"], e["code"], str(e["message"])) for e in refused.value.errors] == [
        ("changed_on", "too_early",
         f"Not before {employer.established_on.isoformat()}: the employer was established on that day.")]
    assert RegistrationApplication.objects.get(pk=change.pk).state == "returned"

    # Only the date corrected: the changed fields and the employer's name stay as filed.
    changed_on = today - timedelta(days=40)
    registration_resubmit(application=change, actor=own, corrections={"changed_on": changed_on})
    change.refresh_from_db()
    assert (change.state, change.name, change.event_date, change.late, change.data) == (
        "submitted", "旧名称有限公司", changed_on, True,
        {"changed_on": changed_on.isoformat(), "changes": {"address": "上海市黄浦区新址1号"}})

    # The changed fields corrected: the new set replaces the old one, the date stays.
    _returned(change)
    registration_resubmit(application=change, actor=own, corrections={"changes": {"contact_phone": "021-66660000"}})
    change.refresh_from_db()
    assert change.data == {"changed_on": changed_on.isoformat(), "changes": {"contact_phone": "021-66660000"}}


def test_a_returned_cancellation_keeps_its_reason_unless_it_is_corrected(shanghai):
    today = today_in_shanghai()
    own = portal(EmployerFactory(region=shanghai))
    cancellation, _ = registration_submit(kind="cancellation", actor=own, changed_on=today - timedelta(days=3),
                                          reason="公司解散")
    _returned(cancellation)
    registration_resubmit(application=cancellation, actor=own, corrections={"changed_on": today - timedelta(days=2)})
    cancellation.refresh_from_db()
    assert cancellation.data == {"changed_on": (today - timedelta(days=2)).isoformat(), "reason": "公司解散"}

    _returned(cancellation)
    registration_resubmit(application=cancellation, actor=own, corrections={"reason": " 股东会决议解散 "})
    cancellation.refresh_from_db()
    assert cancellation.data == {"changed_on": (today - timedelta(days=2)).isoformat(), "reason": "股东会决议解散"}


# --- what a filing keeps and what an approval does, at the service (issue 21, ahead of the mutation run) ---

@pytest.mark.parametrize("overrides", [{"name": "长" * 200}, {"risk_class": 1}, {"risk_class": 8},
                                       {"risk_class": ""}, {"contact_phone": "1" * 30}])
def test_a_filing_at_each_limit_is_accepted(shanghai, overrides):
    application, _ = _submit_new(**overrides)
    assert application.name == overrides.get("name", "上海新设有限公司")
    assert application.data.get("risk_class") == (overrides.get("risk_class") or None)
    assert application.data["contact_phone"] == overrides.get("contact_phone", "")


@pytest.mark.parametrize(("changed_on", "changes", "field", "code", "message"), [
    (0, {"uscc": "X"}, "data.uscc", "unknown_field",
     "uscc cannot be registered or changed here; one of: name, kind, contact_name, contact_phone, contact_email, "
     "address, risk_class."),
    (0, {}, "data", "required", 'Give the changed fields in `data`, e.g. {"name": "...", "address": "..."}.'),
    (0, {"name": " "}, "data.name", "blank", "A name cannot be blank."),
    (0, {"address": "新\u200b址"}, "data.address", "invalid_character",
     "Contains a control or invisible formatting character (U+200B ZERO WIDTH SPACE); type the text again without it."),
    (0, {"kind": "pirate"}, "data.kind", "invalid_choice",
     "One of: enterprise, government, public_institution, social_organisation, individual_business."),
    (None, {"address": "新址"}, "changed_on", "required", "Required for this kind of application."),
    (-1, {"address": "新址"}, "changed_on", "too_early",
     "Not before 2015-03-01: the employer was established on that day."),
])
def test_each_fault_of_a_change_is_named_on_its_field(shanghai, changed_on, changes, field, code, message):
    employer = EmployerFactory(region=shanghai)  # established on 2015-03-01
    day = None if changed_on is None else (employer.established_on + timedelta(days=changed_on) if changed_on
                                           else today_in_shanghai())
    with pytest.raises(ValidationFailed) as refused:
        registration_submit(kind="change", actor=portal(employer), changed_on=day, changes=changes)
    assert [(e["field"], e["code"], str(e["message"])) for e in refused.value.errors] == [(field, code, message)]
    # and another employer's code from a portal
    with pytest.raises(ValidationFailed) as refused:
        registration_submit(kind="change", actor=portal(employer), uscc=EmployerFactory(region=shanghai).uscc,
                            changed_on=today_in_shanghai(), changes={"address": "新址"})
    assert [(e["field"], e["code"], str(e["message"])) for e in refused.value.errors] == [
        ("uscc", "not_yours", "A portal files changes for its own employer only; leave out `uscc` or give your own.")]
    assert not RegistrationApplication.objects.exists()


def test_a_cancellations_reason_is_kept_trimmed_to_1000_characters_and_none_is_none(shanghai):
    today = today_in_shanghai()
    silent, _ = registration_submit(kind="cancellation", actor=portal(EmployerFactory(region=shanghai)),
                                    changed_on=today)
    assert silent.data == {"changed_on": today.isoformat(), "reason": ""}
    long, _ = registration_submit(kind="cancellation", actor=portal(EmployerFactory(region=shanghai)),
                                  changed_on=today, reason="  " + "解散" * 600 + "  ")
    assert long.data["reason"] == "解散" * 500


def test_a_filing_opens_the_review_clock_named_after_the_application(shanghai):
    application, _ = _submit_new()
    # Only the required fields given: the others are kept empty (issue 21: a placeholder default went unseen).
    assert application.data == {"employer_kind": "enterprise", "established_on": application.event_date.isoformat(),
                                "contact_name": "", "contact_phone": "", "contact_email": "", "address": ""}
    deadline = _deadlines(application.pk).get()
    assert (deadline.state, deadline.region, deadline.starts_on) == ("open", shanghai, today_in_shanghai())
    assert deadline.subject_label == f"上海新设有限公司 {application.uscc}"
    assert deadline.subject_text == f"new registration: 上海新设有限公司 ({application.uscc})"
    with translation.override("zh-hans"):
        assert application.uscc in deadline.subject_text and "上海新设有限公司" in deadline.subject_text


def test_a_registered_code_is_refused_but_a_cancelled_employer_registers_again_under_its_row(shanghai):
    registered = EmployerFactory(region=shanghai)
    with pytest.raises(Duplicate) as refused:
        _submit_new(uscc=registered.uscc)
    assert refused.value.detail == ("An employer with this unified social credit code is already registered; file a "
                                    "change instead.")
    assert refused.value.errors == [{"field": "uscc", "code": "registered", "message": "Already registered."}]

    cancelled = EmployerFactory(region=shanghai, registration_status="cancelled", contact_phone="021-11112222")
    application, _ = _submit_new(uscc=cancelled.uscc, name="重新登记有限公司", contact_email="new@example.cn")
    registration_approve(application=application, actor=Viewer.system())
    again = Employer.objects.get(uscc=cancelled.uscc)
    year = today_in_shanghai().year
    assert (again.pk, again.registration_status, again.registration_number, again.registered_on) == (
        cancelled.pk, "registered", f"310101{year}000001", today_in_shanghai())
    # What the filing gives replaces the old values; what it leaves blank keeps them.
    assert (again.name, again.contact_email, again.contact_phone) == ("重新登记有限公司", "new@example.cn", "021-11112222")


def test_an_approval_keeps_its_note_trimmed_and_none_when_none_is_given(shanghai):
    first, _ = _submit_new()
    registration_approve(application=first, actor=Viewer.system())
    second, _ = _submit_new(uscc=uscc(seed=8))
    registration_approve(application=second, actor=Viewer.system(), note=" 材料齐全。 ")
    assert [(a.decision_reason, a.registration_events.get(kind="approved").reason)
            for a in RegistrationApplication.objects.order_by("id")] == [("", ""), ("材料齐全。", "材料齐全。")]


def test_an_approval_is_refused_when_the_code_was_registered_meanwhile_or_the_employer_cancelled(shanghai):
    application, _ = _submit_new()
    EmployerFactory(region=shanghai, uscc=application.uscc)  # registered at the counter meanwhile
    with pytest.raises(Duplicate) as refused:
        registration_approve(application=application, actor=Viewer.system())
    assert refused.value.detail == "An employer with this unified social credit code is already registered."
    assert RegistrationApplication.objects.get(pk=application.pk).state == "submitted"

    employer = EmployerFactory(region=shanghai)
    change, _ = registration_submit(kind="change", actor=portal(employer), changed_on=today_in_shanghai(),
                                    changes={"address": "新址"})
    Employer.objects.filter(pk=employer.pk).update(registration_status="cancelled")
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as conflict:
        registration_approve(application=change, actor=Viewer.system())
    assert (conflict.value.status, conflict.value.type_slug) == (409, "employer-not-registered")
    assert conflict.value.detail == "该单位的登记状态为“已取消”，无可变更或注销的内容。"


def test_another_regions_reviewer_finds_no_application_to_decide(shanghai, beijing):
    application, _ = _submit_new()
    outsider = clerk(beijing, ("reviewer",))
    for decide in (lambda: registration_approve(application=application, actor=outsider),
                   lambda: registration_reject(application=application, actor=outsider, reason="x"),
                   lambda: registration_return(application=application, actor=outsider, reason="x")):
        with pytest.raises(NotFound) as hidden:
            decide()
        assert hidden.value.detail == "No such registration application is visible to you."
    assert RegistrationApplication.objects.get(pk=application.pk).state == "submitted"


def test_numbers_are_counted_per_region_and_per_year(shanghai, beijing):
    year = today_in_shanghai().year
    EmployerFactory(region=shanghai, registration_number=f"310101{year - 1}000007")  # last year's
    EmployerFactory(region=beijing, registration_number=f"110105{year}000004")
    here, _ = _submit_new()
    there, _ = _submit_new(uscc=uscc(seed=8), region_code="110105")
    assert registration_approve(application=here, actor=Viewer.system()).employer.registration_number == (
        f"310101{year}000001")
    assert registration_approve(application=there, actor=Viewer.system()).employer.registration_number == (
        f"110105{year}000005")


def test_a_clerks_check_character_override_survives_a_resubmission(shanghai):
    good = uscc(seed=23)
    bad = good[:17] + next(ch for ch in USCC_ALPHABET if ch != good[17])
    desk = clerk(shanghai)
    application, _ = _submit_new(actor=desk, uscc=bad, uscc_override_reason="早期代码")
    _returned(application)
    registration_resubmit(application=application, actor=desk, corrections={"contact_name": "李经理"})
    employer = registration_approve(application=application, actor=Viewer.system()).employer
    employer.refresh_from_db()
    assert (employer.uscc, employer.uscc_override_reason, employer.uscc_override_by_id) == (
        bad, "早期代码", desk.user_id)


def test_an_approved_filing_registers_every_field_it_gives(shanghai):
    established = today_in_shanghai() - timedelta(days=10)
    application, _ = _submit_new(employer_kind="government", contact_name="王经理", contact_phone="021-55550000",
                                 contact_email="hr@example.cn", address="上海市黄浦区中山东一路1号", risk_class=4)
    # The filing's fields, and nothing of a check-character override that was not needed.
    assert application.data == {"employer_kind": "government", "established_on": established.isoformat(),
                                "contact_name": "王经理", "contact_phone": "021-55550000",
                                "contact_email": "hr@example.cn", "address": "上海市黄浦区中山东一路1号", "risk_class": 4}
    employer = registration_approve(application=application, actor=Viewer.system()).employer
    employer.refresh_from_db()
    assert (employer.uscc, employer.name, employer.kind, employer.region, employer.established_on) == (
        application.uscc, "上海新设有限公司", "government", shanghai, established)
    assert (employer.contact_name, employer.contact_phone, employer.contact_email, employer.address,
            employer.risk_class) == ("王经理", "021-55550000", "hr@example.cn", "上海市黄浦区中山东一路1号", 4)


def test_a_cancellation_is_refused_naming_every_blocker_and_its_count(shanghai):
    from tests.contributions.factories import ChargeFactory, EmploymentFactory

    employer = EmployerFactory(region=shanghai)
    EmploymentFactory(employer=employer), EmploymentFactory(employer=employer)
    ChargeFactory(employer=employer)
    cancellation, _ = registration_submit(kind="cancellation", actor=portal(employer), changed_on=today_in_shanghai(),
                                          reason="公司解散")
    with pytest.raises(ApplicationError) as refused:
        registration_approve(application=cancellation, actor=Viewer.system())
    assert (refused.value.status, refused.value.extra) == (409, {"open_employments": 2, "unpaid_charges": 1})
    assert refused.value.detail == (
        "The employer still has 2 person(s) on its roll (open employment); its staff must be reduced before the "
        "registration can be cancelled. The employer still has 1 unpaid charge(s) or late fee(s); they must be "
        "settled before the registration can be cancelled.")
    employer.refresh_from_db()
    assert (employer.registration_status, RegistrationApplication.objects.get().state) == ("registered", "submitted")


def test_a_change_leaves_out_a_blank_kind_or_risk_class_and_keeps_the_fields_given(shanghai):
    employer = EmployerFactory(region=shanghai)
    change, _ = registration_submit(kind="change", actor=portal(employer), changed_on=today_in_shanghai(),
                                    changes={"kind": "", "risk_class": "", "address": "上海市黄浦区新址1号"})
    assert change.data["changes"] == {"address": "上海市黄浦区新址1号"}
