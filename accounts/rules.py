"""The bookkeeping interest rule (domain.md, "Interest"): the month-accumulation formula for one
account and year, and the published rates it uses. Pure reads and arithmetic: the yearly run
(accounts.services.interest) and closing interest (accounts.postings) both use it.

For a year with rate r, an account's interest is opening x r + sum over months n = 1..12 of
credit(n) x (12 - n + 1) x r / 12; with the rate in percent: (12 x opening + sum credit(n) x
(13 - n)) x percent / 1200, rounded half-up to the fen once per account and year. An account closed
during the year gets interest up to its closing month m by the same method.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from agency.models import InterestRate
from common.problems import ApplicationError

FEN = Decimal("0.01")


class InterestRateMissing(ApplicationError):
    status = 409
    type_slug = "interest-rate-missing"


def interest_rate_percent(year: int) -> Decimal | None:
    """The published rate for `year` in percent, or None while it is not entered."""
    row = InterestRate.objects.filter(year=year).order_by("-effective_from", "-id").first()
    return row.percent if row else None


def interest_rate_for_closing(year: int) -> tuple[Decimal, int]:
    """The rate for an account closed in `year` before that year's rate is published: the latest
    published year's rate (INTEREST_RATE for a closing year is not yet known). Returns (percent, year used)."""
    row = InterestRate.objects.filter(year__lte=year).order_by("-year", "-effective_from", "-id").first()
    if row is None:
        raise InterestRateMissing(f"No bookkeeping interest rate is entered for {year} or any year before it.",
                                  year=year)
    return row.percent, row.year


def interest_compute(*, opening: Decimal, credits_by_month: dict[int, Decimal], percent: Decimal,
                     until_month: int = 12) -> Decimal:
    """The month-accumulation formula for one account and year, up to `until_month` (12: whole year).
    The twin of accounts.sql.interest_amount, which the yearly run uses (tests/accounts/test_sql_rules.py)."""
    weighted = sum((amount * (until_month - month + 1) for month, amount in credits_by_month.items()
                    if month <= until_month), Decimal(0))
    raw = (opening * until_month + weighted) * percent / Decimal(1200)
    return raw.quantize(FEN, rounding=ROUND_HALF_UP)
