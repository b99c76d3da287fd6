"""Suspension of a relationship (中止参保) on the person's application, and the contribution certificate.

A staff reduction suspends too (insured/services/staffing.py); both write a RelationshipEvent of kind
SUSPENSION: the reduction's as an effective event, this one as a pending request and the clerk's
decision pointing at it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from agency.deadlines import deadline_open, today_in_shanghai
from agency.documents import documents_store
from agency.models import Region
from common.access import Kind, Viewer
from common.display import message_data
from common.identifiers import mask_document
from common.problems import Conflict, Forbidden, NotFound, ValidationFailed
from common.services import PERSON, STAFF, Machine, Step, entry, row_lock, transition
from insured import events as relationship_events
from insured.models import (
    ENDED_STATES,
    Decision,
    Employment,
    InsuranceRelationship,
    InsuredPerson,
    RelationshipState,
)
from insured.relationships import relationship_move
from transfers.models import Suspension, SuspensionReason
from transfers.terms import TransferRule

DECIDE_PERMISSION = "transfers.change_suspension"
_DECIDERS_ONLY = gettext_lazy("Only agency staff allowed to decide suspensions may do this.")
_PERSON_OR_STAFF = gettext_lazy("Only the person or agency staff may file this.")
RULE = TransferRule.SUSPENSION_REVIEW


def _suspension_decided(suspension: Suspension, *, actor: Viewer, channel: str, note: str) -> None:
    """The decision is a RelationshipEvent pointing at the application's (insured's writer)."""
    return relationship_events.suspension_decided(request=suspension.request_event, decision=suspension.state,
                                                  on=today_in_shanghai(), note=note, actor=actor, channel=channel)


D = Decision
SUSPENSION = Machine(gettext_lazy("suspension"), {
    D.PENDING: {"approve": Step(D.CONFIRMED, _suspension_decided, close=RULE),
                "reject": Step(D.REJECTED, _suspension_decided, close=RULE)},
}, states=Decision, actions={"approve": gettext_lazy("approved"),
                              "reject": gettext_lazy("rejected")})


def _person_for_actor(*, person: InsuredPerson | None, actor: Viewer) -> InsuredPerson:
    """The person a request is about, locked: a person acts for themselves; a clerk for a person of any
    region (the relationship's region is checked by the caller)."""
    if actor.kind is Kind.PERSON:
        person_id = actor.person_id
    elif actor.is_staff_viewer and person is not None:
        person_id = person.pk
    else:
        raise Forbidden(str(_PERSON_OR_STAFF))
    locked = InsuredPerson.objects.select_for_update().filter(pk=person_id).first()
    if locked is None:
        raise NotFound(_("No such person."))
    return locked


def _region_check(region: Region, actor: Viewer) -> None:
    """A clerk acts for their own office's region only."""
    if actor.kind is Kind.CLERK and region.pk != actor.region_id:
        raise Forbidden(_("This belongs to another region's agency."))


def _open_employment_in(person: InsuredPerson, region: Region) -> Employment | None:
    return (Employment.objects.select_related("employer")
            .filter(person=person, end_date__isnull=True, employer__region=region).first())


def _open_employment_conflict(employment: Employment) -> Conflict:
    return Conflict(_("%(employer)s still has this person on its staff; the employer must reduce staff first.")
                    % {"employer": employment.employer.name}, type_slug="open-employment",
                    errors=[{"field": "region", "code": "open_employment",
                             "message": _("Open employment in this region.")}])


def _suspension_deadline_item(suspension: Suspension) -> dict:
    person = suspension.person
    return {"label": f"{person.name} {mask_document(person.document_number)} {suspension.region.code}",
            "text": message_data(gettext_noop("suspension of %(person)s in %(region)s"),
                                 person=f"{person.name} ({mask_document(person.document_number)})",
                                 region=str(suspension.region))}


def suspension_apply(*, region: Region, reason: str, actor: Viewer, channel: str, person: InsuredPerson | None = None,
                     note: str = "", documents: Sequence[tuple[UploadedFile, str]] = ()) -> Suspension:
    """The person (or a clerk at the counter) applies to suspend the relationship in `region`."""
    if reason not in SuspensionReason.values:
        raise ValidationFailed.field("reason", "invalid_choice", _("Unknown reason %(reason)r; one of: %(choices)s.")
                                     % {"reason": reason, "choices": ", ".join(SuspensionReason.values)})
    _region_check(region, actor)
    person = _person_for_actor(person=person, actor=actor)
    relationship = (InsuranceRelationship.objects.select_for_update()
                    .filter(person=person, region=region).exclude(state__in=ENDED_STATES).first())
    if relationship is None:
        raise NotFound(_("You have no open insurance relationship in region %(region)s.") % {"region": region.code},
                       errors=[{"field": "region", "code": "no_relationship", "message": _("No relationship here.")}])
    if relationship.state != RelationshipState.ACTIVE:
        raise Conflict(_("The relationship in %(region)s is already %(state)s; the contribution certificate can "
                         "be downloaded.") % {"region": region.code, "state": relationship.get_state_display()},
                       type_slug="relationship-not-active", state=relationship.state)
    employment = _open_employment_in(person, region)
    if employment is not None:
        raise _open_employment_conflict(employment)
    if Suspension.objects.filter(relationship=relationship, state=Decision.PENDING).exists():
        raise Conflict(_("An application to suspend this relationship is already under review."),
                       type_slug="duplicate-suspension")
    today = today_in_shanghai()
    request = relationship_events.suspension_requested(relationship=relationship, person=person, region=region,
                                                       on=today, reason=reason, note=note, actor=actor,
                                                       channel=channel)
    try:
        with transaction.atomic():
            suspension = Suspension.objects.create(person=person, region=region, relationship=relationship,
                                                   reason=reason, note=note, request_event=request)
    except IntegrityError:
        raise Conflict(_("An application to suspend this relationship is already under review."),
                       type_slug="duplicate-suspension") from None
    if documents:
        stored = documents_store(documents, region=region, uploaded_by=actor.label())
        suspension.documents.set(stored)
        request.documents.set(stored)
    deadline_open(rule=RULE, subject=suspension, region=region, starts_on=today,
                  **_suspension_deadline_item(suspension))
    return suspension


suspension_apply = entry(suspension_apply, callers=PERSON | STAFF, refusal=_PERSON_OR_STAFF)


def _suspension_lock(suspension: Suspension, actor: Viewer, action: str) -> Suspension:
    """The suspension, locked when the clerk may see it; a second clerk waits, then finds it decided."""
    locked = row_lock(Suspension.objects.all(), suspension.pk, actor=actor,
                      missing=_("No such suspension is visible to you."),
                      related=("person", "region", "relationship", "request_event"))
    SUSPENSION.step(locked.state, action)  # refused before anything else is checked
    return locked


def _decide(suspension: Suspension, action: str, *, actor: Viewer, channel: str, note: str) -> Suspension:
    suspension.decided_by_id = actor.user_id
    suspension.decided_at = timezone.now()
    suspension.decision_note = note
    transition(SUSPENSION, suspension, action, actor=actor, fields=["decided_by", "decided_at", "decision_note"],
               channel=channel, note=note)
    return suspension


def suspension_approve(*, suspension: Suspension, actor: Viewer, channel: str, note: str = "") -> Suspension:
    """Approved: the relationship is suspended, the account kept. A second clerk finds it decided."""
    suspension = _suspension_lock(suspension, actor, "approve")
    employment = _open_employment_in(suspension.person, suspension.region)
    if employment is not None:
        raise _open_employment_conflict(employment)
    relationship = InsuranceRelationship.objects.select_for_update().get(pk=suspension.relationship_id)
    if relationship.state == RelationshipState.ACTIVE:  # the decision event below records the move
        relationship_move(relationship, "suspend_on_application", on=today_in_shanghai(), actor=actor)
    return _decide(suspension, "approve", actor=actor, channel=channel,
                   note=note or gettext_noop("Suspended on application; account kept."))


suspension_approve = entry(suspension_approve, callers=STAFF, permission=DECIDE_PERMISSION, refusal=_DECIDERS_ONLY)


def suspension_reject(*, suspension: Suspension, actor: Viewer, channel: str, note: str) -> Suspension:
    if not note.strip():
        raise ValidationFailed.field("note", "required", _("Give the reason for rejecting the application."))
    suspension = _suspension_lock(suspension, actor, "reject")
    return _decide(suspension, "reject", actor=actor, channel=channel, note=note)


suspension_reject = entry(suspension_reject, callers=STAFF, permission=DECIDE_PERMISSION, refusal=_DECIDERS_ONLY)
