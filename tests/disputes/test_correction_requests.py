"""Correcting a missing or wrong person-month by the two routes of issue 23 item 2: asking the employer for a
correction filing with a deadline (open on the employer's portal, closed by its filing, escalated by the daily
sweep when late) and an Art. 58 determination confirmed as the correction."""

from datetime import timedelta
from decimal import Decimal

import pytest

from agency.models import Deadline, DeadlineState
from common.access import Viewer
from common.problems import ApplicationError, NotFound, ValidationFailed
from contributions.models import Charge, ChargeKind, DeterminationState
from disputes.models import CorrectionRequestEvent, CorrectionRequestState, CorrectionState
from disputes.services.corrections import correction_propose
from disputes.services.disputes import dispute_decide_corrected, dispute_file
from disputes.services.requests import correction_request_send, correction_request_withdraw
from disputes.tasks import disputes_daily
from insured.models import InsuredPerson
from tests.builders import person_viewer
from tests.disputes.factories import MONTH, Desk
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal

pytestmark = pytest.mark.django_db
URL = "/api/v1/employer/correction-requests"


@pytest.fixture
def desk():
    return Desk()


@pytest.fixture
def month_of(desk):
    person, _account = desk.insured()
    employer = desk.employer_month(person, wage="8000.00")
    colleague = InsuredPerson.objects.exclude(pk=person.pk).get(employments__employer=employer)
    return person, colleague, employer


def _ask(desk, person, employer, **more):
    dispute = dispute_file(person=person, subject_kind="employer_month", month=MONTH, employer=employer,
                           account_text="单位少报了我的工资。", actor=person_viewer(person))
    return correction_request_send(employer=employer, person=person, month=MONTH, dispute=dispute,
                                   reason="请按实际工资10000元更正申报。", actor=desk.clerk, **more), dispute


def test_a_request_is_open_on_the_workbench_and_the_employers_portal_until_its_filing_closes_it(desk, month_of):
    person, colleague, employer = month_of
    request, dispute = _ask(desk, person, employer)
    assert request.state == CorrectionRequestState.OPEN and request.sequence_at_request == 1
    clock = Deadline.objects.get(rule="correction_filing", subject_id=request.pk)
    assert (clock.state, clock.due_on, clock.region_id) == (DeadlineState.OPEN, request.due_on, desk.region.pk)
    assert request.due_on > request.requested_on

    portal = Portal(employer)
    listed = portal.get(URL, {"state": "open"}).json()["results"]
    assert [(r["id"], r["month"], r["document_number"], r["state"], r["due_on"]) for r in listed] == [
        (request.pk, f"{MONTH:%Y-%m}", person.document_number, "open", request.due_on.isoformat())]
    assert Portal(EmployerFactory(region=desk.region)).get(URL).json()["results"] == []  # its own only
    assert portal.get(URL, {"state": "nonsense"}).status_code == 400

    # the employer files the month again (sequence 2): the request is answered by that filing
    filed = portal.post("/api/v1/employer/declarations", {"period": f"{MONTH:%Y-%m}", "rows": [
        {"document_number": person.document_number, "wage": "10000.00"},
        {"document_number": colleague.document_number, "wage": "9000.00"}]})
    assert filed.status_code == 201, filed.json()
    request.refresh_from_db()
    assert (request.state, request.declaration_id) == (CorrectionRequestState.FILED, filed.json()["id"])
    assert Deadline.objects.get(pk=clock.pk).state == DeadlineState.MET
    assert [e.kind for e in CorrectionRequestEvent.objects.filter(request=request)] == ["requested", "filed"]
    assert portal.get(URL, {"state": "open"}).json()["results"] == []
    # the filing is the correction: the clerk records it and decides the dispute
    correction = correction_propose(person=person, dispute=dispute, kind="account_entry", amount="0.01",
                                    reason="单位已更正申报（第2次）", actor=desk.reviewer)
    assert correction.state == CorrectionState.APPLIED
    assert dispute_decide_corrected(dispute=dispute, reasons="单位已更正申报。", actor=desk.reviewer).state == "corrected"


def test_a_request_past_its_deadline_is_escalated_by_the_daily_sweep_and_only_then(desk, month_of, monkeypatch):
    person, _colleague, employer = month_of
    request, _dispute = _ask(desk, person, employer)
    import agency.deadlines
    import disputes.services.requests as requests

    def today_is(day):
        for module in (requests, agency.deadlines):
            monkeypatch.setattr(module, "today_in_shanghai", lambda: day)

    today_is(request.due_on)
    assert disputes_daily() == {"escalated": 0}  # due today: still open
    today_is(request.due_on + timedelta(days=1))
    assert disputes_daily() == {"escalated": 1}
    request.refresh_from_db()
    assert request.state == CorrectionRequestState.ESCALATED and request.closed_at is not None
    assert Deadline.objects.get(rule="correction_filing", subject_id=request.pk).state == DeadlineState.MISSED
    assert disputes_daily() == {"escalated": 0}
    with pytest.raises(ApplicationError) as late:  # escalated is final: withdrawing it is a conflict
        correction_request_withdraw(request=request, note="x", actor=desk.clerk)
    assert late.value.status == 409


def test_one_open_request_per_month_and_a_withdrawal_cancels_the_clock(desk, month_of):
    person, _colleague, employer = month_of
    request, _dispute = _ask(desk, person, employer)
    with pytest.raises(ApplicationError) as twice:
        correction_request_send(employer=employer, person=person, month=MONTH, reason="再次", actor=desk.clerk)
    assert (twice.value.status, twice.value.type_slug) == (409, "correction-request-open")
    withdrawn = correction_request_withdraw(request=request, note="已通过核定更正", actor=desk.clerk)
    assert withdrawn.state == CorrectionRequestState.WITHDRAWN
    assert Deadline.objects.get(rule="correction_filing", subject_id=request.pk).state == DeadlineState.CANCELLED


def test_requests_are_scoped_to_the_clerks_region(desk, month_of):
    person, _colleague, employer = month_of
    elsewhere = Desk(code="110105")
    with pytest.raises(ValidationFailed) as refused:
        correction_request_send(employer=employer, person=person, month=MONTH, reason="x", actor=elsewhere.clerk)
    assert refused.value.errors[0]["field"] == "employer"
    request, _dispute = _ask(desk, person, employer)
    with pytest.raises(NotFound):
        correction_request_withdraw(request=request, note="x", actor=elsewhere.clerk)
    with pytest.raises(ApplicationError) as person_may_not:
        correction_request_send(employer=employer, person=person, month=MONTH, reason="x",
                                actor=person_viewer(person))
    assert person_may_not.value.status == 403


def test_a_missing_month_is_corrected_by_confirming_its_art58_determination(desk):
    """The other route: the person's late enrolment at the employer has a pending Art. 58 determination
    holding the month; the correction confirms it (the months are charged) and ties it to the dispute."""
    from tests.contributions.reads import determined

    person, _account = desk.insured()
    employer = EmployerFactory(region=desk.region)
    month = determined(employer, person, MONTH, "6000.00", confirmed=False)
    dispute = dispute_file(person=person, subject_kind="employer_month", month=MONTH, employer=employer,
                           account_text="2026年10月在该单位工作但没有记录。", actor=person_viewer(person))
    with pytest.raises(ValidationFailed) as none:  # another month has no determination to confirm
        correction_propose(person=person, dispute=dispute, kind="determination", month=MONTH.replace(month=9),
                           employer=employer, reason="补核定", actor=desk.reviewer)
    assert none.value.errors[0]["code"] == "no_determination"
    correction = correction_propose(person=person, dispute=dispute, kind="determination", month=MONTH,
                                    employer=employer, reason="依第五十八条核定补缴", actor=desk.reviewer)
    assert correction.needs_second and correction.effect == month.total  # above 500.00: a second clerk
    from disputes.services.corrections import correction_approve

    correction = correction_approve(correction=correction, actor=desk.other_reviewer)
    assert (correction.state, correction.written_type) == (CorrectionState.APPLIED, "determination")
    month.determination.refresh_from_db()
    assert month.determination.state == DeterminationState.CONFIRMED
    charged = Charge.objects.get(employer=employer, period=MONTH, kind=ChargeKind.DETERMINED)
    assert charged.amount == month.total == Decimal(correction.effect)
    assert dispute_decide_corrected(dispute=dispute, reasons="已核定补缴。", actor=desk.reviewer).state == "corrected"


def test_the_system_sweep_needs_no_clerk():
    from disputes.services.requests import correction_requests_escalate

    assert correction_requests_escalate(actor=Viewer.system()) == 0
