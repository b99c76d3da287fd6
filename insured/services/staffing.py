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
from django.utils.translation import gettext_lazy, gettext_noop

from agency.deadlines import deadline_close, deadline_open, today_in_shanghai
from agency.documents import documents_store
from common.access import Kind, Viewer, scope
from common.dates import date_not_ahead, date_not_before_establishment, employment_start_check
from common.display import message_data
from common.hot_paths import insert_or_nothing, insert_rows
from common.identifiers import IdentifierError, mask_document
from common.problems import ApplicationError, Conflict, Forbidden, NotFound, ValidationFailed
from common.services import PORTAL, STAFF, Machine, Step, entry, row_lock, transition
from employers.models import Employer, RegistrationStatus
from employers.oauth import employer_read_with_token
from insured import events
from insured.documents import document_check
from insured.hooks import employment_changed
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
from insured.relationships import relationship_move
from insured.rules import person_new
from insured.selectors.persons import person_lock_by_document
from insured.terms import StaffingRule, employer_with_terms, terms_for, terms_loaded

LATE_AFTER_DAYS = 30  # Art. 58: register within 30 days from the start of employment
REVIEW_PERMISSION = "insured.change_staffreduction"  # who confirms or rejects staff reductions and enrolments

_REVIEWERS_ONLY = gettext_lazy("Only agency staff allowed to review staffing decide this request.")

D = Decision
REDUCTION_RULE, ENROLMENT_RULE = StaffingRule.STAFF_REDUCTION_REVIEW, StaffingRule.ENROLMENT_REVIEW
# The two state machines, each in one place. A staff reduction's state is StaffReduction.state; one
# that needed no review is effective at once (a final state: created so, never moved).
REDUCTION = Machine(gettext_lazy("staff reduction"), {
    D.PENDING: {"confirm": Step(D.CONFIRMED, events.staff_reduction_confirmed, close=REDUCTION_RULE),
                "reject": Step(D.REJECTED, events.staff_reduction_rejected, close=REDUCTION_RULE)},
}, states=Decision, subject_arg="reduction",
    actions={"confirm": gettext_lazy("confirmed"), "reject": gettext_lazy("rejected")})
# An enrolment request is its (append-only) RelationshipEvent: its state is its decision, or the
# decision of the event that decided it, so there is no state column for `transition` to move.
# enrolment_confirm checks the step here and writes the decision event and the deadline itself.
# Only regions that require it keep enrolments pending.
ENROLMENT = Machine(gettext_lazy("enrolment"), {
    D.PENDING: {"confirm": Step(D.CONFIRMED, events.enrolment_confirmed, close=ENROLMENT_RULE)},
}, states=Decision, actions={"confirm": gettext_lazy("confirmed")})


def _person_text(person: InsuredPerson) -> str:
    return f"{person.name} ({mask_document(person.document_number)})"


def _enrolment_deadline_item(event: RelationshipEvent, person: InsuredPerson, employer: Employer) -> dict:
    """The confirmation deadline's search label, and its description rendered in the reader's language."""
    return {"label": f"{person.name} {mask_document(person.document_number)} {employer.name}",
            "text": message_data(gettext_noop("enrolment of %(person)s at %(employer)s from %(date)s"),
                                 dates=("date",), person=_person_text(person), employer=employer.name,
                                 date=event.effective_date)}


def _reduction_deadline_item(reduction: StaffReduction) -> dict:
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


def _not_enrollable(actor: Viewer, refusal: ApplicationError) -> ApplicationError:
    """What an enrolment refused for another's records answers (issue 25, item 4). A clerk gets the
    reason (`refusal`); a portal gets one answer whatever the reason, so that enrolling is no way to
    learn whether a number is registered under another name, on another employer's roll, when it
    left another employer, or that the person died: only what is its own ("already on your staff")
    and the employer's own facts are told apart."""
    if actor.kind is not Kind.EMPLOYER:
        return refusal
    return Conflict(_("This person cannot be enrolled by you with these details. Check the name and the number "
                      "on the ID document; if both are right, the agency's counter will tell the person what "
                      "their record needs."), type_slug="not-enrollable",
                    errors=[{"field": "document_number", "code": "not_enrollable",
                             "message": _("Not enrollable with these details.")}])


def _person_lock_or_create(*, employer: Employer, document_type: str, document_number: str, name: str,
                           birth_date: date | None, sex: str | None, actor: Viewer) -> tuple[InsuredPerson, bool]:
    """The person under this number, locked; created (and so locked by our INSERT) when unknown.
    Returns (person, created)."""
    number = _normalised(document_type, document_number)
    # Every check of the input alone before the look-up (no database access): a missing name, birth
    # date or sex, or a birth date the number contradicts, answers alike whether the number is known.
    candidate = person_new(document_type=document_type, document_number=number, name=name,
                           region=employer.region, birth_date=birth_date, sex=sex)
    name = candidate.name
    person = person_lock_by_document(number)
    if person is None:
        if insert_or_nothing(candidate, conflict=("document_number",)):
            return candidate, True
        person = person_lock_by_document(number)  # another employer registered them a moment ago
    if person.name != name:
        raise _not_enrollable(actor, Conflict(
            _("The name does not match the person registered under this document number."), type_slug="name-mismatch",
            errors=[{"field": "name", "code": "mismatch", "message": _("Check the name on the ID document.")}]))
    for field, given in (("birth_date", candidate.birth_date), ("sex", candidate.sex)):  # other documents than IDs
        if getattr(person, field) != given:
            raise _not_enrollable(actor, Conflict(
                _("The details do not match the person registered under this document number."),
                type_slug="name-mismatch", errors=[{"field": field, "code": "mismatch",
                                                    "message": _("Check the ID document.")}]))
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
            relationship_move(other, "suspend", on=on, actor=actor, person=person, channel=channel, batch=batch,
                              note=gettext_noop("Enrolled in another pooling region; kept until transferred."))
    if here is None:
        here = InsuranceRelationship(person=person, region=region, state=RelationshipState.ACTIVE, opened_on=on,
                                     state_since=on)
        insert_rows(here)
        events.relationship_opened(relationship=here, person=person, region=region, employer=employer, on=on,
                                   actor=actor, channel=channel, batch=batch)
    elif here.state == RelationshipState.AWAITING_REFUND:
        raise _not_enrollable(actor, Conflict(_("This person's account is awaiting a refund to heirs."),
                                              type_slug="relationship-closed"))
    elif here.state == RelationshipState.SUSPENDED:
        relationship_move(here, "resume", on=on, actor=actor, person=person, employer=employer, channel=channel,
                          batch=batch)
    if person.region_id != region.pk:
        person.region = region  # the agency that now keeps the active record
        person.save(update_fields=["region"])
    return here


def _check_can_start(person: InsuredPerson, employer: Employer, start_date: date, actor: Viewer) -> None:
    open_employment = Employment.objects.filter(person=person, end_date__isnull=True).first()
    if open_employment is not None:
        if open_employment.employer_id == employer.pk:
            raise Conflict(_("This person is already on your staff."), type_slug="already-enrolled",
                           errors=[{"field": "document_number", "code": "already_enrolled",
                                    "message": _("Already on your staff.")}])
        raise _not_enrollable(actor, Conflict(
            _("This person has an open employment with another employer, which must reduce staff first."),
            type_slug="open-employment", errors=[{"field": "document_number", "code": "open_employment",
                                                  "message": _("Open employment elsewhere.")}]))
    last = Employment.objects.filter(person=person).order_by("-end_date").first()
    if last is not None and last.end_date is not None and start_date <= last.end_date:
        overlaps = ValidationFailed.field("start_date", "overlaps", _("The previous employment ended on %(day)s; "
                                                                      "start after it.") % {"day": last.end_date})
        raise overlaps if last.employer_id == employer.pk else _not_enrollable(actor, overlaps)


def enrolment_submit(*, employer: Employer, document_number: str, name: str, start_date: date,
                     monthly_wage: Decimal, actor: Viewer, channel: str, document_type: str = "resident_id",
                     birth_date: date | None = None, sex: str | None = None,
                     today: date | None = None) -> RelationshipEvent:
    """Add a person to the employer's roll (Art. 58); returns the enrolment event. `today` (default:
    today in Shanghai) is the day of filing: lateness and "not too far ahead" count from it (the
    demo's history staff are filed as of a past day; the API always files as of today)."""
    today = today or today_in_shanghai()
    employer = _employer_of(employer, actor)
    if employer.registration_status != RegistrationStatus.REGISTERED:
        raise Conflict(_("Only a registered employer can enrol staff."), type_slug="employer-not-registered")
    if monthly_wage <= 0:
        raise ValidationFailed.field("monthly_wage", "min_value", _("The monthly wage must be positive."))
    date_not_ahead(start_date, field="start_date", on=today)
    date_not_before_establishment(start_date, employer.established_on, field="start_date")  # the employer's own
    person, created = _person_lock_or_create(employer=employer, document_type=document_type,
                                             document_number=document_number, name=name, birth_date=birth_date,
                                             sex=sex, actor=actor)
    employment_start_check(start_date, birth_date=person.birth_date)
    if not created:  # a person registered in this transaction has no employment to check
        _check_can_start(person, employer, start_date, actor)
    late = today > start_date + timedelta(days=LATE_AFTER_DAYS)
    details = {"monthly_wage": str(monthly_wage)}
    if terms_for(employer.region).enrolment_needs_confirmation:
        event = events.enrolment_requested(person=person, employer=employer, start_date=start_date, late=late,
                                           details=details, actor=actor, channel=channel)
        deadline_open(rule=StaffingRule.ENROLMENT_REVIEW, subject=event, region=employer.region,
                      starts_on=today, **_enrolment_deadline_item(event, person, employer))
        return event
    batch: list[RelationshipEvent] = []
    employment = _employment_open(person=person, employer=employer, start_date=start_date,
                                  monthly_wage=monthly_wage, late=late, actor=actor, channel=channel,
                                  new_person=created, batch=batch)
    event = events.enrolment_effective(employment=employment, employer=employer, late=late, details=details,
                                       actor=actor, channel=channel, batch=batch)
    insert_rows(*batch)  # in order: the events' ids follow the order of the changes
    if not created:  # a person registered in this transaction has never paid for themselves
        employment_changed(employment=employment, relationship=employment.relationship, ended=False, actor=actor,
                           channel=channel)
    return event


# An employer's portal for itself, a clerk at the counter for an employer of their region, the demo.
enrolment_submit = entry(enrolment_submit, callers=PORTAL | STAFF)


def _employer_of(employer: Employer, actor: Viewer) -> Employer:
    """The employer the caller files for, with its region and the region's staffing terms: a portal
    only for its own employer (checked here, whatever the caller passed), a clerk for an employer of
    their region. No extra query for a portal (the enrolment path)."""
    if actor.kind is Kind.EMPLOYER:
        if employer.pk != actor.employer_id:
            raise Forbidden(_("A portal files for its own employer only."))
        if employer_read_with_token(employer) and terms_loaded(employer):  # read with the token, this request
            return employer
    elif not scope(Employer.objects.filter(pk=employer.pk), actor).exists():
        raise NotFound(_("No such employer is visible to you."))
    return employer_with_terms(employer.pk)


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
            raise _not_enrollable(actor, Conflict(_("This person has an open or overlapping employment."),
                                                  type_slug="open-employment")) from None
    employment.relationship = _ensure_active_relationship(
        person=person, region=employer.region, on=start_date, actor=actor, channel=channel, employer=employer,
        new_person=new_person, batch=batch)
    return employment


def enrolment_confirm(*, event: RelationshipEvent, actor: Viewer, channel: str) -> RelationshipEvent:
    """A clerk confirms a pending enrolment (regions that require it); returns the decision event."""
    request, state = _enrolment_lock(event, actor)
    step = ENROLMENT.step(state, "confirm")
    person = InsuredPerson.objects.select_for_update().get(pk=request.person_id)
    _check_can_start(person, request.employer, request.effective_date, actor)
    employment = _employment_open(person=person, employer=request.employer, start_date=request.effective_date,
                                  monthly_wage=Decimal(request.details["monthly_wage"]), late=request.late,
                                  actor=actor, channel=channel)
    # By hand, from the step: the request is an append-only event with no state column to move.
    deadline_close(subject=request, rule=step.close)
    decision = step.event(request=request, employment=employment, actor=actor, channel=channel)
    employment_changed(employment=employment, relationship=employment.relationship, ended=False, actor=actor,
                       channel=channel)
    return decision


enrolment_confirm = entry(enrolment_confirm, callers=STAFF, permission=REVIEW_PERMISSION, refusal=_REVIEWERS_ONLY)


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


def staff_reduction_submit(*, employer: Employer, document_number: str, last_day: date, reason: str,
                           actor: Viewer, channel: str, note: str = "",
                           documents: Sequence[tuple[UploadedFile, str]] = ()) -> StaffReduction:
    """The employer takes a person off its roll; pending until a clerk confirms, where the region says so.

    `documents` are (file, DocumentKind) pairs, stored once the request is accepted, in this
    transaction; if it fails, the files are removed again."""
    if reason not in SeparationReason.values:
        raise ValidationFailed.field("reason", "invalid_choice", _("Unknown reason %(reason)r; one of: %(choices)s.")
                                     % {"reason": reason, "choices": ", ".join(SeparationReason.values)})
    employer = _employer_of(employer, actor)
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
    needs_review = terms_for(region).reduction_needs_confirmation
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
        deadline_open(rule=StaffingRule.STAFF_REDUCTION_REVIEW, subject=reduction, region=region,
                      starts_on=today_in_shanghai(), **_reduction_deadline_item(reduction))
    else:
        _reduction_apply(reduction, actor=actor, channel=channel)
    return reduction


staff_reduction_submit = entry(staff_reduction_submit, callers=PORTAL | STAFF)


def _reduction_lock(reduction: StaffReduction, actor: Viewer, action: str) -> StaffReduction:
    """The reduction, locked if the actor may see it; refused (409) when `action` is not open to it."""
    locked = row_lock(StaffReduction.objects.all(), reduction.pk, actor=actor,
                      missing=_("No such staff reduction is visible to you."),
                      related=("employment", "person", "employer", "region", "request_event"))
    REDUCTION.step(locked.state, action)
    return locked


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
    relationship_move(relationship, "await_refund" if death else "suspend", on=reduction.last_day, actor=actor,
                      person=reduction.person, employer=reduction.employer, employment=employment,
                      reason=reduction.reason, channel=channel,
                      note=(gettext_noop("Account kept; awaiting the heirs' refund.") if death
                            else gettext_noop("Account kept.")))
    if not death:
        employment_changed(employment=employment, relationship=relationship, ended=True, actor=actor, channel=channel)


def staff_reduction_confirm(*, reduction: StaffReduction, actor: Viewer, channel: str,
                            note: str = "") -> StaffReduction:
    reduction = _reduction_lock(reduction, actor, "confirm")
    _reduction_apply(reduction, actor=actor, channel=channel)
    return _reduction_decide(reduction, "confirm", actor=actor, channel=channel, note=note)


staff_reduction_confirm = entry(staff_reduction_confirm, callers=STAFF, permission=REVIEW_PERMISSION,
                                refusal=_REVIEWERS_ONLY)


def staff_reduction_reject(*, reduction: StaffReduction, actor: Viewer, channel: str, note: str) -> StaffReduction:
    if not note.strip():
        raise ValidationFailed.field("note", "required", _("Give the reason for rejecting the staff reduction."))
    reduction = _reduction_lock(reduction, actor, "reject")
    return _reduction_decide(reduction, "reject", actor=actor, channel=channel, note=note)


staff_reduction_reject = entry(staff_reduction_reject, callers=STAFF, permission=REVIEW_PERMISSION,
                               refusal=_REVIEWERS_ONLY)


def _reduction_decide(reduction: StaffReduction, action: str, *, actor: Viewer, channel: str,
                      note: str) -> StaffReduction:
    reduction.decided_by_id = actor.user_id
    reduction.decided_at = timezone.now()
    reduction.decision_note = note
    transition(REDUCTION, reduction, action, actor=actor, fields=["decided_by", "decided_at", "decision_note"],
               note=note, channel=channel)
    return reduction


__all__ = ["ApplicationError", "enrolment_confirm", "enrolment_submit", "staff_reduction_confirm",
           "staff_reduction_reject", "staff_reduction_submit"]
