"""Suspension on application (transfers/services/suspensions.py): what each refusal tells the caller, in
their language, and what the application and its decision record (issue 21: the mutants of the module)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from agency.deadlines import today_in_shanghai
from agency.models import Deadline
from common.display import message_render
from common.identifiers import mask_document
from common.problems import ApplicationError
from insured.models import Decision, EventKind, InsuranceRelationship, RelationshipEvent, RelationshipState
from tests.builders import clerk, person_viewer
from tests.ids import resident_id
from tests.problems import refused_in_chinese
from tests.transfers.factories import enrol, mover, region
from transfers.models import Suspension
from transfers.services.suspensions import suspension_apply, suspension_approve, suspension_reject
from transfers.terms import TransferRule

pytestmark = pytest.mark.django_db


def _active(shanghai):
    """A person off their employer's roll (suspended by the reduction), contributing again without one."""
    m = mover(shanghai, region("320102", "玄武区", "江苏省"), enrol_new=False)
    InsuranceRelationship.objects.filter(person=m.person, region=shanghai).update(state=RelationshipState.ACTIVE)
    return m


def test_each_refusal_of_an_application_is_told_in_the_callers_language(shanghai):
    m = _active(shanghai)
    me = person_viewer(m.person)
    apply = dict(actor=me, channel="api")
    assert refused_in_chinese(lambda: suspension_apply(region=shanghai, reason="bored", **apply))[3] == [
        ("reason", "invalid_choice", "未知的原因 'bored'；可选值：job_transfer, employment_elsewhere, study_abroad, other。")]
    beijing = region("110105", "朝阳区", "北京市")
    assert refused_in_chinese(lambda: suspension_apply(region=shanghai, reason="other", actor=clerk(beijing), channel="admin",
                                             person=m.person))[::2] == (403, "此事项属于其他地区的经办机构。")
    assert refused_in_chinese(lambda: suspension_apply(region=shanghai, reason="other", actor=clerk(shanghai),
                                             channel="admin"))[::2] == (403, "只有本人或经办人员可以提出申请。")
    assert refused_in_chinese(lambda: suspension_apply(region=beijing, reason="other", **apply)) == (
        404, "not-found", "您在 110105 没有有效的参保关系。", [("region", "no_relationship", "此地无参保关系。")])
    first = suspension_apply(region=shanghai, reason="other", **apply)
    assert refused_in_chinese(lambda: suspension_apply(region=shanghai, reason="job_transfer", **apply)) == (
        409, "duplicate-suspension", "该参保关系的中止申请已在审核中。", [])
    assert refused_in_chinese(lambda: suspension_reject(suspension=first, actor=clerk(shanghai), channel="admin",
                                              note=" ")) == (
        400, "validation-error", "请填写驳回申请的理由。", [("note", "required", "请填写驳回申请的理由。")])
    assert refused_in_chinese(lambda: suspension_approve(suspension=first, actor=clerk(beijing), channel="admin"))[::2] == (
        404, "没有您可查看的此项中止参保。")
    # back on a roll in the region before the clerk decides: the approval is refused on the region
    enrol(m.old_employer, m.number, "李明", date(2026, 8, 3))
    assert refused_in_chinese(lambda: suspension_approve(suspension=first, actor=clerk(shanghai), channel="admin")) == (
        409, "open-employment", f"{m.old_employer.name}仍将此人列在职工名册中；须由该单位先办理减员。",
        [("region", "open_employment", "在本地区有未终止的劳动关系。")])
    assert Suspension.objects.get(pk=first.pk).state == Decision.PENDING


def test_a_relationship_not_active_is_refused_naming_its_state(shanghai):
    m = mover(shanghai, region("320102", "玄武区", "江苏省"), enrol_new=False)  # suspended by the reduction
    with translation.override("zh-hans"):
        suspended = str(RelationshipState.SUSPENDED.label)
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refused:
        suspension_apply(region=shanghai, reason="other", actor=person_viewer(m.person), channel="api")
    assert (refused.value.status, refused.value.type_slug, refused.value.detail, refused.value.extra) == (
        409, "relationship-not-active", f"310101 的参保关系已是{suspended}；可下载参保缴费凭证。",
        {"state": RelationshipState.SUSPENDED})


def test_the_application_and_the_decision_record_the_person_region_reason_clerk_and_day(shanghai):
    m = _active(shanghai)
    relationship = InsuranceRelationship.objects.get(person=m.person, region=shanghai)
    desk = clerk(shanghai)
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter", content_type="application/pdf")
    suspension = suspension_apply(region=shanghai, reason="study_abroad", actor=desk, channel="admin",
                                  person=m.person, note="本人到窗口申请", documents=[(letter, "other")])
    suspension = Suspension.objects.get(pk=suspension.pk)
    assert (suspension.person_id, suspension.region_id, suspension.relationship_id, suspension.reason,
            suspension.note) == (m.person.pk, shanghai.pk, relationship.pk, "study_abroad", "本人到窗口申请")
    request = suspension.request_event
    assert (request.kind, request.person_id, request.region_id, request.relationship_id, request.decision,
            request.effective_date, request.reason, request.note, request.channel, request.actor_user_id) == (
        EventKind.SUSPENSION, m.person.pk, shanghai.pk, relationship.pk, Decision.PENDING, today_in_shanghai(),
        "study_abroad", "本人到窗口申请", "admin", desk.user_id)
    document = suspension.documents.get()
    assert (document.original_name, document.region_id, document.uploaded_by) == ("letter.pdf", shanghai.pk,
                                                                                   desk.label())
    assert list(request.documents.all()) == [document]
    # the review's deadline: found by name, number masked and region code; its text in the clerk's language
    masked = mask_document(m.person.document_number)
    deadline = Deadline.objects.get(subject_type=ContentType.objects.get_for_model(suspension),
                                    subject_id=suspension.pk, rule=TransferRule.SUSPENSION_REVIEW)
    assert deadline.subject_label == f"{m.person.name} {masked} 310101"
    with translation.override("en"):
        assert message_render(deadline.subject_text_data) == f"suspension of {m.person.name} ({masked}) in {shanghai}"

    reviewer = clerk(shanghai)
    suspension_approve(suspension=suspension, actor=reviewer, channel="api", note="材料齐全")
    relationship.refresh_from_db()
    assert (relationship.state, relationship.state_since) == (RelationshipState.SUSPENDED, today_in_shanghai())
    decision = RelationshipEvent.objects.get(decides=request)
    assert (decision.kind, decision.decision, decision.person_id, decision.region_id, decision.relationship_id,
            decision.effective_date, decision.reason, decision.note, decision.channel, decision.actor_user_id) == (
        EventKind.SUSPENSION, Decision.CONFIRMED, m.person.pk, shanghai.pk, relationship.pk, today_in_shanghai(),
        "study_abroad", "材料齐全", "api", reviewer.user_id)
    suspension.refresh_from_db()
    assert (suspension.state, suspension.decision_note, suspension.decided_by_id) == (
        Decision.CONFIRMED, "材料齐全", reviewer.user_id)


def test_a_rejection_records_its_reason_and_leaves_the_relationship_as_it_was(shanghai):
    m = _active(shanghai)
    suspension = suspension_apply(region=shanghai, reason="other", actor=person_viewer(m.person), channel="api")
    reviewer = clerk(shanghai)
    suspension_reject(suspension=suspension, actor=reviewer, channel="admin", note="证明材料不全")
    suspension.refresh_from_db()
    assert (suspension.state, suspension.decision_note, suspension.decided_by_id) == (
        Decision.REJECTED, "证明材料不全", reviewer.user_id)
    assert suspension.decided_at is not None
    decision = RelationshipEvent.objects.get(decides=suspension.request_event)
    assert (decision.kind, decision.decision, decision.effective_date, decision.note, decision.channel,
            decision.actor_user_id) == (EventKind.SUSPENSION, Decision.REJECTED, today_in_shanghai(), "证明材料不全",
                                        "admin", reviewer.user_id)
    assert InsuranceRelationship.objects.get(person=m.person, region=shanghai).state == RelationshipState.ACTIVE


def test_another_persons_employment_stops_nothing_and_an_approval_without_a_note_says_why(shanghai):
    m = _active(shanghai)
    # another person on a roll in the region
    enrol(m.old_employer, resident_id(region="310101", born=date(1988, 2, 3), seq=131), "王五", date(2026, 8, 3))
    suspension = suspension_apply(region=shanghai, reason="other", actor=person_viewer(m.person), channel="api")
    suspension_approve(suspension=suspension, actor=clerk(shanghai), channel="admin")
    suspension.refresh_from_db()
    assert (suspension.state, suspension.decision_note) == (Decision.CONFIRMED, "Suspended on application; account kept.")
    decision = RelationshipEvent.objects.get(decides=suspension.request_event)
    assert decision.note == "Suspended on application; account kept."
    with translation.override("zh-hans"):  # kept as its msgid, read in the clerk's language
        assert gettext(decision.note) == "依申请中止参保；个人账户保留。"
