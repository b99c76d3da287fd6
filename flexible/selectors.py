"""Reads of flexible workers (issue 28), scoped with `common.access.scope`: a person their own, a clerk
their region's; and the planner (item 3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from agency.deadlines import today_in_shanghai
from agency.models import Region
from common.access import Viewer, scope
from common.problems import ApplicationError, NotFound
from flexible.models import FlexibleEnrolment
from flexible.services.enrolment import average_wage, base_for, month_add, month_of
from flexible.terms import terms_for
from insured.models import InsuredPerson
from pensions.estimate import STATUTORY, estimate_compute


def enrolments_visible(viewer: Viewer) -> QuerySet[FlexibleEnrolment]:
    return scope(FlexibleEnrolment.objects.select_related("region", "person"), viewer)


def enrolment_of(viewer: Viewer, *, person_id: int) -> FlexibleEnrolment:
    found = enrolments_visible(viewer).filter(person_id=person_id).first()
    if found is None:
        raise NotFound(_("No enrolment as a flexible worker."))
    return found


@dataclass
class PlanRow:
    base: Decimal
    percent: Decimal  # of the average wage
    monthly_cost: Decimal
    monthly_account_credit: Decimal
    monthly_pooled: Decimal
    pension_at_statutory_age: Decimal | None
    current: bool


@dataclass
class Plan:
    region_code: str
    average_wage: Decimal
    rate: Decimal
    account_rate: Decimal
    current_base: Decimal | None
    next_change_from: date
    rows: list[PlanRow]
    notes: list[str]


def planner_for(viewer: Viewer, *, person_id: int, region_code: str | None = None,
                today: date | None = None) -> Plan:
    """For each allowed base of the person's region (grades, or the range in steps): the monthly cost, the
    monthly account credit, and the statutory-age pension if the person kept paying on it (pensions.estimate).
    Before enrolment, the region may be named (default: the person's)."""
    person = scope(InsuredPerson.objects.select_related("region"), viewer).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("No such person in your region."))
    today = today or today_in_shanghai()
    enrolment = FlexibleEnrolment.objects.filter(person=person).select_related("region").first()
    region = enrolment.region if enrolment else person.region
    if region_code and not enrolment:
        region = Region.objects.filter(code=region_code).first() or region
    terms = terms_for(region.pk)
    next_month = month_add(month_of(today), 1)
    wage = average_wage(region.pk, next_month)
    current = base_for(enrolment, next_month) if enrolment else None
    notes = []
    rows = []
    for base in terms.allowed_bases(wage):
        credit = terms.account_credit(base)
        pension = None
        try:
            estimate = estimate_compute(person, as_of=today, keep_base=base, keep_credit=credit)
            point = next(p for p in estimate.points if p.key == STATUTORY)
            keep = next(s for s in point.scenarios if s.basis == "keep")
            pension = keep.total
            why = [m.text for m in keep.missing] or keep.options[:1]
            if pension is None and why and str(why[0]) not in notes:  # a dash in the table says why below it
                notes.append(str(why[0]))
        except ApplicationError as err:  # e.g. the retirement-age category is not recorded
            if str(err) not in notes:
                notes.append(str(err))
        rows.append(PlanRow(base=base, percent=(base * 100 / wage).quantize(Decimal("0.1")),
                            monthly_cost=terms.amount(base), monthly_account_credit=credit,
                            monthly_pooled=terms.amount(base) - credit, pension_at_statutory_age=pension,
                            current=base == current))
    notes.append(_("An estimate, not a decision: the pension is determined at retirement from the figures then."))
    return Plan(region_code=region.code, average_wage=wage, rate=terms.rate, account_rate=terms.account_rate,
                current_base=current, next_change_from=next_month, rows=rows, notes=notes)
