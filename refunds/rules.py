"""Refund arithmetic that the services and the tests read alike."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

FEN = Decimal("0.01")


def heir_amounts(total: Decimal, shares: Sequence[Fraction]) -> list[Decimal]:
    """Split `total` by `shares` (adding up to 1) to the fen: each share rounded down, the fen left
    over go one each to the largest remainders (the first heir on a tie); the parts add up to `total`."""
    fen = int((total / FEN).to_integral_value())
    exact = [share * fen for share in shares]
    parts = [int(x) for x in exact]
    left = fen - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [(Decimal(p) * FEN).quantize(FEN, rounding=ROUND_DOWN) for p in parts]
