"""Test helpers of payments and arrears: charges written directly, as the services above write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from common.access import Kind, Viewer
from contributions.models import Charge, ChargeKind


def charge(employer, period: date, amount, *, kind: str = ChargeKind.DECLARED, due_on: date | None = None,
           fee_from: date | None = "due", parent=None) -> Charge:
    due_on = due_on or period.replace(day=15)
    return Charge.objects.create(employer=employer, period=period, kind=kind, amount=Decimal(str(amount)),
                                 due_on=due_on, fee_from=due_on if fee_from == "due" else fee_from,
                                 parent=parent, actor="tests")


def portal_viewer(employer) -> Viewer:
    return Viewer(Kind.EMPLOYER, employer_id=employer.pk, client_id="tests")


def system() -> Viewer:
    return Viewer.system()


def declare(employer, period: date, amount, *, due_on: date | None = None, fee_from="due"):
    """A declaration of the period with its declared charge (what the declaration service writes)."""
    from contributions.models import Declaration

    sequence = Declaration.objects.filter(employer=employer, period=period).count() + 1
    due_on = due_on or period.replace(day=15)
    declaration = Declaration.objects.create(employer=employer, period=period, sequence=sequence,
                                             amount_due=Decimal(str(amount)), due_on=due_on)
    c = Charge.objects.create(employer=employer, period=period, kind=ChargeKind.DECLARED, declaration=declaration,
                              amount=Decimal(str(amount)), due_on=due_on,
                              fee_from=due_on if fee_from == "due" else fee_from, actor="tests")
    return declaration, c
