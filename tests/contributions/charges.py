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
