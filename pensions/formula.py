"""The monthly basic pension (State Council 2005 No. 38), as pure functions of their inputs.

    basic part        = (benefit base + indexed wage) / 2 x years of contribution x 1%
    indexed wage      = benefit base x average contribution index
    account part      = account balance / months divisor (计发月数) of the retirement age
    transitional part = indexed wage x deemed years x the region's coefficient (1.0% .. 1.4%)
    supplements       = the region's named local supplements

Years count in months (25 years 4 months = 304/12). The index is the average over the months paid of
each month's base divided by that year's average monthly wage of the region where it was paid,
rounded half-up to four decimals. Each part is rounded half-up to the fen once (common.money.round_fen);
the indexed wage is not rounded inside the parts.

An age with months (60 years 2 months) has no divisor in the national table: the region's rule says
whether it takes the lower whole age's, a linear interpolation with its stated rounding, or none
(then the divisor is missing and the account part is not computed: never guessed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from common.money import round_fen

INDEX_PLACES = Decimal("0.0001")
PERCENT = Decimal("100")


@dataclass(frozen=True)
class Input:
    """One input of a part's formula, with where it comes from."""

    key: str
    label: str
    value: str
    source: str = ""
    published_on: date | None = None


@dataclass(frozen=True)
class Missing:
    """A parameter the estimate needs and does not have, named."""

    key: str
    text: str


@dataclass
class Part:
    key: str  # basic, account, transitional, supplements
    label: str
    amount: Decimal | None
    inputs: list[Input] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)


@dataclass(frozen=True)
class IndexedMonths:
    """Months of one region and year: their count, the sum of their bases, and that year's average wage
    (None when it is not entered)."""

    region: str
    year: int
    months: int
    bases: Decimal
    wage: Decimal | None


def contribution_index(groups: list[IndexedMonths]) -> tuple[Decimal | None, list[Missing]]:
    """The average index over the months of `groups`: sum(bases / wage) / months, to four decimals.
    A group without a wage makes the index unknown, and is named."""
    missing = [Missing(f"average_wage:{g.region}:{g.year}",
                       _("The average wage of %(region)s for %(year)s is not entered: its %(months)s months cannot "
                         "be indexed.") % {"region": g.region, "year": g.year, "months": g.months})
               for g in groups if g.wage is None and g.months]
    months = sum(g.months for g in groups)
    if missing or not months:
        return None, missing
    total = sum((g.bases / g.wage for g in groups if g.months), Decimal("0"))
    return (total / months).quantize(INDEX_PLACES, rounding=ROUND_HALF_UP), []


def basic_part(*, benefit_base: Decimal, index: Decimal, months: int) -> Decimal:
    return round_fen((benefit_base + benefit_base * index) / 2 * months / 12 / PERCENT)


def account_part(*, balance: Decimal, divisor: Decimal) -> Decimal:
    return round_fen(balance / divisor)


def transitional_part(*, benefit_base: Decimal, index: Decimal, deemed_months: int, percent: Decimal) -> Decimal:
    return round_fen(benefit_base * index * deemed_months / 12 * percent / PERCENT)


def divisor_for(*, years: int, months: int, table: dict[int, int], rule: str | None,
                rounding: str = "") -> tuple[Decimal | None, str]:
    """The divisor of an age of `years` and `months` under the region's rule ("none", "lower",
    "linear" with rounding "month" or "cent"; None when the region set none), and how it was found.
    None when it is not known."""
    if months == 0:
        return (Decimal(table[years]), _("the table's age %(age)s") % {"age": years}) if years in table else (None, "")
    if rule == "lower":
        return ((Decimal(table[years]), _("the lower whole age %(age)s") % {"age": years}) if years in table
                else (None, ""))
    if rule == "linear":
        if years not in table or years + 1 not in table:
            return None, ""
        exact = Decimal(table[years]) + (Decimal(table[years + 1]) - Decimal(table[years])) * months / 12
        places = Decimal("1") if rounding == "month" else Decimal("0.01")
        return (exact.quantize(places, rounding=ROUND_HALF_UP),
                _("linear between ages %(low)s (%(a)s) and %(high)s (%(b)s), %(m)s/12, rounded %(rounding)s")
                % {"low": years, "a": table[years], "high": years + 1, "b": table[years + 1], "m": months,
                   "rounding": _("to the whole month, half up") if rounding == "month"
                   else _("to two decimals, half up")})
    return None, ""
