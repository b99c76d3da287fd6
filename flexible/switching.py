"""Switching between an employer and paying for oneself, at month boundaries, both directions (issue 28,
item 1): the staffing services call this through `insured.hooks.employment_hooks`, in their transaction.

- An employer enrols a person who is a flexible worker: the months from the employment's first one are the
  employer's. The relationship records `flexible_stop` from that month; months already charged to the person
  for it (an enrolment entered late) are reversed: a `self_paid_reversal` credit cancels each charge (and its
  late fee), the money paid for them is given back to the person (it pays their other open months or stays
  their credit up to the region's credit limit, the rest waiting in suspense for a clerk, as money from the
  collector above the limit does: collection.applying.given_back_limit), and the account credit of each is
  taken back by a correcting entry.
- The employer's staff reduction ends the employment: a flexible worker who has not stopped pays again from
  the month after the last working day; the relationship of the enrolment's region records `flexible_start`
  from then, whichever region the employer was in (an employer of another region suspended it when it enrolled
  the person; that region's relationship is suspended by the reduction, and the enrolment's region keeps the
  person's record again). (One who had stopped resumes when they choose: `flexible_resume`.)
- Locks: the person, then their relationships, then the enrolment, as `flexible_stop` and `flexible_resume`
  take them (flexible/services/enrolment.py `_switch_lock`).

The enrolment itself does not change state: the monthly run skips the employer's months either way
(flexible/services/charges.py); the relationship events are what the person's file shows.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_noop

from accounts.credits import credits_reverse
from agency.deadlines import today_in_shanghai
from collection.applying import given_back_limit
from common.access import Viewer
from contributions.allocation import charges_settle, person_lock, self_paid_reverse
from contributions.models import Allocation, SelfPaidMonth
from flexible import events
from flexible.models import EnrolmentState, FlexibleEnrolment
from flexible.services.enrolment import month_add, month_of
from insured.models import ENDED_STATES, InsuranceRelationship, InsuredPerson, RelationshipState
from insured.relationships import relationship_move


def employed_months_reverse(enrolment: FlexibleEnrolment, *, first: date, last: date | None, actor: Viewer,
                            employment_id: int | None = None) -> list[str]:
    """Reverse the person's flexible months from `first` to `last` (open: to the last charged), which an
    employer's roll now covers (see the module docstring). Returns the months reversed, YYYY-MM."""
    person_lock(enrolment.person_id)
    periods = list(SelfPaidMonth.objects.filter(person_id=enrolment.person_id, period__gte=first,
                                                **({"period__lte": last} if last else {}))
                   .values_list("period", flat=True))
    if not periods:
        return []
    label = actor.label()
    reversed_ = self_paid_reverse(person_id=enrolment.person_id, periods=periods, actor=label)
    if not reversed_:
        return []
    credits_reverse(charge_ids=[c.pk for c in reversed_], on=today_in_shanghai(), actor=label[:100],
                    note="flexible month insured by an employer")
    charges_settle(person_id=enrolment.person_id, actor=label)
    given_back = sorted(set(Allocation.objects.filter(charge_id__in=[c.pk for c in reversed_], amount__lt=0,
                                                      payment_id__isnull=False).values_list("payment_id", flat=True)))
    to_suspense = given_back_limit(payment_ids=given_back, actor=actor)
    months = sorted({f"{c.period:%Y-%m}" for c in reversed_})
    events.months_reversed(enrolment, actor=actor, months=months, employment=employment_id,
                           to_suspense=f"{to_suspense:.2f}")
    return months


def _enrolment_lock(person_id: int) -> FlexibleEnrolment | None:
    """The person's enrolment, locked: last in the one lock order of a person's switches (the person, then
    their relationships, then the enrolment), which `flexible_stop` and `flexible_resume` take too."""
    return FlexibleEnrolment.objects.select_for_update().filter(person_id=person_id).first()


def _home_relationship(enrolment: FlexibleEnrolment) -> InsuranceRelationship | None:
    """The relationship in the enrolment's region, locked, when it is suspended and no other relationship
    of the person is active (an employer of another region keeps the active one until its staff reduction)."""
    live = list(InsuranceRelationship.objects.select_for_update().filter(person_id=enrolment.person_id)
                .exclude(state__in=ENDED_STATES).order_by("pk"))
    if any(r.state == RelationshipState.ACTIVE for r in live):
        return None
    return next((r for r in live if r.region_id == enrolment.region_id and r.state == RelationshipState.SUSPENDED),
                None)


def employment_changed(*, employment, relationship, ended: bool, actor: Viewer, channel: str) -> None:
    """The insured.hooks entry: see the module docstring. `relationship` is the employer's region's; the
    enrolment's region may be another (an employer there enrolled the flexible worker): its relationship
    was suspended by that enrolment, and the staff reduction starts it again (`flexible_start` from the
    month after the last day), the enrolment's region keeping the person's active record."""
    region_id = FlexibleEnrolment.objects.filter(person_id=employment.person_id).values_list("region_id",
                                                                                           flat=True).first()
    if region_id is None:
        return
    person = None
    if ended and (relationship is None or relationship.region_id != region_id):  # the person before the rest
        person = InsuredPerson.objects.select_for_update(no_key=True).get(pk=employment.person_id)
    enrolment = _enrolment_lock(employment.person_id)
    details = {"employment": employment.pk, "employer": employment.employer_id}
    same_region = relationship is not None and relationship.region_id == enrolment.region_id
    if not ended:
        first = month_of(employment.start_date)
        employed_months_reverse(enrolment, first=first, last=month_of(employment.end_date) if employment.end_date
                                else None, actor=actor, employment_id=employment.pk)
        paying = enrolment.state == EnrolmentState.ACTIVE and (enrolment.stopped_from is None
                                                               or enrolment.stopped_from > first)
        if same_region and paying and relationship.state == RelationshipState.ACTIVE:
            relationship_move(relationship, "flexible_stop", on=max(first, enrolment.start_month), actor=actor,
                              channel=channel, details=details,
                              note=gettext_noop("Insured by an employer from this month."))
        return
    if enrolment.state != EnrolmentState.ACTIVE:
        return
    home = relationship if same_region else _home_relationship(enrolment)
    if home is None or home.state != RelationshipState.SUSPENDED:
        return
    relationship_move(home, "flexible_start", on=month_add(month_of(employment.end_date), 1),
                      actor=actor, channel=channel, details=details,
                      note=gettext_noop("Pays again as a flexible worker after the employment."))
    if person is not None and person.region_id != enrolment.region_id:  # the enrolment's region keeps the record
        person.region_id = enrolment.region_id
        person.save(update_fields=["region"])
