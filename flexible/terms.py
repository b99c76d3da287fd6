"""A region's terms for flexible workers (`FlexibleTerms`), read in one place: a region without a row has
the defaults, which are the model's field defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flexible.models import FlexibleTerms

FEN = Decimal("0.01")


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Terms:
    residence_required: bool = False
    backpay_months: int = 3
    floor_percent: Decimal = Decimal("60")
    ceiling_percent: Decimal = Decimal("300")
    grades: tuple[Decimal, ...] = ()
    planner_step_percent: Decimal = Decimal("20")
    rate: Decimal = Decimal("0.2000")
    account_rate: Decimal = Decimal("0.0800")
    due_day: int = 25
    backpay_in_year_without_fee: bool = True
    base_changes_per_year: int = 1

    @classmethod
    def of(cls, row: FlexibleTerms) -> Terms:
        return cls(residence_required=row.residence_required, backpay_months=row.backpay_months,
                   floor_percent=row.floor_percent, ceiling_percent=row.ceiling_percent,
                   grades=tuple(sorted(Decimal(str(g)) for g in (row.grades or []))),
                   planner_step_percent=row.planner_step_percent, rate=row.rate, account_rate=row.account_rate,
                   due_day=row.due_day, backpay_in_year_without_fee=row.backpay_in_year_without_fee,
                   base_changes_per_year=row.base_changes_per_year)

    def bounds(self, average_wage: Decimal) -> tuple[Decimal, Decimal]:
        """The lowest and highest base of the region's range, rounded half-up to the fen."""
        return fen(average_wage * self.floor_percent / 100), fen(average_wage * self.ceiling_percent / 100)

    def allowed_bases(self, average_wage: Decimal) -> list[Decimal]:
        """The bases the planner shows: the grades, or the range in steps (its ends included)."""
        low, high = self.bounds(average_wage)
        if self.grades:
            return [fen(average_wage * g / 100) for g in self.grades]
        bases, percent = [], self.floor_percent
        while percent < self.ceiling_percent:
            bases.append(fen(average_wage * percent / 100))
            percent += self.planner_step_percent
        return bases + [high]

    def allows(self, base: Decimal, average_wage: Decimal) -> bool:
        if self.grades:
            return base in self.allowed_bases(average_wage)
        low, high = self.bounds(average_wage)
        return low <= base <= high

    def amount(self, base: Decimal) -> Decimal:
        """The month's charge: the base times the flexible rate, half-up to the fen."""
        return fen(base * self.rate)

    def account_credit(self, base: Decimal) -> Decimal:
        """The part credited to the individual account (the rest is pooled)."""
        return fen(base * self.account_rate)

    def due_on(self, period: date) -> date:
        return period.replace(day=self.due_day)

    def fee_from(self, period: date) -> date:
        """The day after which the late fee runs (contributions.fees): the due day, or with back-payment
        within the year allowed, the last day of the period's year."""
        if self.backpay_in_year_without_fee:
            return date(period.year, 12, 31)
        return self.due_on(period)


def terms_for(region) -> Terms:
    """The region's flexible terms (a Region or its id); the defaults where the region has no row."""
    region_id = getattr(region, "pk", region)
    row = FlexibleTerms.objects.filter(region_id=region_id).first()
    return Terms() if row is None else Terms.of(row)
