"""A region's collection settings (`CollectionTerms`), read in one place: a region without a row
has the defaults below, which are the model's field defaults."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from collection.models import CollectionTerms


@dataclass(frozen=True)
class Terms:
    credit_limit: Decimal = Decimal("10000.00")  # an overpayment above it waits in suspense
    four_eyes_above: Decimal = Decimal("50000.00")  # a suspense assignment above it needs a second clerk
    order_valid_days: int = 30  # a payment order's validity

    @classmethod
    def of(cls, row: CollectionTerms) -> Terms:
        return cls(credit_limit=row.credit_limit, four_eyes_above=row.four_eyes_above,
                   order_valid_days=row.order_valid_days)


def terms_for(region) -> Terms:
    """The region's collection terms (a Region or its id); the defaults where the region has no row."""
    region_id = getattr(region, "pk", region)
    row = CollectionTerms.objects.filter(region_id=region_id).first()
    return Terms() if row is None else Terms.of(row)
