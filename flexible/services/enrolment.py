"""A person's enrolment as a flexible worker (Art. 10; issue 28, items 1 and 3): enrol, change the base,
stop and resume. The person themselves (API, web page) or a clerk at the counter (admin).

ENROLMENT: active -> suspended (the person stops: months from next month on are not charged; the
account is kept) -> active (resumed from next month). Each step also moves the insurance relationship
(insured.relationships: `flexible_start`, `flexible_stop`), so the person's file shows the switch.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency.deadlines import today_in_shanghai
from agency.models import AverageWage, Region
from common.access import Kind, Viewer, scope
from common.problems import Conflict, NotFound, ValidationFailed
from common.services import PERSON, STAFF, Machine, Step, entry, row_lock, transition
from flexible import events
from flexible.models import BaseChoice, EnrolmentState, FlexibleEnrolment
from flexible.terms import Terms, terms_for
from insured import events as insured_events
from insured.models import ENDED_STATES, InsuranceRelationship, InsuredPerson, RelationshipState
from insured.relationships import relationship_move

ENROL_PERMISSION = "flexible.add_flexibleenrolment"
CHANGE_PERMISSION = "flexible.change_flexibleenrolment"
_REFUSAL = gettext_lazy("Only the person, or agency staff allowed to enrol flexible workers, may do this.")

ENROLMENT = Machine(gettext_lazy("flexible worker's enrolment"), {
    EnrolmentState.ACTIVE: {"stop": Step(EnrolmentState.SUSPENDED, events.enrolment_stopped)},
    EnrolmentState.SUSPENDED: {"resume": Step(EnrolmentState.ACTIVE, events.enrolment_resumed)},
}, states=EnrolmentState, actions={"stop": gettext_lazy("stopped"), "resume": gettext_lazy("resumed")})


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_add(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def average_wage(region_id: int, month: date) -> Decimal:
    """The region's average monthly wage for the month's year, or the latest year entered before it
    (wages are published with a delay); a Conflict when none is entered."""
    row = (AverageWage.objects.effective_on(month).filter(region_id=region_id, year__lte=month.year)
           .order_by("region_id", "year", "-effective_from", "-id").last())
    if row is None:
        raise Conflict(_("The region's average wage is not entered: the allowed bases cannot be computed."),
                       type_slug="flexible-no-average-wage")
    return row.monthly_wage


def _person_for(actor: Viewer, person_id: int | None) -> InsuredPerson:
    """A person's own record (whatever the request names); a clerk's person of their region. Locked."""
    if actor.kind is Kind.PERSON:
        person_id = actor.person_id
    if person_id is None:
        raise ValidationFailed.field("person", "required", _("Name the person."))
    if not scope(InsuredPerson.objects.filter(pk=person_id), actor).exists():
        raise NotFound(_("No such person in your region."))
    return InsuredPerson.objects.select_for_update(no_key=True).get(pk=person_id)


def _check_base(terms: Terms, base: Decimal, wage: Decimal) -> None:
    if base is None or base <= 0 or base != base.quantize(Decimal("0.01")):
        raise ValidationFailed.field("base", "invalid", _("A base is a positive amount in yuan with two decimals."))
    if not terms.allows(base, wage):
        low, high = terms.bounds(wage)
        if terms.grades:
            allowed = ", ".join(f"{b:.2f}" for b in terms.allowed_bases(wage))
            raise ValidationFailed.field("base", "not_a_grade",
                                         _("Choose one of the region's bases: %(allowed)s.") % {"allowed": allowed},
                                         allowed=[f"{b:.2f}" for b in terms.allowed_bases(wage)])
        raise ValidationFailed.field("base", "out_of_range",
                                     _("Choose a base from %(low)s to %(high)s.") % {"low": f"{low:.2f}",
                                                                                   "high": f"{high:.2f}"},
                                     low=f"{low:.2f}", high=f"{high:.2f}")


def _check_start(terms: Terms, start: date, today: date) -> None:
    this_month = month_of(today)
    if start != month_of(start):
        raise ValidationFailed.field("start_month", "invalid", _("Give a month, YYYY-MM."))
    earliest = month_add(this_month, -terms.backpay_months)
    if start < earliest:
        raise ValidationFailed.field("start_month", "too_early",
                                     _("The region allows back-pay from %(month)s at the earliest.")
                                     % {"month": f"{earliest:%Y-%m}"}, earliest=f"{earliest:%Y-%m}")
    if start > month_add(this_month, 1):
        raise ValidationFailed.field("start_month", "too_late",
                                     _("Enrol from this month or next month at the latest."))


def _relationship_start(person: InsuredPerson, region: Region, start: date, *, actor: Viewer,
                        channel: str) -> InsuranceRelationship:
    """The relationship in `region` moves to "paying as a flexible worker" from `start` (opened if the
    person has none there). An active relationship in another region must be transferred first."""
    relationships = list(InsuranceRelationship.objects.select_for_update().filter(person=person)
                         .exclude(state__in=ENDED_STATES))
    if any(r.region_id != region.pk and r.state == RelationshipState.ACTIVE for r in relationships):
        raise Conflict(_("The person is insured in another region: transfer the relationship first."),
                       type_slug="flexible-not-allowed",
                       errors=[{"field": "region", "code": "insured_elsewhere",
                                "message": _("The person is insured in another region.")}])
    here = next((r for r in relationships if r.region_id == region.pk), None)
    if here is None:
        here = InsuranceRelationship.objects.create(person=person, region=region, state=RelationshipState.ACTIVE,
                                                    opened_on=start, state_since=start)
        insured_events.relationship_opened(relationship=here, person=person, region=region, employer=None,
                                           on=start, actor=actor, channel=channel)
    elif here.state == RelationshipState.AWAITING_REFUND:
        raise Conflict(_("This person's account is awaiting a refund to heirs."), type_slug="relationship-closed")
    relationship_move(here, "flexible_start", on=start, actor=actor, channel=channel)
    if person.region_id != region.pk:
        person.region = region
        person.save(update_fields=["region"])
    return here


def flexible_enrol(*, actor: Viewer, region_code: str, start_month: date, base: Decimal,
                   person_id: int | None = None, channel: str = "api", today: date | None = None
                   ) -> FlexibleEnrolment:
    """Enrol the person as a flexible worker in the region from `start_month` on `base` (see the module
    docstring). Refused: a region whose rules exclude the person, a start before the back-pay allowance
    or after next month, a base outside the range or grades, a second enrolment."""
    person = _person_for(actor, person_id)
    today = today or today_in_shanghai()
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ValidationFailed.field("region", "unknown", _("No such region."))
    if actor.kind is Kind.CLERK and region.pk != actor.region_id:
        raise NotFound(_("No such region in your office."))
    terms = terms_for(region)
    if terms.residence_required and person.hukou_region_code != region.code:
        raise Conflict(_("Only persons whose household registration is in %(region)s may enrol there.")
                       % {"region": region.name}, type_slug="flexible-not-allowed",
                       errors=[{"field": "region", "code": "residence_required",
                                "message": _("The household registration must be in the region.")}])
    _check_start(terms, start_month, today)
    _check_base(terms, base, average_wage(region.pk, start_month))
    if FlexibleEnrolment.objects.filter(person=person).exists():
        raise Conflict(_("The person is enrolled as a flexible worker already."), type_slug="flexible-enrolled")
    try:
        with transaction.atomic():
            enrolment = FlexibleEnrolment.objects.create(person=person, region=region, start_month=start_month,
                                                         actor=actor.label())
    except IntegrityError:  # another enrolment of the same person committed first: one wins
        raise Conflict(_("The person is enrolled as a flexible worker already."),
                       type_slug="flexible-enrolled") from None
    BaseChoice.objects.create(enrolment=enrolment, base=base, from_month=start_month, actor=actor.label())
    _relationship_start(person, region, start_month, actor=actor, channel=channel)
    events.enrolment_made(enrolment, actor=actor, base=base, channel=channel)
    return enrolment


flexible_enrol = entry(flexible_enrol, callers=PERSON | STAFF, permission=ENROL_PERMISSION, refusal=_REFUSAL)


def _enrolment_found(actor: Viewer, person_id: int | None) -> tuple[int, int]:
    """The (enrolment, person) ids the actor may act on, not locked yet."""
    if actor.kind is Kind.PERSON:
        person_id = actor.person_id
    found = (scope(FlexibleEnrolment.objects.filter(person_id=person_id), actor)
             .values_list("pk", "person_id").first())
    if found is None:
        raise NotFound(_("No enrolment as a flexible worker."))
    return found


def _enrolment_lock(actor: Viewer, person_id: int | None) -> FlexibleEnrolment:
    found, _person = _enrolment_found(actor, person_id)
    return row_lock(FlexibleEnrolment.objects.select_related("region"), found, actor=actor,
                    missing=_("No enrolment as a flexible worker."))


def _switch_lock(actor: Viewer, person_id: int | None) -> tuple[FlexibleEnrolment, InsuranceRelationship]:
    """Stop and resume lock in the one order of a person's switches: the person, their relationship in
    the enrolment's region, then the enrolment. An employer's enrolment or staff reduction of the person
    takes the same order (insured.services.staffing, then flexible.switching), so the two wait for each
    other instead of deadlocking or each seeing the other's state before it commits."""
    found, person = _enrolment_found(actor, person_id)
    InsuredPerson.objects.select_for_update(no_key=True).filter(pk=person).first()
    region_id = FlexibleEnrolment.objects.values_list("region_id", flat=True).get(pk=found)
    relationship = (InsuranceRelationship.objects.select_for_update().filter(person_id=person, region_id=region_id)
                    .exclude(state__in=ENDED_STATES).get())
    return _enrolment_lock(actor, person), relationship


def base_for(enrolment: FlexibleEnrolment, month: date) -> Decimal | None:
    """The base the person chose for `month` (the latest choice from a month not after it)."""
    choice = enrolment.bases.filter(from_month__lte=month).order_by("-from_month", "-id").first()
    return choice.base if choice else None


def flexible_base_change(*, actor: Viewer, base: Decimal, person_id: int | None = None,
                         today: date | None = None) -> BaseChoice:
    """A new base from next month, within the region's range or grades, at most the region's number of
    changes per calendar year (once by default; the enrolment's own base does not count)."""
    enrolment = _enrolment_lock(actor, person_id)
    today = today or today_in_shanghai()
    terms = terms_for(enrolment.region_id)
    from_month = month_add(month_of(today), 1)
    _check_base(terms, base, average_wage(enrolment.region_id, from_month))
    changes = enrolment.bases.filter(is_change=True, created_at__year=today.year).count()
    if changes >= terms.base_changes_per_year:
        raise Conflict(_("The base may be changed %(n)s time(s) a year; the next change is possible from "
                         "%(year)s.") % {"n": terms.base_changes_per_year, "year": today.year + 1},
                       type_slug="flexible-base-window")
    try:
        with transaction.atomic():
            choice = BaseChoice.objects.create(enrolment=enrolment, base=base, from_month=from_month,
                                               is_change=True, actor=actor.label())
    except IntegrityError:
        raise Conflict(_("A base from %(month)s is chosen already.") % {"month": f"{from_month:%Y-%m}"},
                       type_slug="flexible-base-window") from None
    events.base_changed(enrolment, actor=actor, base=base, from_month=from_month)
    return choice


flexible_base_change = entry(flexible_base_change, callers=PERSON | STAFF, permission=CHANGE_PERMISSION,
                             refusal=_REFUSAL)


def flexible_stop(*, actor: Viewer, person_id: int | None = None, note: str = "",
                  today: date | None = None) -> FlexibleEnrolment:
    """The person stops paying from next month; the account and the months paid are kept."""
    enrolment, relationship = _switch_lock(actor, person_id)
    today = today or today_in_shanghai()
    enrolment.stopped_from = max(month_add(month_of(today), 1), enrolment.start_month)
    transition(ENROLMENT, enrolment, "stop", actor=actor, fields=["stopped_from"], note=note)
    if relationship.state == RelationshipState.ACTIVE:
        relationship_move(relationship, "flexible_stop", on=enrolment.stopped_from, actor=actor, channel="api")
    return enrolment


flexible_stop = entry(flexible_stop, callers=PERSON | STAFF, permission=CHANGE_PERMISSION, refusal=_REFUSAL)


def flexible_resume(*, actor: Viewer, person_id: int | None = None, note: str = "",
                    today: date | None = None) -> FlexibleEnrolment:
    """The person pays again from next month (the months in between stay unpaid, never charged)."""
    enrolment, relationship = _switch_lock(actor, person_id)
    today = today or today_in_shanghai()
    from_month = month_add(month_of(today), 1)
    enrolment.stopped_from = None
    before = month_add(from_month, -1)  # the months stopped are never charged
    enrolment.charged_through = max(enrolment.charged_through or before, before)
    transition(ENROLMENT, enrolment, "resume", actor=actor, fields=["stopped_from", "charged_through"],
               from_month=from_month, note=note)
    relationship_move(relationship, "flexible_start", on=from_month, actor=actor, channel="api")
    return enrolment


flexible_resume = entry(flexible_resume, callers=PERSON | STAFF, permission=CHANGE_PERMISSION, refusal=_REFUSAL)
