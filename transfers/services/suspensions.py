"""Suspension of a relationship (中止参保) on the person's application, and the contribution certificate.

A staff reduction suspends too (insured/services/staffing.py); both write a RelationshipEvent of kind
SUSPENSION: the reduction's as an effective event, this one as a pending request and the clerk's
decision pointing at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import PensionAccount
from agency.deadlines import deadline_close, deadline_open, today_in_shanghai
from agency.documents import documents_removed_on_error, documents_store
from agency.models import DeadlineRule, Region
from common.access import Kind, Viewer, scope, viewer_may
from common.display import message_data
from common.identifiers import mask_document
from common.problems import Conflict, Forbidden, NotFound, ValidationFailed
from insured import events as relationship_events
from insured.models import (
    ENDED_STATES,
    Decision,
    Employment,
    InsuranceRelationship,
    InsuredPerson,
    RelationshipState,
)
from transfers.models import Suspension, SuspensionReason
from transfers.services.amounts import region_months

DECIDE_PERMISSION = "transfers.change_suspension"
D = Decision
SUSPENSION_TRANSITIONS: dict[str, dict[str, str]] = {
    D.PENDING: {"approve": D.CONFIRMED, "reject": D.REJECTED},
    D.CONFIRMED: {},
    D.REJECTED: {},
}


def person_for_actor(*, person: InsuredPerson | None, actor: Viewer) -> InsuredPerson:
    """The person a request is about, locked: a person acts for themselves; a clerk for a person of any
    region (the relationship's region is checked by the caller)."""
    if actor.kind is Kind.PERSON:
        person_id = actor.person_id
    elif actor.is_staff_viewer and person is not None:
        person_id = person.pk
    else:
        raise Forbidden(_("Only the person or agency staff may file this."))
    locked = InsuredPerson.objects.select_for_update().filter(pk=person_id).first()
    if locked is None:
        raise NotFound(_("No such person."))
    return locked


def region_check(region: Region, actor: Viewer) -> None:
    """A clerk acts for their own office's region only."""
    if actor.kind is Kind.CLERK and region.pk != actor.region_id:
        raise Forbidden(_("This belongs to another region's agency."))


def open_employment_in(person: InsuredPerson, region: Region) -> Employment | None:
    return (Employment.objects.select_related("employer")
            .filter(person=person, end_date__isnull=True, employer__region=region).first())


def _open_employment_conflict(employment: Employment) -> Conflict:
    return Conflict(_("%(employer)s still has this person on its staff; the employer must reduce staff first.")
                    % {"employer": employment.employer.name}, type_slug="open-employment",
                    errors=[{"field": "region", "code": "open_employment",
                             "message": _("Open employment in this region.")}])


def suspension_deadline_item(suspension: Suspension) -> dict:
    person = suspension.person
    return {"label": f"{person.name} {mask_document(person.document_number)} {suspension.region.code}",
            "text": message_data(gettext_noop("suspension of %(person)s in %(region)s"),
                                 person=f"{person.name} ({mask_document(person.document_number)})",
                                 region=str(suspension.region))}


@documents_removed_on_error()
@transaction.atomic
def suspension_apply(*, region: Region, reason: str, actor: Viewer, channel: str, person: InsuredPerson | None = None,
                     note: str = "", documents: Sequence[tuple[UploadedFile, str]] = ()) -> Suspension:
    """The person (or a clerk at the counter) applies to suspend the relationship in `region`."""
    if reason not in SuspensionReason.values:
        raise ValidationFailed.field("reason", "invalid_choice", _("Unknown reason %(reason)r; one of: %(choices)s.")
                                     % {"reason": reason, "choices": ", ".join(SuspensionReason.values)})
    region_check(region, actor)
    person = person_for_actor(person=person, actor=actor)
    relationship = (InsuranceRelationship.objects.select_for_update()
                    .filter(person=person, region=region).exclude(state__in=ENDED_STATES).first())
    if relationship is None:
        raise NotFound(_("You have no open insurance relationship in region %(region)s.") % {"region": region.code},
                       errors=[{"field": "region", "code": "no_relationship", "message": _("No relationship here.")}])
    if relationship.state != RelationshipState.ACTIVE:
        raise Conflict(_("The relationship in %(region)s is already %(state)s; the contribution certificate can "
                         "be downloaded.") % {"region": region.code, "state": relationship.get_state_display()},
                       type_slug="relationship-not-active", state=relationship.state)
    employment = open_employment_in(person, region)
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
    deadline_open(rule=DeadlineRule.SUSPENSION_REVIEW, subject=suspension, region=region, starts_on=today,
                  **suspension_deadline_item(suspension))
    return suspension


def _suspension_lock(suspension: Suspension, actor: Viewer, action: str) -> tuple[Suspension, str]:
    if not viewer_may(actor, DECIDE_PERMISSION):
        raise Forbidden(_("Only agency staff allowed to decide suspensions may do this."))
    locked = (scope(Suspension.objects.select_for_update(of=("self",)), actor)
              .select_related("person", "region", "relationship", "request_event").filter(pk=suspension.pk).first())
    if locked is None:
        raise NotFound(_("No such suspension is visible to you."))
    allowed = SUSPENSION_TRANSITIONS.get(locked.state, {})
    if action not in allowed:
        raise Conflict(_("This suspension is already %(state)s.") % {"state": locked.get_state_display()},
                       type_slug="already-decided", state=locked.state)
    return locked, allowed[action]


def _decide(suspension: Suspension, decision: str, *, actor: Viewer, channel: str, note: str) -> Suspension:
    suspension.state = decision
    suspension.decided_by_id = actor.user_id
    suspension.decided_at = timezone.now()
    suspension.decision_note = note
    suspension.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    relationship_events.suspension_decided(request=suspension.request_event, decision=decision,
                                           on=today_in_shanghai(), note=note, actor=actor, channel=channel)
    deadline_close(subject=suspension, rule=DeadlineRule.SUSPENSION_REVIEW)
    return suspension


@transaction.atomic
def suspension_approve(*, suspension: Suspension, actor: Viewer, channel: str, note: str = "") -> Suspension:
    """Approved: the relationship is suspended, the account kept. A second clerk finds it decided."""
    suspension, decision = _suspension_lock(suspension, actor, "approve")
    employment = open_employment_in(suspension.person, suspension.region)
    if employment is not None:
        raise _open_employment_conflict(employment)
    relationship = InsuranceRelationship.objects.select_for_update().get(pk=suspension.relationship_id)
    if relationship.state == RelationshipState.ACTIVE:
        relationship.state, relationship.state_since = RelationshipState.SUSPENDED, today_in_shanghai()
        relationship.save(update_fields=["state", "state_since"])
    return _decide(suspension, decision, actor=actor, channel=channel,
                   note=note or gettext_noop("Suspended on application; account kept."))


@transaction.atomic
def suspension_reject(*, suspension: Suspension, actor: Viewer, channel: str, note: str) -> Suspension:
    if not note.strip():
        raise ValidationFailed.field("note", "required", _("Give the reason for rejecting the application."))
    suspension, decision = _suspension_lock(suspension, actor, "reject")
    return _decide(suspension, decision, actor=actor, channel=channel, note=note)


# ---------------------------------------------------------------- the contribution certificate


@dataclass(frozen=True)
class Certificate:
    """参保缴费凭证: what a region holds of a person's contributions, for the person to take along."""

    person: InsuredPerson
    region: Region
    relationship: InsuranceRelationship
    months: int
    years: list[dict]
    bases_total: Decimal
    account_balance: Decimal
    issued_on: date

    def as_dict(self) -> dict:
        full_years, rest = divmod(self.months, 12)
        return {"person_name": self.person.name, "document_number": mask_document(self.person.document_number),
                "region_code": self.region.code, "region_name": self.region.name,
                "relationship_state": self.relationship.state, "opened_on": self.relationship.opened_on,
                "state_since": self.relationship.state_since, "months_of_contribution": self.months,
                "years": full_years, "months": rest, "bases_total": f"{self.bases_total:.2f}",
                "by_year": self.years, "account_balance": f"{self.account_balance:.2f}",
                "issued_on": self.issued_on}


def contribution_certificate(viewer: Viewer, *, region_code: str, person_id: int | None = None) -> Certificate:
    """The certificate of a suspended (or transferred) relationship, read through the scoped selectors."""
    relationships = scope(InsuranceRelationship.objects.select_related("person", "region"), viewer)
    if person_id is not None:
        relationships = relationships.filter(person_id=person_id)
    relationship = relationships.filter(region__code=region_code).order_by("-id").first()
    if relationship is None:
        raise NotFound(_("No insurance relationship in region %(region)s is visible to you.")
                       % {"region": region_code},
                       errors=[{"field": "region", "code": "no_relationship", "message": _("No relationship here.")}])
    if relationship.state == RelationshipState.ACTIVE:
        raise Conflict(_("The relationship in %(region)s is active; a certificate is issued once it is suspended.")
                       % {"region": region_code}, type_slug="relationship-not-active", state=relationship.state)
    today = today_in_shanghai()
    figures = region_months(person_id=relationship.person_id, region_id=relationship.region_id,
                            until=today.replace(day=1))
    balance = (PensionAccount.objects.filter(person_id=relationship.person_id)
               .values_list("balance", flat=True).first()) or Decimal("0.00")
    return Certificate(person=relationship.person, region=relationship.region, relationship=relationship,
                       months=figures.months, years=figures.years, bases_total=figures.bases,
                       account_balance=balance, issued_on=today)
