"""What happened to a person's employment or relationship: every RelationshipEvent is written here.

One named function per kind of event, called by the services inside the transaction of the change
they record. The table is append-only (a trigger refuses UPDATE and DELETE); a decision on a
pending request is a new event pointing at it (`decides`). With `batch`, an event is appended to
the list for one INSERT of them all (`insert_rows(*batch)`), in the order of the changes.
"""

from __future__ import annotations

from datetime import date

from agency.models import Region
from common.access import Viewer
from employers.models import Employer
from insured.models import (
    Decision,
    Employment,
    EventKind,
    InsuranceRelationship,
    InsuredPerson,
    RelationshipEvent,
    StaffReduction,
)


def _write(*, kind: str, person: InsuredPerson | None, region: Region | None, actor: Viewer, channel: str,
           decision: str, effective_date: date, employer: Employer | None = None, batch: list | None = None,
           **fields) -> RelationshipEvent:
    """`person` and `region` may be None when `relationship` is given: then they are its own (by id,
    no query), as for every move of the relationship's machine (insured.relationships)."""
    relationship = fields.get("relationship")
    fields.update({"person": person} if person is not None else {"person_id": relationship.person_id})
    fields.update({"region": region} if region is not None else {"region_id": relationship.region_id})
    event = RelationshipEvent(
        kind=kind, employer=employer, actor=actor.label(),
        actor_user_id=actor.user_id, channel=channel, decision=decision, effective_date=effective_date, **fields)
    if batch is None:
        event.save(force_insert=True)
    else:
        batch.append(event)
    return event


def enrolment_requested(*, person: InsuredPerson, employer: Employer, start_date: date, late: bool,
                        details: dict, actor: Viewer, channel: str) -> RelationshipEvent:
    """An enrolment waiting for a clerk's confirmation (regions that require it)."""
    return _write(kind=EventKind.ENROLMENT, person=person, region=employer.region, employer=employer, actor=actor,
                  channel=channel, decision=Decision.PENDING, effective_date=start_date, late=late, details=details)


def enrolment_effective(*, employment: Employment, employer: Employer, late: bool, details: dict, actor: Viewer,
                        channel: str, batch: list | None = None) -> RelationshipEvent:
    """An enrolment that took effect at once."""
    return _write(kind=EventKind.ENROLMENT, person=employment.person, region=employer.region, employer=employer,
                  actor=actor, channel=channel, decision=Decision.EFFECTIVE, effective_date=employment.start_date,
                  late=late, employment=employment, details=details, batch=batch)


def enrolment_confirmed(*, request: RelationshipEvent, employment: Employment, actor: Viewer,
                        channel: str) -> RelationshipEvent:
    """A clerk's confirmation of a pending enrolment."""
    return _write(kind=EventKind.ENROLMENT, person=employment.person, region=request.region,
                  employer=request.employer, actor=actor, channel=channel, decision=Decision.CONFIRMED,
                  effective_date=request.effective_date, employment=employment, decides=request)


def staff_reduction_requested(*, employment: Employment, employer: Employer, last_day: date, reason: str,
                              note: str, pending: bool, actor: Viewer, channel: str) -> RelationshipEvent:
    """The employer's staff reduction: pending a clerk's confirmation, or effective at once."""
    return _write(kind=EventKind.STAFF_REDUCTION, person=employment.person, region=employer.region,
                  employer=employer, actor=actor, channel=channel,
                  decision=Decision.PENDING if pending else Decision.EFFECTIVE, effective_date=last_day,
                  employment=employment, reason=reason, note=note)


def staff_reduction_confirmed(*, reduction: StaffReduction, note: str, actor: Viewer,
                              channel: str) -> RelationshipEvent:
    """A clerk's confirmation of a pending staff reduction (the employment ended, the relationship moved)."""
    return _staff_reduction_decided(reduction=reduction, decision=Decision.CONFIRMED, note=note, actor=actor,
                                    channel=channel)


def staff_reduction_rejected(*, reduction: StaffReduction, note: str, actor: Viewer,
                             channel: str) -> RelationshipEvent:
    """A clerk's rejection of a pending staff reduction (the person stays on the roll)."""
    return _staff_reduction_decided(reduction=reduction, decision=Decision.REJECTED, note=note, actor=actor,
                                    channel=channel)


def _staff_reduction_decided(*, reduction: StaffReduction, decision: str, note: str, actor: Viewer,
                             channel: str) -> RelationshipEvent:
    return _write(kind=EventKind.STAFF_REDUCTION, person=reduction.person, region=reduction.region,
                  employer=reduction.employer, actor=actor, channel=channel, decision=decision,
                  effective_date=reduction.last_day, employment=reduction.employment, reason=reduction.reason,
                  note=note, decides=reduction.request_event)


def relationship_opened(*, relationship: InsuranceRelationship, person: InsuredPerson, region: Region,
                        employer: Employer, on: date, actor: Viewer, channel: str,
                        batch: list | None = None) -> RelationshipEvent:
    return _write(kind=EventKind.RELATIONSHIP_OPENED, person=person, region=region, actor=actor,
                  channel=channel, decision=Decision.EFFECTIVE, effective_date=on, relationship=relationship,
                  employer=employer, batch=batch)


def relationship_resumed(*, relationship: InsuranceRelationship, employer: Employer, on: date,
                         actor: Viewer, channel: str, person: InsuredPerson | None = None,
                         region: Region | None = None,
                         batch: list | None = None) -> RelationshipEvent:
    return _write(kind=EventKind.RESUMPTION, person=person, region=region, actor=actor,
                  channel=channel, decision=Decision.EFFECTIVE, effective_date=on, relationship=relationship,
                  employer=employer, batch=batch)


def relationship_flexible_started(*, relationship: InsuranceRelationship, on: date, actor: Viewer, channel: str,
                                  note: str = "", details: dict | None = None) -> RelationshipEvent:
    """From the month `on` the person pays for themselves as a flexible worker (Art. 10, issue 28)."""
    return _write(kind=EventKind.FLEXIBLE_STARTED, person=None, region=None, actor=actor, channel=channel,
                  decision=Decision.EFFECTIVE, effective_date=on, relationship=relationship, note=note,
                  details=details or {})


def relationship_flexible_stopped(*, relationship: InsuranceRelationship, on: date, actor: Viewer, channel: str,
                                  note: str = "", details: dict | None = None) -> RelationshipEvent:
    """From the month `on` the person no longer pays as a flexible worker (stopped; the account is kept)."""
    return _write(kind=EventKind.FLEXIBLE_STOPPED, person=None, region=None, actor=actor, channel=channel,
                  decision=Decision.EFFECTIVE, effective_date=on, relationship=relationship, note=note,
                  details=details or {})


def relationship_suspended(*, relationship: InsuranceRelationship, on: date, note: str,
                           actor: Viewer, channel: str, person: InsuredPerson | None = None,
                           region: Region | None = None, employer: Employer | None = None,
                           employment: Employment | None = None, reason: str = "",
                           batch: list | None = None) -> RelationshipEvent:
    """Suspended (account kept): enrolled in another region, or taken off the employer's roll."""
    return _write(kind=EventKind.SUSPENSION, person=person, region=region, employer=employer,
                  actor=actor, channel=channel, decision=Decision.EFFECTIVE, effective_date=on,
                  relationship=relationship, employment=employment, reason=reason, note=note, batch=batch)


def suspension_requested(*, relationship: InsuranceRelationship, person: InsuredPerson, region: Region, on: date,
                         reason: str, note: str, actor: Viewer, channel: str) -> RelationshipEvent:
    """A person's (or a clerk's at the counter) application to suspend the relationship: pending review.
    The same kind as a staff reduction's suspension; its decision is a new event pointing at it."""
    return _write(kind=EventKind.SUSPENSION, person=person, region=region, actor=actor, channel=channel,
                  decision=Decision.PENDING, effective_date=on, relationship=relationship, reason=reason,
                  note=note)


def suspension_decided(*, request: RelationshipEvent, decision: str, on: date, note: str, actor: Viewer,
                       channel: str) -> RelationshipEvent:
    """A clerk's approval (the relationship is suspended, the account kept) or rejection."""
    return _write(kind=EventKind.SUSPENSION, person=request.person, region=request.region, actor=actor,
                  channel=channel, decision=decision, effective_date=on, relationship=request.relationship,
                  reason=request.reason, note=note, decides=request)


def relationship_transferred(*, relationship: InsuranceRelationship, kind: str, on: date, note: str,
                             details: dict, actor: Viewer, channel: str) -> RelationshipEvent:
    """The relationship moved out of its region (TRANSFERRED_OUT) or into it (TRANSFERRED_IN)."""
    return _write(kind=kind, person=relationship.person, region=relationship.region, actor=actor,
                  channel=channel, decision=Decision.EFFECTIVE, effective_date=on, relationship=relationship,
                  note=note, details=details)
def relationship_cancelled(*, relationship: InsuranceRelationship, on: date, note: str, details: dict, actor: Viewer,
                           channel: str, person: InsuredPerson | None = None,
                           region: Region | None = None) -> RelationshipEvent:
    """Cancelled (注销): the individual account was paid out and the relationship ended. The person and
    the region are the relationship's unless given (the machine's move passes only the relationship)."""
    person = person if person is not None else relationship.person
    region = region if region is not None else relationship.region
    return _write(kind=EventKind.CANCELLATION, person=person, region=region, actor=actor, channel=channel,
                  decision=Decision.EFFECTIVE, effective_date=on, relationship=relationship, note=note,
                  details=details)


def relationship_retired(*, relationship: InsuranceRelationship, on: date, note: str, details: dict, actor: Viewer,
                         channel: str) -> RelationshipEvent:
    """The person's pension was determined and approved: the relationship receives a pension from `on`."""
    return _write(kind=EventKind.RETIREMENT, person=relationship.person, region=relationship.region, actor=actor,
                  channel=channel, decision=Decision.EFFECTIVE, effective_date=on, relationship=relationship,
                  note=note, details=details)
