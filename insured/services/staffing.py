"""Adding and reducing staff (增员 / 减员), and what they do to a person's relationship.

Every state change here locks the rows it changes (person first, then employment
or reduction) and writes its RelationshipEvent in the same transaction. The
database holds the invariants (one open employment, one active relationship, no
overlapping employments); these services turn a violation into a clear problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agency.deadlines import deadline_close, deadline_open, today_in_shanghai
from agency.documents import documents_removed_on_error, documents_store
from agency.models import DeadlineRule
from common.access import Viewer, scope, viewer_may
from common.dates import date_not_ahead, employment_start_check
from common.display import message_data
from common.hot_paths import insert_or_nothing, insert_rows
from common.identifiers import IdentifierError, mask_document
from common.problems import ApplicationError, Conflict, Forbidden, NotFound, ValidationFailed
from common.text import text_clean
from employers.models import Employer, RegistrationStatus
from employers.selectors.employers import employer_with_region
from insured import events
from insured.documents import document_check
from insured.models import (
    ENDED_STATES,
    Decision,
    Employment,
    EventKind,
    InsuranceRelationship,
    InsuredPerson,
    RelationshipEvent,
    RelationshipState,
    SeparationReason,
    StaffReduction,
)
from insured.selectors.persons import person_lock_by_document
from insured.services.persons import person_new

LATE_AFTER_DAYS = 30  # Art. 58: register within 30 days from the start of employment
REVIEW_PERMISSION = "insured.change_staffreduction"  # who confirms or rejects staff reductions and enrolments

D = Decision
# The two state machines, each in one place: state -> {action: next state}.
# A staff reduction's state is StaffReduction.state; one that needed no review is effective at once.
REDUCTION_TRANSITIONS: dict[str, dict[str, str]] = {
    D.PENDING: {"confirm": D.CONFIRMED, "reject": D.REJECTED},
    D.EFFECTIVE: {},
    D.CONFIRMED: {},
    D.REJECTED: {},
}
# An enrolment request's state is its event's decision, or the decision of the event that decided it
# (events are append-only). Only regions that require it keep enrolments pending.
ENROLMENT_TRANSITIONS: dict[str, dict[str, str]] = {
    D.PENDING: {"confirm": D.CONFIRMED},
    D.EFFECTIVE: {},
    D.CONFIRMED: {},
}


def _person_text(person: InsuredPerson) -> str:
    return f"{person.name} ({mask_document(person.document_number)})"


def enrolment_deadline_item(event: RelationshipEvent, person: InsuredPerson, employer: Employer) -> dict:
    """The confirmation deadline's search label, and its description rendered in the reader's language."""
    return {"label": f"{person.name} {mask_document(person.document_number)} {employer.name}",
            "text": message_data(gettext_noop("enrolment of %(person)s at %(employer)s from %(date)s"),
                                 dates=("date",), person=_person_text(person), employer=employer.name,
                                 date=event.effective_date)}


def reduction_deadline_item(reduction: StaffReduction) -> dict:
    person, employer = reduction.person, reduction.employer
    return {"label": f"{person.name} {mask_document(person.document_number)} {employer.name}",
            "text": message_data(gettext_noop("%(person)s leaves %(employer)s on %(date)s"), dates=("date",),
                                 person=_person_text(person), employer=employer.name, date=reduction.last_day)}


def _normalised(document_type: str, document_number: str) -> str:
    try:
        return document_check(document_type, document_number).number
    except IdentifierError as err:
        extra = {"expected": err.expected} if err.expected else {}
        raise ValidationFailed.field("document_number", err.code, err.message, **extra) from None


def _person_lock_or_create(*, employer: Employer, document_type: str, document_number: str, name: str,
                           birth_date: date | None, sex: str | None) -> tuple[InsuredPerson, bool]:
    """The person under this number, locked; created (and so locked by our INSERT) when unknown.
    Returns (person, created)."""
    number = _normalised(document_type, document_number)
    person = person_lock_by_document(number)
    if person is None:
        candidate = person_new(document_type=document_type, document_number=number, name=name,
                               region=employer.region, birth_date=birth_date, sex=sex)
        if insert_or_nothing(candidate, conflict=("document_number",)):
            return candidate, True
        person = person_lock_by_document(number)  # another employer registered them a moment ago
    if person.name != text_clean(name, field="name"):
        raise Conflict(_("The name does not match the person registered under this document number."),
                       type_slug="name-mismatch",
                       errors=[{"field": "name", "code": "mismatch", "message": _("Check the name on the ID document.")}])
    return person, False


def _ensure_active_relationship(*, person: InsuredPerson, region, on: date, actor: Viewer, channel: str,
                                employer: Employer, new_person: bool = False,
                                batch: list | None = None) -> InsuranceRelationship:
    """Open or resume the relationship in `region`; an active one elsewhere is suspended
    (it stays until a transfer moves it). A person created in this transaction has none yet."""
    relationships = [] if new_person else list(InsuranceRelationship.objects.select_for_update()
                                               .filter(person=person).exclude(state__in=ENDED_STATES))
    here = next((r for r in relationships if r.region_id == region.pk), None)
    for other in relationships:
        if other is not here and other.state == RelationshipState.ACTIVE:
            other.state, other.state_since = RelationshipState.SUSPENDED, on
            other.save(update_fields=["state", "state_since"])
            events.relationship_suspended(relationship=other, person=person, region=other.region, on=on,
                                          note=gettext_noop("Enrolled in another pooling region; kept until transferred."),
                                          actor=actor, channel=channel, batch=batch)
    if here is None:
        here = InsuranceRelationship(person=person, region=region, state=RelationshipState.ACTIVE, opened_on=on,
                                     state_since=on)
        insert_rows(here)
        events.relationship_opened(relationship=here, person=person, region=region, employer=employer, on=on,
                                   actor=actor, channel=channel, batch=batch)
    elif here.state == RelationshipState.AWAITING_REFUND:
        raise Conflict(_("This person's account is awaiting a refund to heirs."), type_slug="relationship-closed")
    elif here.state == RelationshipState.SUSPENDED:
        here.state, here.state_since = RelationshipState.ACTIVE, on
        here.save(update_fields=["state", "state_since"])
        events.relationship_resumed(relationship=here, person=person, region=region, employer=employer, on=on,
                                    actor=actor, channel=channel, batch=batch)
    if person.region_id != region.pk:
        person.region = region  # the agency that now keeps the active record
        person.save(update_fields=["region"])
    return here


def _check_can_start(person: InsuredPerson, employer: Employer, start_date: date) -> None:
    open_employment = Employment.objects.filter(person=person, end_date__isnull=True).first()
    if open_employment is not None:
        if open_employment.employer_id == employer.pk:
            raise Conflict(_("This person is already on your staff."), type_slug="already-enrolled",
                           errors=[{"field": "document_number", "code": "already_enrolled",
                                    "message": _("Already on your staff.")}])
        raise Conflict(_("This person has an open employment with another employer, which must reduce staff "
                         "first."), type_slug="open-employment",
                       errors=[{"field": "document_number", "code": "open_employment",
                                "message": _("Open employment elsewhere.")}])
    last = Employment.objects.filter(person=person).order_by("-end_date").first()
    if last is not None and last.end_date is not None and start_date <= last.end_date:
        raise ValidationFailed.field("start_date", "overlaps",
                                     _("The previous employment ended on %(day)s; start after it.") % {"day": last.end_date})


@transaction.atomic
def enrolment_submit(*, employer: Employer, document_number: str, name: str, start_date: date,
                     monthly_wage: Decimal, actor: Viewer, channel: str, document_type: str = "resident_id",
                     birth_date: date | None = None, sex: str | None = None,
                     today: date | None = None) -> RelationshipEvent:
    """Add a person to the employer's roll (Art. 58); returns the enrolment event. `today` (default:
    today in Shanghai) is the day of filing: lateness and "not too far ahead" count from it (the
    demo's history staff are filed as of a past day; the API always files as of today)."""
    today = today or today_in_shanghai()
    employer = employer_with_region(employer.pk)
    if employer.registration_status != RegistrationStatus.REGISTERED:
        raise Conflict(_("Only a registered employer can enrol staff."), type_slug="employer-not-registered")
    if monthly_wage <= 0:
        raise ValidationFailed.field("monthly_wage", "min_value", _("The monthly wage must be positive."))
    date_not_ahead(start_date, field="start_date", on=today)
    person, created = _person_lock_or_create(employer=employer, document_type=document_type,
                                             document_number=document_number, name=name, birth_date=birth_date,
                                             sex=sex)
    employment_start_check(start_date, birth_date=person.birth_date)
    if not created:  # a person registered in this transaction has no employment to check
        _check_can_start(person, employer, start_date)
    late = today > start_date + timedelta(days=LATE_AFTER_DAYS)
    details = {"monthly_wage": str(monthly_wage)}
    if employer.region.enrolment_needs_confirmation:
        event = events.enrolment_requested(person=person, employer=employer, start_date=start_date, late=late,
                                           details=details, actor=actor, channel=channel)
        deadline_open(rule=DeadlineRule.ENROLMENT_REVIEW, subject=event, region=employer.region,
                      starts_on=today, **enrolment_deadline_item(event, person, employer))
        return event
    batch: list[RelationshipEvent] = []
    employment = _employment_open(person=person, employer=employer, start_date=start_date,
                                  monthly_wage=monthly_wage, late=late, actor=actor, channel=channel,
                                  new_person=created, batch=batch)
    event = events.enrolment_effective(employment=employment, employer=employer, late=late, details=details,
                                       actor=actor, channel=channel, batch=batch)
    insert_rows(*batch)  # in order: the events' ids follow the order of the changes
    return event


def _employment_open(*, person, employer, start_date, monthly_wage, late, actor, channel,
                     new_person: bool = False, batch: list | None = None) -> Employment:
    employment = Employment(person=person, employer=employer, start_date=start_date, monthly_wage=monthly_wage,
                            enrolled_late=late)
    if new_person:  # no other transaction can see a person we have not committed: nothing to collide with
        insert_rows(employment)
    else:
        try:
            with transaction.atomic():
                employment.save(force_insert=True)
        except IntegrityError:  # the constraints caught what the checks could not see
            raise Conflict(_("This person has an open or overlapping employment."),
                           type_slug="open-employment") from None
    _ensure_active_relationship(person=person, region=employer.region, on=start_date, actor=actor,
                                channel=channel, employer=employer, new_person=new_person, batch=batch)
    return employment


@transaction.atomic
def enrolment_confirm(*, event: RelationshipEvent, actor: Viewer, channel: str) -> RelationshipEvent:
    """A clerk confirms a pending enrolment (regions that require it); returns the decision event."""
    _require_reviewer(actor)
    request, state = _enrolment_lock(event, actor)
    _transition(ENROLMENT_TRANSITIONS, state, "confirm", what=_("enrolment"))
    person = InsuredPerson.objects.select_for_update().get(pk=request.person_id)
    _check_can_start(person, request.employer, request.effective_date)
    employment = _employment_open(person=person, employer=request.employer, start_date=request.effective_date,
                                  monthly_wage=Decimal(request.details["monthly_wage"]), late=request.late,
                                  actor=actor, channel=channel)
    deadline_close(subject=request, rule=DeadlineRule.ENROLMENT_REVIEW)
    return events.enrolment_confirmed(request=request, employment=employment, actor=actor, channel=channel)


def _require_reviewer(actor: Viewer) -> None:
    """Decisions are the agency's: checked here, whoever calls (admin, API, task)."""
    if not viewer_may(actor, REVIEW_PERMISSION):
        raise Forbidden(_("Only agency staff allowed to review staffing decide this request."))


def _transition(table: dict[str, dict[str, str]], state: str, action: str, *, what: str) -> str:
    allowed = table.get(state, {})
    if action not in allowed:
        label = Decision(state).label if state in Decision.values else state
        raise Conflict(_("This %(what)s is already %(state)s.") % {"what": what, "state": label},
                       type_slug="already-decided", state=state)
    return allowed[action]


def _enrolment_lock(event: RelationshipEvent, actor: Viewer) -> tuple[RelationshipEvent, str]:
    """The enrolment request, locked if the actor may see it, with its state. A second clerk
    waits on the lock, then finds it decided."""
    request = (scope(RelationshipEvent.objects.select_for_update(of=("self",)), actor)
               .select_related("employer", "region").filter(pk=event.pk, kind=EventKind.ENROLMENT).first())
    if request is None:
        raise NotFound(_("No such enrolment request is visible to you."))
    state = request.decision
    if state == Decision.PENDING:
        decided = request.decisions.order_by("-id").values_list("decision", flat=True).first()
        state = decided or state
    return request, state


@documents_removed_on_error()
@transaction.atomic
def staff_reduction_submit(*, employer: Employer, document_number: str, last_day: date, reason: str,
                           actor: Viewer, channel: str, note: str = "",
                           documents: Sequence[tuple[UploadedFile, str]] = ()) -> StaffReduction:
    """The employer takes a person off its roll; pending until a clerk confirms, where the region says so.

    `documents` are (file, DocumentKind) pairs, stored once the request is accepted, in this
    transaction; if it fails, the files are removed again."""
    if reason not in SeparationReason.values:
        raise ValidationFailed.field("reason", "invalid_choice", _("Unknown reason %(reason)r; one of: %(choices)s.")
                                     % {"reason": reason, "choices": ", ".join(SeparationReason.values)})
    employer = employer_with_region(employer.pk)
    number = (document_number or "").strip().upper()
    employment = (Employment.objects.select_for_update().select_related("person")
                  .filter(employer=employer, person__document_number=number, end_date__isnull=True).first())
    if employment is None:
        raise NotFound(_("No person with this document number is on your staff."),
                       errors=[{"field": "document_number", "code": "not_on_staff", "message": _("Not on your staff.")}])
    date_not_ahead(last_day, field="last_day")
    if last_day < employment.start_date:
        raise ValidationFailed.field("last_day", "before_start",
                                     _("The last working day is before the start of employment (%(day)s).")
                                     % {"day": employment.start_date})
    if StaffReduction.objects.filter(employment=employment, state=Decision.PENDING).exists():
        raise Conflict(_("A staff reduction for this person is already awaiting confirmation."),
                       type_slug="duplicate-reduction")
    region = employer.region
    needs_review = region.reduction_needs_confirmation
    request = events.staff_reduction_requested(employment=employment, employer=employer, last_day=last_day,
                                               reason=reason, note=note, pending=needs_review, actor=actor,
                                               channel=channel)
    if documents:
        request.documents.set(documents_store(documents, region=region, uploaded_by=actor.label()))
    reduction = StaffReduction.objects.create(employment=employment, employer=employer, person=employment.person,
                                              region=region, last_day=last_day, reason=reason,
                                              request_event=request,
                                              state=Decision.PENDING if needs_review else Decision.EFFECTIVE)
    if needs_review:
        deadline_open(rule=DeadlineRule.STAFF_REDUCTION_REVIEW, subject=reduction, region=region,
                      starts_on=today_in_shanghai(), **reduction_deadline_item(reduction))
    else:
        _reduction_apply(reduction, actor=actor, channel=channel)
    return reduction


def _reduction_lock(reduction: StaffReduction, actor: Viewer, action: str) -> tuple[StaffReduction, str]:
    """The reduction, locked if the actor may see it, and the state `action` leads to."""
    locked = (scope(StaffReduction.objects.select_for_update(of=("self",)), actor)
              .select_related("employment", "person", "employer", "region", "request_event")
              .filter(pk=reduction.pk).first())
    if locked is None:
        raise NotFound(_("No such staff reduction is visible to you."))
    return locked, _transition(REDUCTION_TRANSITIONS, locked.state, action, what=_("staff reduction"))


def _reduction_apply(reduction: StaffReduction, *, actor: Viewer, channel: str) -> None:
    """End the employment (its month is the last contribution month) and suspend the relationship."""
    employment = Employment.objects.select_for_update().get(pk=reduction.employment_id)
    employment.end_date = reduction.last_day
    employment.save(update_fields=["end_date"])
    relationship = (InsuranceRelationship.objects.select_for_update()
                    .filter(person_id=reduction.person_id, region_id=reduction.region_id,
                            state=RelationshipState.ACTIVE).first())
    if relationship is None:
        return
    death = reduction.reason == SeparationReason.DEATH
    relationship.state = RelationshipState.AWAITING_REFUND if death else RelationshipState.SUSPENDED
    relationship.state_since = reduction.last_day
    relationship.save(update_fields=["state", "state_since"])
    events.relationship_suspended(relationship=relationship, person=reduction.person, region=reduction.region,
                                  employer=reduction.employer, employment=employment, reason=reduction.reason,
                                  on=reduction.last_day, actor=actor, channel=channel,
                                  note=(gettext_noop("Account kept; awaiting the heirs' refund.") if death
                                        else gettext_noop("Account kept.")))


@transaction.atomic
def staff_reduction_confirm(*, reduction: StaffReduction, actor: Viewer, channel: str,
                            note: str = "") -> StaffReduction:
    _require_reviewer(actor)
    reduction, state = _reduction_lock(reduction, actor, "confirm")
    _reduction_apply(reduction, actor=actor, channel=channel)
    return _reduction_decide(reduction, state, actor=actor, channel=channel, note=note)


@transaction.atomic
def staff_reduction_reject(*, reduction: StaffReduction, actor: Viewer, channel: str, note: str) -> StaffReduction:
    _require_reviewer(actor)
    if not note.strip():
        raise ValidationFailed.field("note", "required", _("Give the reason for rejecting the staff reduction."))
    reduction, state = _reduction_lock(reduction, actor, "reject")
    return _reduction_decide(reduction, state, actor=actor, channel=channel, note=note)


def _reduction_decide(reduction: StaffReduction, decision: str, *, actor: Viewer, channel: str,
                      note: str) -> StaffReduction:
    reduction.state = decision
    reduction.decided_by_id = actor.user_id
    reduction.decided_at = timezone.now()
    reduction.decision_note = note
    reduction.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    events.staff_reduction_decided(reduction=reduction, decision=decision, note=note, actor=actor, channel=channel)
    deadline_close(subject=reduction, rule=DeadlineRule.STAFF_REDUCTION_REVIEW)
    return reduction


__all__ = ["ApplicationError", "enrolment_confirm", "enrolment_submit", "staff_reduction_confirm",
           "staff_reduction_reject", "staff_reduction_submit"]
