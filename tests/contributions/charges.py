"""Test helpers of payments and arrears: charges written directly, as the services above write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contributions.models import Charge, ChargeKind, Declaration


def bare_declaration(employer, period: date, amount, *, due_on: date | None = None) -> Declaration:
    """A declaration row without lines (what a declared charge needs to point at)."""
    sequence = Declaration.objects.filter(employer=employer, period=period).count() + 1
    amount = Decimal(str(amount))
    return Declaration.objects.create(employer=employer, period=period, sequence=sequence, source="json", rows=0,
                                      lines_written=0, total=amount, difference=amount,
                                      due_on=due_on or period.replace(day=15), declared_on=period.replace(day=5),
                                      actor="tests")


def charge(employer, period: date, amount, *, kind: str = ChargeKind.DECLARED, due_on: date | None = None,
           fee_from: date | None = "due", parent=None, declaration=None) -> Charge:
    due_on = due_on or period.replace(day=15)
    if kind == ChargeKind.DECLARED and declaration is None:
        declaration = bare_declaration(employer, period, amount, due_on=due_on)
    return Charge.objects.create(employer=employer, period=period, kind=kind, amount=Decimal(str(amount)),
                                 due_on=due_on, fee_from=due_on if fee_from == "due" else fee_from,
                                 parent=parent, declaration=declaration, actor="tests")


def declare(employer, period: date, amount, *, due_on: date | None = None, fee_from="due"):
    """A declaration of the period with its declared charge (what the declaration service writes)."""
    declaration = bare_declaration(employer, period, amount, due_on=due_on)
    c = charge(employer, period, amount, due_on=due_on, fee_from=fee_from, declaration=declaration)
    return declaration, c


def line(declaration, person, base="6000.00"):
    """A person's contribution line in a declaration (amounts left at zero: only the month matters)."""
    from contributions.models import AMOUNT_COLUMNS, ContributionLine

    return ContributionLine.objects.create(
        declaration=declaration, person=person, employer_id=declaration.employer_id, period=declaration.period,
        wage=Decimal(base), base=Decimal(base), **{c: Decimal("0.00") for c in AMOUNT_COLUMNS})
