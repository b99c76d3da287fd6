"""The staffing services called directly, as the admin, the API and tasks call them: who may decide,
the state machines, and the edges that mutation testing found untested."""

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction

from agency.deadlines import today_in_shanghai
from common.access import Kind, Viewer
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
    assert refused.value.errors[0]["code"] == "too_far_ahead"


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
    assert refused.value.errors[0]["field"] == "note"
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


def test_after_a_death_the_account_awaiting_refund_refuses_a_new_enrolment(employer, shanghai):
    enrol(employer)
    staff_reduction_confirm(reduction=reduce(employer, reason="death"), actor=clerk(shanghai), channel="admin")
    assert InsuranceRelationship.objects.get().state == RelationshipState.AWAITING_REFUND
    with pytest.raises(Conflict) as refused:  # at the counter (a portal gets not-enrollable, whatever the reason)
        enrolment_submit(employer=EmployerFactory(region=shanghai), document_number=ID, name="周强",
                         start_date=date(2026, 8, 3), monthly_wage=Decimal("9000.00"), actor=clerk(shanghai),
                         channel="admin")
    assert refused.value.status == 409 and refused.value.type_slug == "relationship-closed"
    assert Employment.objects.filter(end_date__isnull=True).count() == 0


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
