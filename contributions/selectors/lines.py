"""Reads of contribution lines (issue 11, item 7): an employer's monthly notice (Art. 60), a
person's months (Art. 74), and the clerks' panels. Scoped by `common.access.scope` like every read.

Lines are never changed: a correction adds lines holding the differences, so every figure here is
the SUM of a person's lines of one employer and month ("net of corrections"); a person whose lines
of a month net to zero (taken off the roll by a correction) drops out. The line table is
partitioned by period and will hold a billion rows, so every read names its period (the notice:
index (employer_id, period, person_id), read from the cursor on) or its person (index
(person_id, period)); nothing here counts or scans the whole table.

A month is `paid` when every charge its lines make up is settled: a positive charge has a live
allocation (one no release undid) with `settles_charge`; a negative charge (a correction that
lowered the month) owes nothing. Confirmed Art. 58 months (DeterminedMonth with its charge) are
months too, paid when their charge is settled.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.postgres.aggregates import BoolAnd
from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from common.access import Viewer, scope
from contributions.models import (
    AMOUNT_COLUMNS,
    EMPLOYER_COLUMNS,
    INDIVIDUAL_COLUMNS,
    PARTS,
    Charge,
    ChargeKind,
    ContributionLine,
)
from contributions.models.declarations import SelfPaidMonth
from contributions.models.payments import Allocation, DeterminationState, DeterminedMonth
from insured.models import InsuredPerson

ZERO = Decimal("0.00")
FIGURES: tuple[str, ...] = ("base", *AMOUNT_COLUMNS)
# Aggregates are named `<column>_net` (an annotation may not take a field's name).
NET = {f"{c}_net": Sum(c) for c in FIGURES}
# Every figure nets to zero: taken off by a correction (the ORM twin of contributions.sql.month_on_the_roll).
NOT_ON_THE_ROLL = {f"{c}_net": 0 for c in FIGURES}
SOURCE_DECLARED = "declared"
SOURCE_DETERMINED = "determined"
SOURCE_FLEXIBLE = "flexible"  # issue 28: a month the person paid for themselves (Art. 10)
SOURCES = (SOURCE_DECLARED, SOURCE_DETERMINED, SOURCE_FLEXIBLE)
NO_EMPLOYER = 0  # a flexible month's employer id in the months' order and cursors


def lines_visible(viewer: Viewer) -> QuerySet[ContributionLine]:
    """The one selector of contribution lines: a portal its employer's, a person their own, a clerk
    the lines of their region's employers."""
    return scope(ContributionLine.objects.all(), viewer)


def determined_months_visible(viewer: Viewer) -> QuerySet[DeterminedMonth]:
    return scope(DeterminedMonth.objects.all(), viewer)


def self_paid_months_visible(viewer: Viewer) -> QuerySet[SelfPaidMonth]:
    return scope(SelfPaidMonth.objects.all(), viewer)


# --- figures ----------------------------------------------------------------------------------------

@dataclass
class Figures:
    """A base and the seven amounts (net), with the employer's and the individual's totals."""

    base: Decimal = ZERO
    amounts: dict[str, Decimal] = field(default_factory=lambda: {c: ZERO for c in AMOUNT_COLUMNS})

    @classmethod
    def from_row(cls, row: dict) -> "Figures":
        return cls(base=row["base_net"] or ZERO,
                   amounts={c: row[f"{c}_net"] or ZERO for c in AMOUNT_COLUMNS})

    @property
    def by_type(self) -> dict[str, dict[str, Decimal]]:
        """{"pension": {"employer": .., "individual": ..}, ..., "work_injury": {"employer": ..}}"""
        out: dict[str, dict[str, Decimal]] = {}
        for insurance_type, part, column in PARTS:
            out.setdefault(insurance_type, {})[part] = self.amounts[column]
        return out

    @property
    def employer_total(self) -> Decimal:
        return sum((self.amounts[c] for c in EMPLOYER_COLUMNS), ZERO)

    @property
    def individual_total(self) -> Decimal:
        return sum((self.amounts[c] for c in INDIVIDUAL_COLUMNS), ZERO)

    @property
    def total(self) -> Decimal:
        return self.employer_total + self.individual_total


# --- the employer's monthly notice (Art. 60) --------------------------------------------------------

def notice_rows(viewer: Viewer, *, employer_id: int, period: date) -> QuerySet[dict]:
    """Per person of the employer's period: `person_id` and the net figures, in person order.
    A values queryset for the cursor pagination (ordering `person_id`): the cursor's
    `person_id > x` goes into WHERE, before the grouping, so a page reads its own lines only."""
    return (lines_visible(viewer).filter(employer_id=employer_id, period=period)
            .values("person_id").annotate(**NET).exclude(**NOT_ON_THE_ROLL).order_by("person_id"))


def notice_totals(viewer: Viewer, *, employer_id: int, period: date) -> Figures:
    """The period's totals over every line of the employer (the sum of the notice's rows)."""
    return Figures.from_row(lines_visible(viewer).filter(employer_id=employer_id, period=period).aggregate(**NET))


@dataclass
class NoticeRow:
    person_id: int
    name: str
    document_number: str  # full: the API masks it
    figures: Figures


def notice_page(rows: list[dict]) -> list[NoticeRow]:
    """Names and document numbers of a page's persons. They are the persons of lines the caller
    sees (a portal sees no person through scope, only its staff's lines), looked up by id."""
    persons = InsuredPerson.objects.in_bulk([r["person_id"] for r in rows])
    return [NoticeRow(person_id=r["person_id"], name=persons[r["person_id"]].name,
                      document_number=persons[r["person_id"]].document_number, figures=Figures.from_row(r))
            for r in rows]


# --- a person's months -------------------------------------------------------------------------------

@dataclass
class Month:
    period: date
    employer_id: int
    employer_name: str
    employer_uscc: str
    source: str  # "declared" (the employer's lines), "determined" (Art. 58, confirmed) or "flexible" (Art. 10)
    paid: bool
    figures: Figures

    @property
    def insured_as(self) -> str:
        """"employee" (an employer's month) or "flexible" (the person paid it themselves, issue 28)."""
        return "flexible" if self.source == SOURCE_FLEXIBLE else "employee"


def _settled(charge_ref: str) -> Exists:
    """The charge `charge_ref` points at is paid in full now (its allocations, releases included, add up
    to its amount): the ORM twin of contributions.sql.charge_settled (tests/contributions/test_sql_rules.py)."""
    allocated = (Allocation.objects.filter(charge_id=OuterRef("pk")).order_by().values("charge_id")
                 .annotate(total=Sum("amount")).values("total"))
    return Exists(Charge.objects.filter(pk=OuterRef(charge_ref))
                  .filter(amount__lte=Coalesce(Subquery(allocated), Value(Decimal(0)), output_field=MONEY)))


def _lines_paid() -> BoolAnd:
    unsettled = Charge.objects.filter(pk=OuterRef("charge_id"), amount__gt=0).exclude(_settled("pk"))
    return BoolAnd(~Exists(unsettled))


MONEY = DecimalField(max_digits=14, decimal_places=2)


def _keyset(key: tuple | None, *, reverse: bool, source: str, period: str, employer: str) -> Q:
    """Rows after `key` = (period, employer_id, source) in the order (period, employer, source)
    descending (`reverse`: before it, ascending), for one side of the union whose source is fixed."""
    if key is None:
        return Q()
    p, e, s = key
    op = "gt" if reverse else "lt"
    condition = Q(**{f"{period}__{op}": p}) | Q(**{period: p, f"{employer}__{op}": e})
    if (source > s) if reverse else (source < s):
        condition |= Q(**{period: p, employer: e})
    return condition


def person_months_query(viewer: Viewer, *, person_id: int, date_from: date | None = None,
                        date_to: date | None = None, after: tuple | None = None, reverse: bool = False):
    """The person's months (net lines per employer, and confirmed Art. 58 months) as one UNION
    query ordered by (period, employer, source), newest first (`reverse`: oldest first). The ORM twin
    of the SQL the statements compose from contributions.sql (month_on_the_roll, charge_settled,
    determined_month_counts)."""
    lines = lines_visible(viewer).filter(person_id=person_id)
    months = determined_months_visible(viewer).filter(
        determination__person_id=person_id, determination__state=DeterminationState.CONFIRMED,
        charge__isnull=False)
    if date_from:
        lines, months = lines.filter(period__gte=date_from), months.filter(period__gte=date_from)
    if date_to:
        lines, months = lines.filter(period__lte=date_to), months.filter(period__lte=date_to)
    lines = lines.filter(_keyset(after, reverse=reverse, source=SOURCE_DECLARED, period="period",
                                 employer="employer_id"))
    months = months.filter(_keyset(after, reverse=reverse, source=SOURCE_DETERMINED, period="period",
                                   employer="determination__employer_id"))
    lines = (lines.values("period", "employer_id")
             .annotate(employer_name=F("employer__name"), employer_uscc=F("employer__uscc"),
                       source=Value(SOURCE_DECLARED), paid=_lines_paid(), **NET)
             .exclude(**NOT_ON_THE_ROLL))
    amounts = {f"{column}_net": Cast(KT(f"amounts__{insurance_type}__{part}"), MONEY)
               for insurance_type, part, column in PARTS}
    months = (months.order_by().values("period")
              .annotate(employer_id_=F("determination__employer_id"),
                        employer_name=F("determination__employer__name"),
                        employer_uscc=F("determination__employer__uscc"),
                        source=Value(SOURCE_DETERMINED), paid=_settled("charge_id"),
                        base_net=F("base"), **amounts))
    flexible = (self_paid_months_visible(viewer).filter(person_id=person_id)
                .exclude(charge__children__kind=ChargeKind.SELF_PAID_REVERSAL))  # an employer's month after all
    if date_from:
        flexible = flexible.filter(period__gte=date_from)
    if date_to:
        flexible = flexible.filter(period__lte=date_to)
    flexible = flexible.filter(_keyset_fixed(after, reverse=reverse))
    # A flexible month: the person pays the whole; the account's part is `pension_individual`, the pooled
    # rest stands where an employer's part would (`pension_employer`).
    flexible = (flexible.order_by().values("period")
                .annotate(employer_id_=Value(NO_EMPLOYER), employer_name=Value(""), employer_uscc=Value(""),
                          source=Value(SOURCE_FLEXIBLE), paid=_settled("charge_id"), base_net=F("base"),
                          **{f"{column}_net": (Cast(F("amount") - F("pension_individual"), MONEY)
                                               if column == "pension_employer" else
                                               Cast(F("pension_individual"), MONEY)
                                               if column == "pension_individual" else Cast(Value(0), MONEY))
                             for column in AMOUNT_COLUMNS}))
    order = ("period", "employer_id", "source") if reverse else ("-period", "-employer_id", "-source")
    return lines.union(months, flexible, all=True).order_by(*order)


def _keyset_fixed(key: tuple | None, *, reverse: bool) -> Q:
    """`_keyset` for the flexible months, whose employer id (NO_EMPLOYER) and source are fixed."""
    if key is None:
        return Q()
    p, e, s = key
    op = "gt" if reverse else "lt"
    condition = Q(**{f"period__{op}": p})
    after_in_month = (NO_EMPLOYER > e or (NO_EMPLOYER == e and SOURCE_FLEXIBLE > s)) if reverse else \
        (NO_EMPLOYER < e or (NO_EMPLOYER == e and SOURCE_FLEXIBLE < s))
    if after_in_month:
        condition |= Q(period=p)
    return condition


def person_months(viewer: Viewer, *, person_id: int, limit: int, date_from: date | None = None,
                  date_to: date | None = None, after: tuple | None = None, reverse: bool = False) -> list[Month]:
    """Up to `limit` months after the key `after` (newest first; `reverse`: the ones before it,
    returned newest first too)."""
    rows = list(person_months_query(viewer, person_id=person_id, date_from=date_from, date_to=date_to,
                                    after=after, reverse=reverse)[:limit])
    found = [Month(period=r["period"], employer_id=r["employer_id"], employer_name=r["employer_name"],
                   employer_uscc=r["employer_uscc"], source=r["source"], paid=bool(r["paid"]),
                   figures=Figures.from_row(r)) for r in rows]
    return found[::-1] if reverse else found


# --- keyset cursors for a person's months -----------------------------------------------------------

def cursor_encode(month: Month, *, reverse: bool) -> str:
    raw = json.dumps([month.period.isoformat(), month.employer_id, month.source, int(reverse)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[tuple, bool]:
    """(key, reverse); ValueError when it is not one of ours."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        period, employer_id, source, reverse = raw
        key = (date.fromisoformat(period), int(employer_id), str(source))
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError("invalid cursor") from err
    if source not in SOURCES or reverse not in (0, 1):
        raise ValueError("invalid cursor")
    return key, bool(reverse)
