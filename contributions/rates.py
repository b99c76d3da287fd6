"""The rule of a month's base and amounts, in one place (Art. 12, domain "Contribution base").

`rate_card(employer=..., period=...)` reads the policy tables in force for the employer's region
and month once (the year's average wage with its floor and ceiling; the rate per insurance type,
the region's row before the national one; work injury at the class rate of the employer's risk
class times its float). `RateCard.figures(wage)` then gives the base (the wage clamped to the
floor and ceiling) and the seven amounts, each rounded half-up to the fen per person, type and
part. The declaration service computes 100,000 rows with one card; the Art. 58 determination
uses the same card for its months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from agency.models import AverageWage, ContributionRate, InsuranceType
from common.problems import ValidationFailed
from contributions.fees import fen
from contributions.models import PARTS, Clamp

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RateCard:
    period: date
    floor: Decimal
    ceiling: Decimal
    percents: tuple[Decimal, ...]  # per column of PARTS (AMOUNT_COLUMNS order), in percent of the base

    def clamp(self, wage: Decimal) -> tuple[Decimal, str]:
        if wage < self.floor:
            return self.floor, Clamp.FLOOR
        if wage > self.ceiling:
            return self.ceiling, Clamp.CEILING
        return wage, Clamp.NONE

    def amounts(self, base: Decimal) -> tuple[Decimal, ...]:
        """The seven amounts of a base, each half-up to the fen."""
        return tuple(fen(base * percent / 100) for percent in self.percents)

    def figures(self, wage: Decimal) -> tuple[Decimal, str, tuple[Decimal, ...]]:
        base, clamp = self.clamp(wage)
        return base, clamp, self.amounts(base)

    def by_type(self, amounts: tuple[Decimal, ...]) -> dict[str, dict[str, str]]:
        """{insurance type: {"employer": "..", "individual": ".."}} (work injury's individual part 0.00)."""
        return amounts_by_type(amounts)


def amounts_by_type(amounts) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {kind: {"employer": str(ZERO), "individual": str(ZERO)}
                                      for kind in InsuranceType.values}
    for (kind, part, _column), amount in zip(PARTS, amounts, strict=True):
        out[kind][part] = str(amount)
    return out


def rate_card(*, employer, period: date) -> RateCard:
    """The card of `employer`'s region for `period`; a problem on `period` when the year has no
    average wage or a type has no rate in force."""
    wage_row = AverageWage.objects.effective_on(period).filter(region_id=employer.region_id, year=period.year).first()
    if wage_row is None:
        raise ValidationFailed.field("period", "no_average_wage",
                                     _("No average wage is entered for this region in %(year)s.") % {"year": period.year})
    rates = {}
    for row in (ContributionRate.objects.effective_on(period)
                .filter(Q(region_id=employer.region_id) | Q(region__isnull=True))
                .filter(Q(risk_class__isnull=True) | Q(risk_class=employer.risk_class))):
        key = row.insurance_type
        if key not in rates or row.region_id is not None:
            rates[key] = row
    if set(rates) != set(InsuranceType.values):
        raise ValidationFailed.field("period", "no_rates",
                                     _("Policy rates are missing for %(period)s.") % {"period": f"{period:%Y-%m}"})
    percents = []
    for kind, part, _column in PARTS:
        row = rates[kind]
        if part == "individual":
            percents.append(row.individual_percent)
        elif kind == InsuranceType.WORK_INJURY:
            percents.append(row.employer_percent * employer.risk_float_percent / 100)
        else:
            percents.append(row.employer_percent)
    return RateCard(period=period, floor=wage_row.base_floor, ceiling=wage_row.base_ceiling,
                    percents=tuple(percents))
