"""Disputes: filed by the person and by a proxy, each decision, the review clock on the workbench,
scoping and bad input."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AccountEntry
from agency.models import Deadline, DeadlineState
from agency.workbench import todays_work, work_kind
from agency.workdays import add_calendar_or_working_days
from common.problems import ApplicationError, Conflict, NotFound, ValidationFailed
from disputes.models import DisputeEvent, DisputeState
from disputes.services.disputes import (
    Proxy,
    dispute_decide_confirmed,
    dispute_decide_corrected,
    dispute_file,
    dispute_review_start,
    dispute_withdraw,
)
from disputes.terms import DisputeRule
from tests.builders import person_viewer
from tests.disputes.factories import MONTH, Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return Desk()


@pytest.fixture
def insured(desk):
    return desk.insured()


def _file(person, actor=None, **fields):
    fields.setdefault("subject_kind", "month")
    if fields["subject_kind"] in ("month", "employer_month"):
        fields.setdefault("month", MONTH)
    fields.setdefault("account_text", "这个月的缴费记录不对。")
    return dispute_file(person=person, actor=actor or person_viewer(person), **fields)


def test_the_person_files_and_the_review_clock_is_on_the_workbench(desk, insured):
    person, _account = insured
    dispute = _file(person)
    assert dispute.state == DisputeState.FILED and dispute.region == desk.region and dispute.channel == "online"
    deadline = Deadline.objects.get(rule=DisputeRule.DISPUTE_REVIEW, subject_id=dispute.pk)
    today = timezone.localdate()
    assert deadline.days == 15 and deadline.working_days
    assert deadline.due_on == add_calendar_or_working_days(today, 15, working=True)
    work = todays_work(viewer=desk.clerk, user=desk.clerk_user, today=today)
    row = next(k for k in work.kinds if k.kind.rule == DisputeRule.DISPUTE_REVIEW)
    assert row.undecided == 1 and "/admin/disputes/dispute/" in row.url()
    assert str(work_kind(DisputeRule.DISPUTE_REVIEW).label)
    assert [e.kind for e in DisputeEvent.objects.filter(dispute=dispute)] == ["filed"]


def test_a_proxy_files_at_the_counter_with_the_written_authorisation(desk, insured):
    person, _account = insured
    letter = SimpleUploadedFile("委托书.pdf", b"%PDF-1.4 authorisation", content_type="application/pdf")
    dispute = _file(person, actor=desk.clerk, proxy=Proxy(name="李四", document_number="310101199001011234",
                                                         authorisation=letter))
    assert dispute.channel == "counter" and dispute.proxy_name == "李四"
    assert [d.kind for d in dispute.documents.all()] == ["proxy_authorisation"]
    event = DisputeEvent.objects.get(dispute=dispute)
    assert event.details["proxy"] is True and event.actor == desk.clerk.label()


def test_a_proxy_without_the_authorisation_is_refused(desk, insured):
    person, _account = insured
    with pytest.raises(ValidationFailed) as refused:
        _file(person, actor=desk.clerk, proxy=Proxy(name="李四", document_number="X1", authorisation=None))
    assert refused.value.errors[0]["field"] == "proxy.authorisation"


def test_confirmed_with_reasons_and_a_letter_in_chinese(desk, insured):
    person, _account = insured
    dispute = dispute_review_start(dispute=_file(person), actor=desk.clerk)
    assert dispute.state == DisputeState.UNDER_REVIEW
    with pytest.raises(ValidationFailed):
        dispute_decide_confirmed(dispute=dispute, reasons=" ", actor=desk.clerk)
    dispute = dispute_decide_confirmed(dispute=dispute, reasons="单位已按实际工资申报，记录无误。", actor=desk.clerk)
    assert dispute.state == DisputeState.CONFIRMED and dispute.letter.kind == "dispute_letter"
    with dispute.letter.file.open("rb") as stored:
        assert stored.read().startswith(b"%PDF")
    assert Deadline.objects.get(subject_id=dispute.pk, rule=DisputeRule.DISPUTE_REVIEW).state == DeadlineState.MET
    with pytest.raises(Conflict) as again:
        dispute_decide_confirmed(dispute=dispute, reasons="again", actor=desk.clerk)
    assert again.value.type_slug == "already-decided"


def test_corrected_needs_an_applied_correction(desk, insured):
    from disputes.services.corrections import correction_propose

    person, _account = insured
    dispute = _file(person, subject_kind="statement_year", year=2025)
    with pytest.raises(ApplicationError) as missing:
        dispute_decide_corrected(dispute=dispute, reasons="更正", actor=desk.reviewer)
    assert missing.value.type_slug == "dispute-corrections-missing"
    correction = correction_propose(person=person, dispute=dispute, kind="account_entry", amount="12.34",
                                    reason="漏记", actor=desk.reviewer)
    assert correction.state == "applied"
    dispute = dispute_decide_corrected(dispute=dispute, reasons="已更正个人账户。", actor=desk.reviewer)
    assert dispute.state == DisputeState.CORRECTED
    assert DisputeEvent.objects.filter(dispute=dispute).last().details["corrections"] == [correction.pk]


def test_the_person_withdraws_an_open_dispute(desk, insured):
    person, _account = insured
    dispute = dispute_withdraw(dispute=_file(person), actor=person_viewer(person))
    assert dispute.state == DisputeState.WITHDRAWN
    assert Deadline.objects.get(subject_id=dispute.pk, rule=DisputeRule.DISPUTE_REVIEW).state == \
        DeadlineState.CANCELLED


def test_a_clerk_of_another_region_neither_sees_nor_decides(desk, insured):
    person, _account = insured
    dispute = _file(person)
    elsewhere = Desk(code="110105")
    with pytest.raises(NotFound):
        dispute_decide_confirmed(dispute=dispute, reasons="无误", actor=elsewhere.clerk)
    with pytest.raises(NotFound):
        _file(person, actor=elsewhere.clerk, subject_kind="statement_year", year=2025)


def test_a_person_disputes_only_their_own_record(desk, insured):
    person, _account = insured
    other, other_account = desk.insured(seq=312)
    foreign = AccountEntry.objects.filter(account=other_account).first()
    with pytest.raises(ValidationFailed) as entry:
        _file(person, subject_kind="account_entry", entry=foreign.pk)
    assert entry.value.errors[0]["field"] == "entry"
    own = AccountEntry.objects.filter(account__person=person).first()
    assert _file(person, subject_kind="account_entry", entry=own.pk).entry_id == own.pk
    with pytest.raises(NotFound):
        _file(other, actor=person_viewer(person))


@pytest.mark.parametrize(("fields", "field", "code"), [
    ({"month": date(2099, 1, 1)}, "month", "future"),
    ({"month": date(1991, 12, 1)}, "month", "too_early"),
    ({"subject_kind": "statement_year", "year": 2999}, "year", "out_of_range"),
    ({"account_text": "x" * 4001}, "account_text", "too_long"),
    ({"account_text": "   "}, "account_text", "required"),
    ({"subject_kind": "employer_month", "employer": 999999}, "employer", "not_found"),
    ({"subject_kind": "nonsense"}, "subject_kind", "invalid_choice"),
])
def test_bad_input_is_refused_on_its_field(desk, insured, fields, field, code):
    person, _account = insured
    with pytest.raises(ValidationFailed) as refused:
        _file(person, **fields)
    assert (refused.value.errors[0]["field"], refused.value.errors[0]["code"]) == (field, code)


def test_the_same_record_is_not_disputed_twice_while_open(desk, insured):
    person, _account = insured
    first = _file(person)
    with pytest.raises(ApplicationError) as twice:
        _file(person)
    assert twice.value.type_slug == "dispute-already-open" and twice.value.extra["existing_id"] == first.pk
