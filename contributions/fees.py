"""The money rules of late fees (Art. 86), as pure functions (tests: property-based; the SQL twin is
`contributions.sql.late_fee`, proved equal in tests/contributions/test_sql_rules.py).

Unpaid principal bears the daily rate (region setting, default 0.05%) for each day from the day
after its `fee_from` day to the day it is paid, both counted: a charge due on the 15th and paid
on the 16th owes one day. A charge paid in parts owes, for each part, its amount times its days;
the sum is rounded half-up to the fen once per charge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
DEFAULT_DAILY_RATE = Decimal("0.0005")


def fen(value: Decimal) -> Decimal:
    """Half-up to the fen (for negative values: half away from zero, as PostgreSQL's round())."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def late_days(fee_from: date | None, paid_on: date) -> int:
    """Days of lateness of money paid on `paid_on` for a charge whose fee runs after `fee_from`."""
    if fee_from is None:
        return 0
    return max((paid_on - fee_from).days, 0)


@dataclass(frozen=True)
class Part:
    amount: Decimal  # negative for a release, which carries the day of the part it gives back
    paid_on: date


def late_fee(*, parts: Iterable[Part], unpaid: Decimal, fee_from: date | None, on: date,
             rate: Decimal = DEFAULT_DAILY_RATE) -> Decimal:
    """The late fee of one charge as it stands on `on`: the parts paid (on their days) and what is
    still unpaid (counted to `on`), rounded half-up once."""
    if fee_from is None:
        return Decimal("0.00")
    amount_days = sum((p.amount * late_days(fee_from, p.paid_on) for p in parts), Decimal(0))
    return late_fee_of(amount_days=amount_days, unpaid=unpaid, fee_from=fee_from, on=on, rate=rate)


def late_fee_of(*, amount_days: Decimal, unpaid: Decimal, fee_from: date | None, on: date,
                rate: Decimal = DEFAULT_DAILY_RATE) -> Decimal:
    """The same fee from the parts' summed amount-days (as the arrears statement reads them); the
    twin of `contributions.sql.late_fee`."""
    if fee_from is None:
        return Decimal("0.00")
    return fen((amount_days + max(unpaid, Decimal(0)) * late_days(fee_from, on)) * rate)

