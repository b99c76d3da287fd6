"""Entering the pension's parameters: a clerk with `pensions.enter_pension_parameters` enters a
region's values for a year ahead of time, effective from a date not in the past; a superuser or a
job (SYSTEM) may enter a past one. Rows are never changed: a new row with its own date replaces the
one in force from then on, and its event names what it replaces."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from agency.deadlines import today_in_shanghai
from agency.models import Region
from common.access import Kind, Viewer, scope
from common.problems import NotFound, ValidationFailed
from common.services import STAFF, entry
from pensions import events
from pensions.models import AgeMonthsPolicy, AgeMonthsRule, BenefitParameter, LocalSupplement

PARAMETER_PERMISSION = "pensions.enter_pension_parameters"


def _region(region: Region, actor: Viewer) -> Region:
    found = scope(Region.objects.all(), actor).filter(pk=region.pk).first()
    if found is None:
        raise NotFound(_("No such region in your office."))
    return found


def _provenance(*, source: str, published_on: date, effective_from: date, actor: Viewer) -> dict:
    source = (source or "").strip()
    if not source:
        raise ValidationFailed.field("source", "required", _("Name the publication the value comes from."))
    if published_on > today_in_shanghai():
        raise ValidationFailed.field("published_on", "future", _("A value is entered once it is published."))
    if actor.kind is Kind.CLERK and effective_from < today_in_shanghai():
        raise ValidationFailed(_("A clerk enters values ahead of time."), type_slug="pension-parameter-backdated",
                               status=422, errors=[{"field": "effective_from", "code": "backdated", "message": _(
                                   "A clerk enters a value effective from today on; ask the administrator to "
                                   "correct a past one.")}])
    return {"source": source[:300], "published_on": published_on, "effective_from": effective_from,
            "entered_by": actor.label()[:100]}


def _not_twice(model, message: str, **key) -> None:
    if model.objects.filter(**key).exists():
        raise ValidationFailed.field("effective_from", "duplicate", message)


def benefit_parameter_enter(*, region: Region, year: int, benefit_base: Decimal,
                            transitional_percent: Decimal | None, source: str, published_on: date,
                            effective_from: date, actor: Viewer) -> BenefitParameter:
    """The region's benefit base (and transitional coefficient) for pensions starting in `year`."""
    region = _region(region, actor)
    if benefit_base is None or benefit_base <= 0:
        raise ValidationFailed.field("benefit_base", "min_value", _("Give the benefit base in yuan."))
    if transitional_percent is not None and not Decimal("1.0") <= transitional_percent <= Decimal("1.4"):
        raise ValidationFailed.field("transitional_percent", "range",
                                     _("The transitional coefficient is between 1.0% and 1.4%."))
    provenance = _provenance(source=source, published_on=published_on, effective_from=effective_from, actor=actor)
    _not_twice(BenefitParameter, _("A value for this year is already entered from that day."),
               region=region, year=year, effective_from=effective_from)
    replaces = (BenefitParameter.objects.effective_on(effective_from).filter(region=region, year=year).first()
                or BenefitParameter.objects.filter(region=region, year=year - 1).order_by("-effective_from").first())
    row = BenefitParameter.objects.create(region=region, year=year, benefit_base=benefit_base,
                                          transitional_percent=transitional_percent, **provenance)
    events.benefit_parameter_entered(row, actor=actor, replaces=replaces)
    return row


benefit_parameter_enter = entry(benefit_parameter_enter, callers=STAFF, permission=PARAMETER_PERMISSION)


def local_supplement_enter(*, region: Region, year: int, name: str, monthly_amount: Decimal, source: str,
                           published_on: date, effective_from: date, actor: Viewer) -> LocalSupplement:
    """A named local supplement for pensions starting in `year` (0 ends it from `effective_from`)."""
    region = _region(region, actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.field("name", "required", _("Name the supplement."))
    if monthly_amount is None or monthly_amount < 0:
        raise ValidationFailed.field("monthly_amount", "min_value", _("Give an amount in yuan, 0 or more."))
    provenance = _provenance(source=source, published_on=published_on, effective_from=effective_from, actor=actor)
    _not_twice(LocalSupplement, _("This supplement is already entered from that day."),
               region=region, year=year, name=name, effective_from=effective_from)
    row = LocalSupplement.objects.create(region=region, year=year, name=name[:100], monthly_amount=monthly_amount,
                                         **provenance)
    events.local_supplement_entered(row, actor=actor)
    return row


local_supplement_enter = entry(local_supplement_enter, callers=STAFF, permission=PARAMETER_PERMISSION)


def age_policy_enter(*, region: Region, rule: str, rounding: str, source: str, published_on: date,
                     effective_from: date, actor: Viewer) -> AgeMonthsPolicy:
    """The region's rule for the divisor of an age with months; linear interpolation states its rounding."""
    region = _region(region, actor)
    if rule not in AgeMonthsRule.values:
        raise ValidationFailed.field("rule", "invalid_choice", _("Choose a rule."))
    if rule == AgeMonthsRule.LINEAR and not rounding:
        raise ValidationFailed.field("rounding", "required", _("Linear interpolation states its rounding."))
    provenance = _provenance(source=source, published_on=published_on, effective_from=effective_from, actor=actor)
    _not_twice(AgeMonthsPolicy, _("A rule is already entered from that day."), region=region,
               effective_from=effective_from)
    row = AgeMonthsPolicy.objects.create(region=region, rule=rule,
                                         rounding=rounding if rule == AgeMonthsRule.LINEAR else "", **provenance)
    events.age_policy_entered(row, actor=actor)
    return row


age_policy_enter = entry(age_policy_enter, callers=STAFF, permission=PARAMETER_PERMISSION)
