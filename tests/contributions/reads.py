"""Helpers of the contribution reads' tests: lines with real amounts, written as the declaration
service writes them (one row per person, month and declaration; a correction's line holds the
differences)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

from contributions.models import ContributionLine, Declaration, Determination, DeterminationState, DeterminedMonth
from contributions.models.declarations import ChargeKind
from contributions.partitions import line_partitions_ensure
from tests.contributions.charges import charge
from tests.contributions.factories import EmploymentFactory

# Rates of the tests' lines, per column (percent of the base).
RATES = {"pension_employer": D("16"), "pension_individual": D("8"), "medical_employer": D("8"),
         "medical_individual": D("2"), "unemployment_employer": D("0.5"), "unemployment_individual": D("0.5"),
         "work_injury_employer": D("0.4")}


def amounts(base) -> dict[str, D]:
    base = D(str(base))
    return {c: (base * r / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP) for c, r in RATES.items()}


def employer_part(base) -> D:
    return sum(v for c, v in amounts(base).items() if c.endswith("_employer"))


def individual_part(base) -> D:
    return sum(v for c, v in amounts(base).items() if c.endswith("_individual"))


def file(employer, period: date, bases: dict, *, charged: bool = True, actor: str = "system"):
    """A declaration (or, when the period has one, a correction) of `bases` {person: base}; a base
    is the line's figure (a correction passes the difference). Returns (declaration, charge)."""
    line_partitions_ensure([period.year])
    total = sum((sum(amounts(b).values()) for b in bases.values()), D("0.00"))
    sequence = Declaration.objects.filter(employer=employer, period=period).count() + 1
    declaration = Declaration.objects.create(
        employer=employer, period=period, sequence=sequence, source="json", rows=len(bases),
        lines_written=len(bases), total=total, difference=total, due_on=period.replace(day=15),
        declared_on=period.replace(day=5), actor=actor)
    c = charge(employer, period, total, declaration=declaration) if charged and total else None
    ContributionLine.objects.bulk_create([
        ContributionLine(declaration=declaration, person=person, employer_id=employer.pk, period=period, charge=c,
                         wage=D(str(base)), base=D(str(base)), **amounts(base))
        for person, base in bases.items()])
    return declaration, c


def determined(employer, person, period: date, base, *, confirmed: bool = True, employment=None):
    """An Art. 58 month the agency determined for `person` (confirmed: with its charge), on
    `employment` or on a new one."""
    parts = amounts(base)
    determination = Determination.objects.create(
        employment=employment or EmploymentFactory(employer=employer, person=person, start_date=period,
                                                   enrolled_late=True),
        employer=employer, person=person, region=employer.region, monthly_wage=D(str(base)),
        state=DeterminationState.CONFIRMED if confirmed else DeterminationState.PENDING)
    by_type = {}
    for column, value in parts.items():
        kind, part = column.rsplit("_", 1)
        by_type.setdefault(kind, {})[part] = str(value)
    by_type["work_injury"]["individual"] = "0.00"
    total = sum(parts.values())
    c = charge(employer, period, total, kind=ChargeKind.DETERMINED) if confirmed else None
    return DeterminedMonth.objects.create(
        determination=determination, period=period, base=D(str(base)), amounts=by_type,
        employer_amount=employer_part(base), individual_amount=individual_part(base),
        pension_individual=parts["pension_individual"], charge=c)
