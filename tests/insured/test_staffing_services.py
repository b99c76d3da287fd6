"""The staffing services called directly, as the admin, the API and tasks call them: who may decide,
the state machines, and the edges that mutation testing found untested."""

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import translation

from agency.deadlines import today_in_shanghai
from agency.models import Deadline
from common.access import Kind, Viewer
from common.dates import latest_ahead
from common.display import date_text, message_render
from common.identifiers import mask_document
from common.problems import Conflict, Forbidden, NotFound, ValidationFailed
from insured.models import (
    Decision,
    Employment,
    EventKind,
    InsuranceRelationship,
    InsuredPerson,
    RelationshipEvent,
    RelationshipState,
    StaffingTerms,
    StaffReduction,
)
from insured.rules import person_new
from insured.selectors.persons import person_lock_by_document, person_lookup_rows
from insured.services.staffing import (
    ENROLMENT,
    REDUCTION,
    enrolment_confirm,
    enrolment_submit,
    staff_reduction_confirm,
    staff_reduction_reject,
    staff_reduction_submit,
)
from tests.agency.factories import terms_set
from tests.builders import clerk, person_viewer, portal
from tests.concurrency import in_another_connection
from tests.employers.factories import EmployerFactory
from tests.ids import resident_id
from tests.problems import refused_in_chinese

pytestmark = pytest.mark.django_db

ID = resident_id(region="310101", born=date(1985, 4, 2), seq=317)


@pytest.fixture
def employer(shanghai):
    return EmployerFactory(region=shanghai)


def enrol(employer, *, number=ID, name="周强", start=date(2026, 1, 5)):
    return enrolment_submit(employer=employer, document_number=number, name=name, start_date=start,
                            monthly_wage=Decimal("9000.00"), actor=portal(employer), channel="api")


def reduce(employer, *, number=ID, last_day=date(2026, 6, 30), reason="resignation"):
    return staff_reduction_submit(employer=employer, document_number=number, last_day=last_day, reason=reason,
                                  actor=portal(employer), channel="api")


# --- every decision service checks scope and permission itself (whoever calls it) ---------------

def test_a_clerk_of_another_region_cannot_confirm_or_reject_a_reduction(employer, shanghai, beijing):
    enrol(employer)
    reduction = reduce(employer)
    outsider = clerk(beijing)
    with pytest.raises(NotFound):
        staff_reduction_confirm(reduction=reduction, actor=outsider, channel="admin")
    with pytest.raises(NotFound):
        staff_reduction_reject(reduction=reduction, actor=outsider, channel="admin", note="不符合")
    reduction.refresh_from_db()
    assert reduction.state == Decision.PENDING and Employment.objects.get().end_date is None


@pytest.mark.parametrize("who", ["auditor", "portal", "person", "nobody"])
def test_only_viewers_with_the_review_permission_decide_reductions(employer, shanghai, who):
    enrol(employer)
    reduction = reduce(employer)
    actor = {"auditor": lambda: clerk(shanghai, ("auditor",)), "portal": lambda: portal(employer),
             "person": lambda: person_viewer(reduction.person),
             "nobody": lambda: Viewer(Kind.NOBODY)}[who]()
    with pytest.raises(Forbidden) as refused:
        staff_reduction_confirm(reduction=reduction, actor=actor, channel="api")
    assert refused.value.status == 403 and refused.value.type_slug == "permission-denied"
    with pytest.raises(Forbidden):
        staff_reduction_reject(reduction=reduction, actor=actor, channel="api", note="no")
    assert StaffReduction.objects.get().state == Decision.PENDING


def test_a_deactivated_clerk_can_no_longer_decide(employer, shanghai):
    from django.contrib.auth.models import User

    enrol(employer)
    reduction = reduce(employer)
    actor = clerk(shanghai)
    User.objects.filter(pk=actor.user_id).update(is_active=False)
    with pytest.raises(Forbidden):
        staff_reduction_confirm(reduction=reduction, actor=actor, channel="admin")


def test_a_clerk_of_the_region_and_the_system_may_decide(employer, shanghai):
    other = resident_id(region="310101", born=date(1991, 2, 3), seq=88)
    enrol(employer)
    enrol(employer, number=other, name="吴敏")
    assert staff_reduction_confirm(reduction=reduce(employer), actor=clerk(shanghai), channel="admin").state \
        == Decision.CONFIRMED
    assert staff_reduction_confirm(reduction=reduce(employer, number=other), actor=Viewer.system(),
                                   channel="system").state == Decision.CONFIRMED


def test_enrolment_confirmation_checks_scope_and_permission(employer, shanghai, beijing):
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=True)
    request = enrol(employer)
    with pytest.raises(NotFound):
        enrolment_confirm(event=request, actor=clerk(beijing), channel="admin")
    with pytest.raises(Forbidden):
        enrolment_confirm(event=request, actor=clerk(shanghai, groups=("auditor",)), channel="admin")
    with pytest.raises(Forbidden):
        enrolment_confirm(event=request, actor=portal(employer), channel="api")
    assert not Employment.objects.exists()
    decision = enrolment_confirm(event=request, actor=clerk(shanghai), channel="admin")
    assert decision.decides_id == request.pk and decision.decision == Decision.CONFIRMED
    assert Employment.objects.get().employer == employer


def test_confirming_one_of_two_pending_enrolments_decides_that_one(employer, shanghai):
    """Found by mutation testing: the decision must lock the request it was given, not any pending one."""
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=True)
    other = resident_id(region="310101", born=date(1991, 2, 3), seq=88)
    first = enrol(employer)
    second = enrol(employer, number=other, name="吴敏")
    for request, decided in ((first, 1), (second, 2)):  # whichever order the requests are listed in
        decision = enrolment_confirm(event=request, actor=clerk(shanghai), channel="admin")
        assert decision.decides_id == request.pk
        assert Employment.objects.count() == decided
        assert Employment.objects.filter(person_id=request.person_id).exists()


# --- the state machines: one table each ----------------------------------------------------------

def test_only_a_pending_request_can_be_decided():
    for machine in (REDUCTION, ENROLMENT):
        assert [state for state in Decision.values if not machine.is_final(state)] == [Decision.PENDING]
    assert set(REDUCTION.available(Decision.PENDING)) == {"confirm", "reject"}
    assert ENROLMENT.available(Decision.PENDING) == ["confirm"]


def test_a_rejected_reduction_cannot_be_confirmed_and_an_effective_one_cannot_be_decided(employer, shanghai):
    enrol(employer)
    reduction = reduce(employer)
    reviewer = clerk(shanghai)
    staff_reduction_reject(reduction=reduction, actor=reviewer, channel="admin", note="离职日期有误")
    with pytest.raises(Conflict) as refused:
        staff_reduction_confirm(reduction=reduction, actor=reviewer, channel="admin")
    assert refused.value.type_slug == "already-decided"
    terms_set(shanghai, StaffingTerms, reduction_needs_confirmation=False)
    effective = reduce(employer, last_day=date(2026, 7, 31))
    assert effective.state == Decision.EFFECTIVE
    with pytest.raises(Conflict):
        staff_reduction_reject(reduction=effective, actor=reviewer, channel="admin", note="x")


def test_a_confirmed_enrolment_cannot_be_confirmed_again(employer, shanghai):
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=True)
    request = enrol(employer)
    reviewer = clerk(shanghai)
    enrolment_confirm(event=request, actor=reviewer, channel="admin")
    with pytest.raises(Conflict) as refused:
        enrolment_confirm(event=request, actor=reviewer, channel="admin")
    assert refused.value.type_slug == "already-decided"
    assert str(refused.value.detail) == "This enrolment is confirmed; it cannot be confirmed."
    assert refused.value.extra == {"state": "confirmed", "allowed": []}
    assert Employment.objects.count() == 1


WRITES_EVENT = re.compile(r"(?<!class )\bRelationshipEvent\(|RelationshipEvent\.objects\.(bulk_)?create")


def test_relationship_events_are_written_only_through_the_events_module():
    root = Path(__file__).resolve().parents[2]
    writers = sorted(str(path.relative_to(root)) for app in ("insured", "employers", "agency", "common", "demo")
                     for path in (root / app).rglob("*.py")
                     if "migrations" not in path.parts and WRITES_EVENT.search(path.read_text()))
    assert writers == ["insured/events.py"]


# --- what mutation testing found untested --------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_person_lock_holds_the_row_until_the_transaction_ends(shanghai):
    """person_lock_by_document must lock (FOR UPDATE): another transaction cannot take the row."""
    enrol(EmployerFactory(region=shanghai))
    person_id = InsuredPerson.objects.get().pk

    def try_lock():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT id FROM insured_insuredperson WHERE id = %s FOR UPDATE NOWAIT", [person_id])

    with transaction.atomic():
        assert person_lock_by_document(ID).pk == person_id
        assert isinstance(in_another_connection(try_lock), OperationalError)  # could not obtain lock
    assert in_another_connection(try_lock) is None  # released at commit


def test_enrolment_in_another_region_moves_the_person_to_the_clerks_of_that_region(shanghai, beijing):
    there = EmployerFactory(region=beijing)
    enrol(there, start=date(2025, 1, 6))
    Employment.objects.update(end_date=date(2025, 12, 31))  # ended there (shortcut: not the path under test)
    assert InsuredPerson.objects.get().region == beijing
    enrol(EmployerFactory(region=shanghai), start=date(2026, 1, 5))
    assert InsuredPerson.objects.get().region == shanghai
    assert [row["id"] for row in person_lookup_rows(clerk(shanghai), ID)] == [InsuredPerson.objects.get().pk]
    assert person_lookup_rows(clerk(beijing), ID) == []


@pytest.mark.parametrize(("days_after_start", "late"), [(29, False), (30, False), (31, True)])
def test_enrolment_is_late_only_after_30_days(employer, days_after_start, late):
    event = enrol(employer, start=today_in_shanghai() - timedelta(days=days_after_start))
    assert event.late is late
    assert Employment.objects.get().enrolled_late is late


@pytest.mark.parametrize(("days_after_start", "late"), [(30, False), (31, True)])
def test_enrolment_as_of_a_past_day_counts_lateness_and_ahead_from_that_day(employer, days_after_start, late):
    filed_on = date(2024, 7, 20)
    event = enrolment_submit(employer=employer, document_number=ID, name="周强",
                             start_date=filed_on - timedelta(days=days_after_start), monthly_wage=Decimal("9000.00"),
                             actor=portal(employer), channel="api", today=filed_on)
    assert event.late is late  # counted from the day of filing, not from today (years later)
    with pytest.raises(ValidationFailed) as refused:
        other = EmployerFactory(region=employer.region)
        enrolment_submit(employer=other, document_number=resident_id(seq=88),
                         name="李明", start_date=filed_on + timedelta(days=settings.DATE_AHEAD_MAX_DAYS + 1),
                         monthly_wage=Decimal("9000.00"), actor=portal(other), channel="api", today=filed_on)
    limit = (filed_on + timedelta(days=settings.DATE_AHEAD_MAX_DAYS)).isoformat()
    assert _refusal(refused.value)[3] == [("start_date", "too_far_ahead",
                                           f"At most {settings.DATE_AHEAD_MAX_DAYS} days ahead (not after {limit}).")]


@pytest.mark.parametrize(("start", "accepted"), [(date(2026, 6, 30), False), (date(2026, 7, 1), True)])
def test_a_new_employment_starts_after_the_last_one_ended(employer, shanghai, start, accepted):
    enrol(employer)
    staff_reduction_confirm(reduction=reduce(employer, last_day=date(2026, 6, 30)), actor=clerk(shanghai),
                            channel="admin")
    other = EmployerFactory(region=shanghai)
    if accepted:
        assert enrol(other, start=start).employment.start_date == start
        return
    with pytest.raises(ValidationFailed) as refused:  # at the counter: a portal is not told another's dates
        enrolment_submit(employer=other, document_number=ID, name="周强", start_date=start,
                         monthly_wage=Decimal("9000.00"), actor=clerk(shanghai), channel="admin")
    assert refused.value.status == 400
    assert refused.value.errors[0]["field"] == "start_date" and refused.value.errors[0]["code"] == "overlaps"
    assert Employment.objects.count() == 1


@pytest.mark.parametrize("note", ["", "   "])
def test_rejecting_a_reduction_needs_a_note(employer, shanghai, note):
    enrol(employer)
    reduction = reduce(employer)
    with pytest.raises(ValidationFailed) as refused:
        staff_reduction_reject(reduction=reduction, actor=clerk(shanghai), channel="admin", note=note)
    assert refused.value.errors == [{"field": "note", "code": "required",
                                     "message": "Give the reason for rejecting the staff reduction."}]
    assert StaffReduction.objects.get().state == Decision.PENDING


def test_a_rejected_reduction_keeps_the_person_on_the_roll_and_records_the_decision(employer, shanghai):
    enrol(employer)
    reduction = reduce(employer)
    reviewer = clerk(shanghai)
    rejected = staff_reduction_reject(reduction=reduction, actor=reviewer, channel="admin", note="离职日期有误")
    assert rejected.state == Decision.REJECTED and rejected.decided_by_id == reviewer.user_id
    assert rejected.decision_note == "离职日期有误"
    assert Employment.objects.get().end_date is None
    assert InsuranceRelationship.objects.get().state == RelationshipState.ACTIVE
    decision = RelationshipEvent.objects.get(decides=reduction.request_event)
    assert (decision.kind, decision.decision, decision.note) == (EventKind.STAFF_REDUCTION, Decision.REJECTED,
                                                                 "离职日期有误")
    corrected = reduce(employer, last_day=date(2026, 7, 31))  # filed again with the right date: not a duplicate
    assert (corrected.state, corrected.last_day) == (Decision.PENDING, date(2026, 7, 31))


def test_after_a_death_the_account_awaiting_refund_refuses_a_new_enrolment(employer, shanghai):
    enrol(employer)
    staff_reduction_confirm(reduction=reduce(employer, reason="death"), actor=clerk(shanghai), channel="admin")
    assert InsuranceRelationship.objects.get().state == RelationshipState.AWAITING_REFUND
    other = EmployerFactory(region=shanghai)

    def enrol_again(actor):
        return lambda: enrolment_submit(employer=other, document_number=ID, name="周强", start_date=date(2026, 8, 3),
                                        monthly_wage=Decimal("9000.00"), actor=actor, channel="admin")

    # at the counter the clerk is told why; a portal gets its one answer, whatever the reason
    assert refused_in_chinese(enrol_again(clerk(shanghai))) == (409, "relationship-closed",
                                                                "该人员的个人账户正在等待向继承人退还。", [])
    status, slug, _, errors = refused_in_chinese(enrol_again(portal(other)))
    assert (status, slug, [error[:2] for error in errors]) == (409, "not-enrollable",
                                                               [("document_number", "not_enrollable")])
    assert Employment.objects.filter(end_date__isnull=True).count() == 0
    assert InsuranceRelationship.objects.get().state == RelationshipState.AWAITING_REFUND


@pytest.mark.parametrize(("channel", "email", "refused_field"), [
    ("email", "", "email"), ("email", "   ", "email"), ("email", "zhou@example.cn", None), ("online", "", None)])
def test_statements_by_email_need_an_email_address(shanghai, channel, email, refused_field):
    arguments = {"document_type": "resident_id", "document_number": ID, "name": "周强", "region": shanghai,
                 "statement_delivery": channel, "email": email}
    if refused_field is None:
        assert person_new(**arguments).statement_delivery == channel
        return
    with pytest.raises(ValidationFailed) as refused:
        person_new(**arguments)
    assert refused.value.errors[0]["field"] == refused_field


# --- the caller is checked by the service, not trusted from the API (issue 21) ----------------------

def test_a_portal_cannot_enrol_or_reduce_staff_for_another_employer(employer, shanghai):
    other = EmployerFactory(region=shanghai)
    with pytest.raises(Forbidden):
        enrolment_submit(employer=other, document_number=ID, name="周强", start_date=date(2026, 1, 5),
                         monthly_wage=Decimal("9000.00"), actor=portal(employer), channel="api")
    assert not InsuredPerson.objects.filter(document_number=ID).exists()
    enrol(other)
    with pytest.raises(Forbidden):
        staff_reduction_submit(employer=other, document_number=ID, last_day=date(2026, 6, 30), reason="resignation",
                               actor=portal(employer), channel="api")
    assert not StaffReduction.objects.exists()
    assert Employment.objects.get(person__document_number=ID).end_date is None


def test_a_clerk_enrols_at_the_counter_only_for_an_employer_of_their_region(employer, shanghai, beijing):
    with pytest.raises(NotFound):
        enrolment_submit(employer=employer, document_number=ID, name="周强", start_date=date(2026, 1, 5),
                         monthly_wage=Decimal("9000.00"), actor=clerk(beijing), channel="admin")
    assert not InsuredPerson.objects.filter(document_number=ID).exists()
    enrolment_submit(employer=employer, document_number=ID, name="周强", start_date=date(2026, 1, 5),
                     monthly_wage=Decimal("9000.00"), actor=clerk(shanghai), channel="admin")
    assert Employment.objects.filter(employer=employer, person__document_number=ID).exists()


def test_a_reduction_moves_the_relationship_through_its_machine_and_writes_its_event(employer, shanghai):
    terms_set(shanghai, StaffingTerms, reduction_needs_confirmation=False)
    enrol(employer)
    reduce(employer)
    relationship = InsuranceRelationship.objects.get(person__document_number=ID)
    assert (relationship.state, relationship.state_since) == (RelationshipState.SUSPENDED, date(2026, 6, 30))
    suspension = RelationshipEvent.objects.get(kind=EventKind.SUSPENSION, relationship=relationship)
    assert (suspension.person_id, suspension.region_id, suspension.employer_id) == (
        relationship.person_id, shanghai.pk, employer.pk)
    # the relationship's history begins with its opening, by the employer's enrolment
    opened = RelationshipEvent.objects.get(kind=EventKind.RELATIONSHIP_OPENED)
    assert (opened.relationship, opened.employer_id, opened.effective_date) == (relationship, employer.pk,
                                                                                date(2026, 1, 5))
    # the suspension names the employment that ended; the request, sent without a note, records none
    assert suspension.employment == Employment.objects.get(end_date=date(2026, 6, 30))
    request = StaffReduction.objects.get().request_event
    assert (request.kind, request.decision, request.note) == (EventKind.STAFF_REDUCTION, Decision.EFFECTIVE, "")


# --- what the services' refusals and records tell a user (issue 21's mutation run, 2026-12-07) ------

def _refusal(error):
    return error.status, error.type_slug, str(error.detail), [(e["field"], e["code"], str(e["message"])) for e in error.errors]


NOT_ENROLLABLE = (409, "not-enrollable", "This person cannot be enrolled by you with these details. Check the name and "
                  "the number on the ID document; if both are right, the agency's counter will tell the person what "
                  "their record needs.", [("document_number", "not_enrollable", "Not enrollable with these details.")])


def test_a_portal_gets_one_answer_for_anothers_records_and_a_clerk_the_reason(employer, shanghai):
    enrol(employer)
    other = EmployerFactory(region=shanghai)
    tries = {"open elsewhere": {"name": "周强"}, "another name": {"name": "周强强"}}
    reasons = {"open elsewhere": (409, "open-employment", "This person has an open employment with another employer, "
                                  "which must reduce staff first.", [("document_number", "open_employment",
                                                                    "Open employment elsewhere.")]),
               "another name": (409, "name-mismatch", "The name does not match the person registered under this "
                                "document number.", [("name", "mismatch", "Check the name on the ID document.")])}
    for what, given in tries.items():
        for actor, expected in ((portal(other), NOT_ENROLLABLE), (clerk(shanghai), reasons[what])):
            with pytest.raises(Conflict) as refused:
                enrolment_submit(employer=other, document_number=ID, start_date=date(2026, 2, 2),
                                 monthly_wage=Decimal("8000.00"), actor=actor, channel="api", **given)
            assert _refusal(refused.value) == expected, (what, actor.kind)
    assert list(Employment.objects.values_list("employer_id", flat=True)) == [employer.pk]


def test_an_enrolment_already_on_the_roll_is_told_to_the_employer(employer):
    enrol(employer)
    with pytest.raises(Conflict) as refused:
        enrol(employer, start=date(2026, 3, 2))
    assert _refusal(refused.value) == (409, "already-enrolled", "This person is already on your staff.",
                                       [("document_number", "already_enrolled", "Already on your staff.")])
    assert Employment.objects.count() == 1


@pytest.mark.parametrize("field", ["birth_date", "sex"])
def test_a_passport_holder_enrolled_again_must_match_the_birth_date_and_sex_on_record(shanghai, field):
    first, second = EmployerFactory(region=shanghai), EmployerFactory(region=shanghai)
    given = {"birth_date": date(1980, 3, 4), "sex": "F"}
    enrolment_submit(employer=first, document_type="passport", document_number="E12345670", name="Anna Berg",
                     start_date=date(2026, 1, 5), monthly_wage=Decimal("9000.00"), actor=portal(first), channel="api",
                     **given)
    Employment.objects.update(end_date=date(2026, 1, 31))  # ended (shortcut: not the path under test)
    changed = {**given, field: {"birth_date": date(1980, 3, 5), "sex": "M"}[field]}
    with pytest.raises(Conflict) as refused:
        enrolment_submit(employer=second, document_type="passport", document_number="E12345670", name="Anna Berg",
                         start_date=date(2026, 2, 2), monthly_wage=Decimal("9000.00"), actor=clerk(shanghai),
                         channel="admin", **changed)
    assert _refusal(refused.value) == (409, "name-mismatch", "The details do not match the person registered under "
                                       "this document number.", [(field, "mismatch", "Check the ID document.")])
    with pytest.raises(Conflict) as refused:
        enrolment_submit(employer=second, document_type="passport", document_number="E12345670", name="Anna Berg",
                         start_date=date(2026, 2, 2), monthly_wage=Decimal("9000.00"), actor=portal(second),
                         channel="api", **changed)
    assert _refusal(refused.value) == NOT_ENROLLABLE
    enrolment_submit(employer=second, document_type="passport", document_number="E12345670", name="Anna Berg",
                     start_date=date(2026, 2, 2), monthly_wage=Decimal("9000.00"), actor=portal(second), channel="api",
                     **given)
    assert Employment.objects.get(end_date__isnull=True).employer == second


@pytest.mark.parametrize("status", ["unregistered", "pending", "cancelled"])
def test_only_a_registered_employer_enrols(shanghai, status):
    employer = EmployerFactory(region=shanghai, registration_status=status)
    with pytest.raises(Conflict) as refused:
        enrol(employer)
    assert _refusal(refused.value) == (409, "employer-not-registered", "Only a registered employer can enrol staff.",
                                       [])
    assert not InsuredPerson.objects.exists()


@pytest.mark.parametrize(("wage", "accepted"), [("0.00", False), ("-1.00", False), ("0.01", True)])
def test_the_monthly_wage_must_be_positive(employer, wage, accepted):
    arguments = {"employer": employer, "document_number": ID, "name": "周强", "start_date": date(2026, 1, 5),
                 "monthly_wage": Decimal(wage), "actor": portal(employer), "channel": "api"}
    if accepted:
        assert enrolment_submit(**arguments).employment.monthly_wage == Decimal(wage)
        return
    with pytest.raises(ValidationFailed) as refused:
        enrolment_submit(**arguments)
    assert _refusal(refused.value)[3] == [("monthly_wage", "min_value", "The monthly wage must be positive.")]
    assert str(refused.value.detail) == "The monthly wage must be positive."
    assert not Employment.objects.exists()


def test_an_overlap_with_the_employers_own_last_employment_is_told_to_it_and_anothers_is_not(employer, shanghai):
    enrol(employer)
    staff_reduction_confirm(reduction=reduce(employer, last_day=date(2026, 6, 30)), actor=clerk(shanghai),
                            channel="admin")
    with pytest.raises(ValidationFailed) as refused:
        enrol(employer, start=date(2026, 6, 30))
    assert _refusal(refused.value) == (400, "validation-error", "The previous employment ended on 2026-06-30; start after it.",
                                       [("start_date", "overlaps", "The previous employment ended on 2026-06-30; start after it.")])
    other = EmployerFactory(region=shanghai)
    with pytest.raises(Conflict) as refused:
        enrol(other, start=date(2026, 6, 30))
    assert _refusal(refused.value) == NOT_ENROLLABLE
    assert Employment.objects.count() == 1


def test_a_pending_enrolment_keeps_its_wage_and_lateness_and_its_deadline_names_the_person(employer, shanghai):
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=True)
    start = today_in_shanghai() - timedelta(days=40)
    request = enrolment_submit(employer=employer, document_number=ID, name="周强", start_date=start,
                               monthly_wage=Decimal("8765.43"), actor=portal(employer), channel="api")
    assert (request.decision, request.late, request.details) == (Decision.PENDING, True,
                                                                 {"monthly_wage": "8765.43"})
    (deadline,) = Deadline.objects.filter(rule="enrolment_review")
    masked = mask_document(ID)
    assert (deadline.subject_id, deadline.starts_on, deadline.state) == (request.pk, today_in_shanghai(), "open")
    assert deadline.subject_label == f"周强 {masked} {employer.name}"
    with translation.override("zh-hans"):
        assert message_render(deadline.subject_text_data) == (
            f"{employer.name} 为 周强 ({masked}) 办理增员，自 {date_text(start)} 起")
    with translation.override("en"):  # the date in the reader's format ("June 30, 2026"), not as stored
        assert date_text(start) != start.isoformat()
        assert message_render(deadline.subject_text_data) == (
            f"enrolment of 周强 ({masked}) at {employer.name} from {date_text(start)}")
    reviewer = clerk(shanghai)
    enrolment_confirm(event=request, actor=reviewer, channel="admin")
    employment = Employment.objects.get()
    assert (employment.monthly_wage, employment.enrolled_late, employment.start_date) == (Decimal("8765.43"), True,
                                                                                          start)
    deadline.refresh_from_db()
    assert deadline.state == "met" and deadline.closed_at is not None


def test_a_reduction_awaiting_review_has_a_deadline_naming_the_person_closed_by_the_decision(employer, shanghai):
    enrol(employer)
    reduction = reduce(employer, last_day=date(2026, 6, 30))
    (deadline,) = Deadline.objects.filter(rule="staff_reduction_review")
    masked = mask_document(ID)
    assert (deadline.subject_id, deadline.starts_on, deadline.region_id) == (reduction.pk, today_in_shanghai(),
                                                                             shanghai.pk)
    assert deadline.subject_label == f"周强 {masked} {employer.name}"
    with translation.override("en"):
        assert message_render(deadline.subject_text_data) == (
            f"周强 ({masked}) leaves {employer.name} on {date_text(date(2026, 6, 30))}")
    reviewer = clerk(shanghai)
    confirmed = staff_reduction_confirm(reduction=reduction, actor=reviewer, channel="admin", note="材料齐全")
    deadline.refresh_from_db()
    assert deadline.state == "met" and deadline.closed_at is not None
    confirmed.refresh_from_db()
    assert (confirmed.state, confirmed.decided_by_id, confirmed.decision_note) == (Decision.CONFIRMED,
                                                                                  reviewer.user_id, "材料齐全")
    assert confirmed.decided_at is not None
    assert Employment.objects.get().end_date == date(2026, 6, 30)


def test_a_reduction_names_the_field_it_refuses(employer):
    enrol(employer, start=date(2026, 1, 5))
    cases = [
        ({"reason": "holiday"}, ("reason", "invalid_choice"),
         "Unknown reason 'holiday'; one of: resignation, dismissal, end_of_contract, retirement, death, other.",
         "Unknown reason 'holiday'; one of: resignation, dismissal, end_of_contract, retirement, death, other."),
        ({"document_number": resident_id(seq=901)}, ("document_number", "not_on_staff"),
         "No person with this document number is on your staff.", "Not on your staff."),
        ({"last_day": date(2026, 1, 4)}, ("last_day", "before_start"),
         "The last working day is before the start of employment (2026-01-05).",
         "The last working day is before the start of employment (2026-01-05)."),
        ({"last_day": latest_ahead() + timedelta(days=1)}, ("last_day", "too_far_ahead"),
         f"At most 90 days ahead (not after {latest_ahead().isoformat()}).",
         f"At most 90 days ahead (not after {latest_ahead().isoformat()})."),
    ]
    for given, fault, detail, message in cases:
        arguments = {"employer": employer, "document_number": ID, "last_day": date(2026, 6, 30),
                     "reason": "resignation", "actor": portal(employer), "channel": "api", **given}
        with pytest.raises((ValidationFailed, NotFound)) as refused:
            staff_reduction_submit(**arguments)
        assert _refusal(refused.value)[3] == [(*fault, message)] and str(refused.value.detail) == detail, given
    assert not StaffReduction.objects.exists()


def test_a_reduction_finds_the_number_as_typed_and_refuses_a_second_while_one_is_pending(employer):
    enrol(employer)
    first = reduce(employer, number=f"  {ID.lower()} ")
    assert first.person.document_number == ID and first.state == Decision.PENDING
    with pytest.raises(Conflict) as refused:
        reduce(employer, last_day=date(2026, 5, 31))
    assert _refusal(refused.value) == (409, "duplicate-reduction",
                                       "A staff reduction for this person is already awaiting confirmation.", [])
    assert StaffReduction.objects.count() == 1


def test_a_reductions_documents_and_note_are_kept_on_its_request(employer, shanghai):
    from django.core.files.uploadedfile import SimpleUploadedFile

    enrol(employer)
    reduction = staff_reduction_submit(
        employer=employer, document_number=ID, last_day=date(2026, 6, 30), reason="dismissal", note="严重违纪",
        actor=portal(employer, client_id="hr-app"), channel="api",
        documents=[(SimpleUploadedFile("解除通知.pdf", b"%PDF-1.4 notice", content_type="application/pdf"), "other")])
    request = reduction.request_event
    assert (request.kind, request.decision, request.reason, request.note, request.effective_date) == (
        EventKind.STAFF_REDUCTION, Decision.PENDING, "dismissal", "严重违纪", date(2026, 6, 30))
    (document,) = request.documents.all()
    assert (document.original_name, document.kind, document.uploaded_by, document.region_id) == (
        "解除通知.pdf", "other", "client:hr-app", shanghai.pk)
    assert (reduction.reason, reduction.last_day, reduction.region_id) == ("dismissal", date(2026, 6, 30), shanghai.pk)


@pytest.mark.parametrize(("reason", "state", "note"), [
    ("resignation", RelationshipState.SUSPENDED, "Account kept."),
    ("death", RelationshipState.AWAITING_REFUND, "Account kept; awaiting the heirs' refund.")])
def test_a_confirmed_reduction_suspends_the_relationship_or_keeps_it_for_the_heirs(employer, shanghai, reason, state,
                                                                                    note):
    enrol(employer)
    staff_reduction_confirm(reduction=reduce(employer, reason=reason), actor=clerk(shanghai), channel="admin")
    relationship = InsuranceRelationship.objects.get()
    assert (relationship.state, relationship.state_since) == (state, date(2026, 6, 30))
    confirmed = StaffReduction.objects.get()  # confirmed without a note: none is recorded
    assert (confirmed.decision_note, RelationshipEvent.objects.get(decides=confirmed.request_event).note) == ("", "")
    move = RelationshipEvent.objects.filter(relationship=relationship).order_by("-id").first()
    assert (move.reason, move.note, move.employer_id, move.effective_date) == (reason, note, employer.pk,
                                                                               date(2026, 6, 30))


def test_enrolment_elsewhere_suspends_the_active_relationship_and_a_return_resumes_it(shanghai, beijing):
    there, here = EmployerFactory(region=beijing), EmployerFactory(region=shanghai)
    enrol(there, start=date(2025, 1, 6))
    Employment.objects.update(end_date=date(2025, 12, 31))  # ended there (shortcut: not the path under test)
    enrol(here, start=date(2026, 1, 5))
    states = dict(InsuranceRelationship.objects.values_list("region_id", "state"))
    assert states == {beijing.pk: RelationshipState.SUSPENDED, shanghai.pk: RelationshipState.ACTIVE}
    suspension = RelationshipEvent.objects.get(kind=EventKind.SUSPENSION)
    assert (suspension.region_id, suspension.effective_date, suspension.note) == (
        beijing.pk, date(2026, 1, 5), "Enrolled in another pooling region; kept until transferred.")
    reviewer = clerk(shanghai)
    staff_reduction_confirm(reduction=reduce(here, last_day=date(2026, 3, 31)), actor=reviewer, channel="admin")
    reviewer = reviewer.label()
    enrol(there, start=date(2026, 4, 1))
    states = dict(InsuranceRelationship.objects.values_list("region_id", "state"))
    assert states == {beijing.pk: RelationshipState.ACTIVE, shanghai.pk: RelationshipState.SUSPENDED}
    resumption = RelationshipEvent.objects.get(kind=EventKind.RESUMPTION)
    assert (resumption.region_id, resumption.effective_date, resumption.employer_id) == (beijing.pk, date(2026, 4, 1),
                                                                                          there.pk)
    assert InsuredPerson.objects.get().region == beijing
    # every change written once, in the order it happened, by whoever made it
    assert trail() == [
        (EventKind.RELATIONSHIP_OPENED, beijing.pk, there.pk, date(2025, 1, 6), "client:tests", "api"),
        (EventKind.ENROLMENT, beijing.pk, there.pk, date(2025, 1, 6), "client:tests", "api"),
        (EventKind.SUSPENSION, beijing.pk, None, date(2026, 1, 5), "client:tests", "api"),
        (EventKind.RELATIONSHIP_OPENED, shanghai.pk, here.pk, date(2026, 1, 5), "client:tests", "api"),
        (EventKind.ENROLMENT, shanghai.pk, here.pk, date(2026, 1, 5), "client:tests", "api"),
        (EventKind.STAFF_REDUCTION, shanghai.pk, here.pk, date(2026, 3, 31), "client:tests", "api"),
        (EventKind.SUSPENSION, shanghai.pk, here.pk, date(2026, 3, 31), reviewer, "admin"),
        (EventKind.STAFF_REDUCTION, shanghai.pk, here.pk, date(2026, 3, 31), reviewer, "admin"),
        (EventKind.RESUMPTION, beijing.pk, there.pk, date(2026, 4, 1), "client:tests", "api"),
        (EventKind.ENROLMENT, beijing.pk, there.pk, date(2026, 4, 1), "client:tests", "api")]
    # back in Shanghai while Beijing's relationship is active: Beijing's suspended, then Shanghai's resumed
    Employment.objects.filter(end_date__isnull=True).update(end_date=date(2026, 4, 30))  # shortcut, as above
    enrol(here, start=date(2026, 5, 4))
    assert trail()[10:] == [
        (EventKind.SUSPENSION, beijing.pk, None, date(2026, 5, 4), "client:tests", "api"),
        (EventKind.RESUMPTION, shanghai.pk, here.pk, date(2026, 5, 4), "client:tests", "api"),
        (EventKind.ENROLMENT, shanghai.pk, here.pk, date(2026, 5, 4), "client:tests", "api")]
    assert dict(InsuranceRelationship.objects.values_list("region_id", "state")) == {
        beijing.pk: RelationshipState.SUSPENDED, shanghai.pk: RelationshipState.ACTIVE}


def trail():
    return list(RelationshipEvent.objects.order_by("id").values_list("kind", "region_id", "employer_id",
                                                                     "effective_date", "actor", "channel"))


@pytest.mark.parametrize("review", [False, True])
def test_a_flexible_worker_hired_stops_paying_for_themselves_and_pays_again_after_leaving(shanghai, review):
    """The staffing services tell the flexible workers' hook (insured.hooks) of each employment that starts
    or ends, whether it takes effect at once or on a clerk's confirmation; a death starts nothing again."""
    from flexible.services.enrolment import month_add, month_of
    from tests.flexible.factories import enrolled, flexible_region, person_in

    flexible_region(shanghai)
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=review, reduction_needs_confirmation=review)
    reviewer = clerk(shanghai)
    this_month = month_of(today_in_shanghai())
    person, heir_case = person_in(shanghai), person_in(shanghai)
    employer = EmployerFactory(region=shanghai)
    for who in (person, heir_case):
        enrolled(who, start=month_add(this_month, -3))
        request = enrolment_submit(employer=employer, document_number=who.document_number, name=who.name,
                                   start_date=month_add(this_month, -2), monthly_wage=Decimal("9000.00"),
                                   actor=portal(employer), channel="api")
        if review:
            enrolment_confirm(event=request, actor=reviewer, channel="admin")
    for who, reason in ((person, "resignation"), (heir_case, "death")):
        reduction = staff_reduction_submit(employer=employer, document_number=who.document_number,
                                           last_day=month_add(this_month, -1) + timedelta(days=9), reason=reason,
                                           actor=portal(employer), channel="api")
        if review:
            staff_reduction_confirm(reduction=reduction, actor=reviewer, channel="admin")

    def switches(who):
        return list(RelationshipEvent.objects.filter(person=who, kind__in=[EventKind.FLEXIBLE_STARTED,
                                                                            EventKind.FLEXIBLE_STOPPED])
                    .order_by("id").values_list("kind", "effective_date"))

    assert switches(person) == [(EventKind.FLEXIBLE_STARTED, month_add(this_month, -3)),
                                (EventKind.FLEXIBLE_STOPPED, month_add(this_month, -2)),
                                (EventKind.FLEXIBLE_STARTED, this_month)]
    assert switches(heir_case) == [(EventKind.FLEXIBLE_STARTED, month_add(this_month, -3)),
                                   (EventKind.FLEXIBLE_STOPPED, month_add(this_month, -2))]
    # hired in the region they pay in, the relationship stays active (nothing suspended and resumed); only the
    # staff reduction suspends it, on the last day
    last_day = month_add(this_month, -1) + timedelta(days=9)
    assert list(RelationshipEvent.objects.filter(person=person, kind__in=[EventKind.SUSPENSION, EventKind.RESUMPTION])
                .exclude(decision=Decision.PENDING).values_list("kind", "effective_date")) == [
        (EventKind.SUSPENSION, last_day)]
    assert InsuranceRelationship.objects.get(person=heir_case).state == RelationshipState.AWAITING_REFUND


def test_an_enrolment_with_a_mistyped_number_names_the_field_and_the_expected_check_character(employer):
    wrong = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as refused:
        enrol(employer, number=wrong)
    (error,) = refused.value.errors
    assert (error["field"], error["code"], error["expected"]) == ("document_number", "check_character", ID[-1])
    assert str(error["message"]) == f"The check character is {wrong[-1]}, but the first 17 digits give {ID[-1]}."
    with pytest.raises(ValidationFailed) as refused:
        enrol(employer, number=ID[:-2])
    (error,) = refused.value.errors
    assert (error["field"], error["code"]) == ("document_number", "format") and "expected" not in error
    assert not InsuredPerson.objects.exists()


def test_each_refusal_of_a_caller_says_what_is_not_visible_or_not_theirs(employer, shanghai, beijing):
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=True)
    request = enrol(employer)
    with pytest.raises(NotFound) as refused:
        enrolment_confirm(event=request, actor=clerk(beijing), channel="admin")
    assert str(refused.value.detail) == "No such enrolment request is visible to you."
    enrolment_confirm(event=request, actor=clerk(shanghai), channel="admin")
    reduction = reduce(employer)
    for decide in (staff_reduction_confirm, staff_reduction_reject):
        with pytest.raises(NotFound) as refused:
            decide(reduction=reduction, actor=clerk(beijing), channel="admin", note="不符合")
        assert str(refused.value.detail) == "No such staff reduction is visible to you."
    with pytest.raises(NotFound) as refused:
        enrolment_submit(employer=employer, document_number=resident_id(seq=88), name="吴敏",
                         start_date=date(2026, 1, 5), monthly_wage=Decimal("9000.00"), actor=clerk(beijing),
                         channel="admin")
    assert str(refused.value.detail) == "No such employer is visible to you."
    with pytest.raises(Forbidden) as refused:
        enrolment_submit(employer=employer, document_number=resident_id(seq=88), name="吴敏",
                         start_date=date(2026, 1, 5), monthly_wage=Decimal("9000.00"),
                         actor=portal(EmployerFactory(region=shanghai)), channel="api")
    assert str(refused.value.detail) == "A portal files for its own employer only."


def test_a_new_start_is_checked_against_the_latest_of_several_past_employments(employer, shanghai):
    reviewer = clerk(shanghai)
    enrol(employer, start=date(2025, 1, 6))
    staff_reduction_confirm(reduction=reduce(employer, last_day=date(2025, 3, 31)), actor=reviewer, channel="admin")
    enrol(employer, start=date(2025, 6, 2))
    staff_reduction_confirm(reduction=reduce(employer, last_day=date(2026, 6, 30)), actor=reviewer, channel="admin")
    with pytest.raises(ValidationFailed) as refused:
        enrolment_submit(employer=EmployerFactory(region=shanghai), document_number=ID, name="周强",
                         start_date=date(2026, 5, 4), monthly_wage=Decimal("9000.00"), actor=reviewer, channel="admin")
    assert _refusal(refused.value)[3] == [("start_date", "overlaps",
                                           "The previous employment ended on 2026-06-30; start after it.")]


def test_a_confirmed_return_to_the_region_resumes_the_kept_relationship(employer, shanghai):
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=True)
    reviewer = clerk(shanghai)
    enrolment_confirm(event=enrol(employer, start=date(2025, 1, 6)), actor=reviewer, channel="admin")
    staff_reduction_confirm(reduction=reduce(employer, last_day=date(2025, 12, 31)), actor=reviewer, channel="admin")
    decision = enrolment_confirm(event=enrol(employer, start=date(2026, 2, 2)), actor=reviewer, channel="admin")
    relationship = InsuranceRelationship.objects.get()  # the same one, kept while suspended
    assert (relationship.state, relationship.state_since) == (RelationshipState.ACTIVE, date(2026, 2, 2))
    assert [kind for kind, *_ in trail()][-3:] == [EventKind.ENROLMENT, EventKind.RESUMPTION, EventKind.ENROLMENT]
    assert (decision.decision, decision.actor, decision.channel, decision.employment.start_date) == (
        Decision.CONFIRMED, reviewer.label(), "admin", date(2026, 2, 2))


def test_a_number_ending_in_x_is_found_however_it_is_typed_and_a_one_day_employment_can_end(employer, shanghai):
    number = resident_id(region="310101", born=date(1988, 8, 8), seq=5)
    assert number.endswith("X")
    enrol(employer, number=f" {number.lower()} ", start=date(2026, 3, 2))
    assert InsuredPerson.objects.get().document_number == number
    reduction = reduce(employer, number=number.lower(), last_day=date(2026, 3, 2))  # the day it started
    assert (reduction.person.document_number, reduction.last_day) == (number, date(2026, 3, 2))


def test_an_employer_cannot_reduce_anothers_staff(employer, shanghai):
    enrol(employer)
    other = EmployerFactory(region=shanghai)
    with pytest.raises(NotFound) as refused:
        reduce(other)
    assert _refusal(refused.value)[3] == [("document_number", "not_on_staff", "Not on your staff.")]
    assert not StaffReduction.objects.exists() and Employment.objects.get().end_date is None


def test_a_pending_enrolment_is_checked_again_when_confirmed(employer, shanghai, beijing):
    """Between the request and its confirmation the person may have been enrolled elsewhere: the clerk is
    told why (the same check as at filing), and nothing is written."""
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=True)
    request = enrol(employer, start=date(2026, 1, 5))
    enrol(EmployerFactory(region=beijing), start=date(2026, 1, 12))  # effective at once there
    with pytest.raises(Conflict) as refused:
        enrolment_confirm(event=request, actor=clerk(shanghai), channel="admin")
    assert _refusal(refused.value) == (409, "open-employment", "This person has an open employment with another "
                                       "employer, which must reduce staff first.",
                                       [("document_number", "open_employment", "Open employment elsewhere.")])
    assert list(Employment.objects.values_list("employer__region", flat=True)) == [beijing.pk]


def test_only_an_enrolment_request_can_be_confirmed_as_one(employer, shanghai):
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=True)
    reviewer = clerk(shanghai)
    enrolment_confirm(event=enrol(employer), actor=reviewer, channel="admin")
    reduction = reduce(employer)  # its request is a pending event of the same person and employer
    with pytest.raises(NotFound) as refused:
        enrolment_confirm(event=reduction.request_event, actor=reviewer, channel="admin")
    assert str(refused.value.detail) == "No such enrolment request is visible to you."
    assert Employment.objects.count() == 1 and StaffReduction.objects.get().state == Decision.PENDING


def test_a_person_already_taken_off_the_roll_is_not_on_the_staff_any_more(employer, shanghai):
    terms_set(shanghai, StaffingTerms, reduction_needs_confirmation=False)
    enrol(employer)
    reduce(employer, last_day=date(2026, 6, 30))  # effective at once: the employment ended
    with pytest.raises(NotFound) as refused:
        reduce(employer, last_day=date(2026, 7, 31))
    assert _refusal(refused.value) == (404, "not-found", "No person with this document number is on your staff.",
                                       [("document_number", "not_on_staff", "Not on your staff.")])
    assert StaffReduction.objects.count() == 1 and Employment.objects.get().end_date == date(2026, 6, 30)


def test_a_pending_reduction_of_one_person_does_not_hold_up_anothers(employer, shanghai):
    other = resident_id(region="310101", born=date(1990, 9, 9), seq=42)
    enrol(employer)
    enrol(employer, number=other, name="王芳")
    first = reduce(employer)
    second = reduce(employer, number=other)
    assert (first.state, second.state) == (Decision.PENDING, Decision.PENDING)
    assert second.person.document_number == other and StaffReduction.objects.count() == 2


def test_a_person_back_in_a_region_they_transferred_out_of_is_suspended_there_again(shanghai):
    """The relationship transferred out of the region stays there, ended; the return opened a new one,
    and that one is what the next staff reduction suspends."""
    from tests.builders import person_viewer
    from tests.transfers.factories import mover, region
    from transfers.services.transfers import transfer_accept, transfer_apply, transfer_out

    old, new = region("310104", "徐汇区", "上海市"), region("110108", "海淀区", "北京市")
    m = mover(old, new)
    transfer = transfer_apply(from_region=old, actor=person_viewer(m.person), channel="api")
    transfer_accept(transfer=transfer, actor=clerk(new), channel="admin")
    transfer_out(transfer=transfer, actor=clerk(old), channel="admin")
    staff_reduction_submit(employer=m.new_employer, document_number=m.number, last_day=date(2026, 9, 30),
                           reason="resignation", actor=portal(m.new_employer), channel="api")
    back = EmployerFactory(region=old)
    enrol(back, number=m.number, name="李明", start=date(2026, 10, 8))
    staff_reduction_submit(employer=back, document_number=m.number, last_day=date(2026, 11, 30),
                           reason="end_of_contract", actor=portal(back), channel="api")
    states = list(InsuranceRelationship.objects.filter(person=m.person, region=old).order_by("pk")
                  .values_list("state", "state_since"))
    assert states == [(RelationshipState.TRANSFERRED, today_in_shanghai()),
                      (RelationshipState.SUSPENDED, date(2026, 11, 30))]
    suspension = RelationshipEvent.objects.filter(person=m.person, kind=EventKind.SUSPENSION).latest("id")
    assert (suspension.relationship.state, suspension.employer, suspension.reason, suspension.effective_date) == (
        RelationshipState.SUSPENDED, back, "end_of_contract", date(2026, 11, 30))


def test_an_employment_cannot_start_before_the_employer_was_established(shanghai):
    young = EmployerFactory(region=shanghai, established_on=date(2026, 3, 2))
    with pytest.raises(ValidationFailed) as refused:
        enrol(young, start=date(2026, 3, 1))
    assert _refusal(refused.value) == (
        400, "validation-error", "Not before 2026-03-02: the employer was established on that day.",
        [("start_date", "too_early", "Not before 2026-03-02: the employer was established on that day.")])
    assert not Employment.objects.exists()
    enrol(young, start=date(2026, 3, 2))  # its first day
    assert Employment.objects.get().start_date == date(2026, 3, 2)
