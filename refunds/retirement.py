"""Statutory retirement age and minimum contribution years (Decision of the NPC Standing Committee on
gradually raising the statutory retirement age, 2024, in force 2025-01-01).

Data, not code: each original-age category has its original age, the first birth month that is
delayed, how many months of birth add one month of delay, and the cap. The retirement month is the
birth month plus the age (the official table: a man born 1965-01 retires at 60 years 1 month, in
2025-02).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from common.problems import ValidationFailed
from insured.models import InsuredPerson, OriginalRetirementAge


@dataclass(frozen=True)
class AgeRule:
    original_years: int
    delayed_from: date  # first birth month that retires later
    birth_months_per_month: int  # one month of delay for every N months of birth
    max_delay_months: int


AGE_RULES: dict[str, AgeRule] = {
    OriginalRetirementAge.MEN_60: AgeRule(60, date(1965, 1, 1), 4, 36),  # up to 63
    OriginalRetirementAge.WOMEN_55: AgeRule(55, date(1970, 1, 1), 4, 36),  # up to 58
    OriginalRetirementAge.WOMEN_50: AgeRule(50, date(1975, 1, 1), 2, 60),  # up to 55
}

# Minimum contribution period for a monthly pension: 15 years until 2029, six months more each
# year from 2030, 20 years from 2039.
MINIMUM_MONTHS_BEFORE = 180
MINIMUM_RAISE_FROM = 2030
MINIMUM_RAISE_MONTHS = 6
MINIMUM_MONTHS_CAP = 240


@dataclass(frozen=True)
class RetirementAge:
    years: int
    months: int
    month: date  # the retirement month (its first day)
    on: date  # the day the age is reached

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return date(year, month, min(day.day, last))


def retirement_age(birth_date: date, original_age: str) -> RetirementAge:
    """The statutory retirement age and month of a person born on `birth_date` in `original_age`."""
    rule = AGE_RULES.get(original_age)
    if rule is None:
        raise ValidationFailed.field("original_retirement_age", "required",
                                     "The person's original retirement-age category is not recorded.")
    born = birth_date.replace(day=1)
    since = (born.year - rule.delayed_from.year) * 12 + born.month - rule.delayed_from.month
    delay = 0 if since < 0 else min(since // rule.birth_months_per_month + 1, rule.max_delay_months)
    total = rule.original_years * 12 + delay
    return RetirementAge(years=total // 12, months=total % 12, month=_add_months(born, total),
                         on=_add_months(birth_date, total))


def person_retirement_category(person: InsuredPerson) -> str:
    """The person's original retirement-age category: the one recorded, or for a man, who has only
    one (60), that one; "" for a woman whose category (55 cadre post, 50 worker post) is not recorded,
    a fact a clerk records (issue 23, loose end 5)."""
    if person.original_retirement_age:
        return person.original_retirement_age
    return OriginalRetirementAge.MEN_60 if person.sex == "M" else ""


def retirement_date(person: InsuredPerson, original_age: str | None = None) -> date:
    """The day `person` reaches the statutory retirement age; `original_age` defaults to the person's
    category (`person_retirement_category`)."""
    return retirement_age(person.birth_date, original_age or person_retirement_category(person)).on


def minimum_months(retirement_year: int) -> int:
    raised = max(0, retirement_year - MINIMUM_RAISE_FROM + 1) * MINIMUM_RAISE_MONTHS
    return min(MINIMUM_MONTHS_BEFORE + raised, MINIMUM_MONTHS_CAP)


def minimum_years(retirement_year: int) -> Decimal:
    """The minimum contribution period, in years, for a pension from `retirement_year`."""
    return Decimal(minimum_months(retirement_year)) / 12
