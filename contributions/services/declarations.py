"""Monthly declarations (Art. 60) and their corrections: one service, `declaration_file`.

A declaration is the employer's whole roll for a month. The service checks who files (the
employer's own portal, or a clerk of its region with `contributions.add_declaration`), locks the
employer (`employer_lock`: one writer of an employer's money at a time), validates everything
and refuses the whole filing with one `declaration-invalid` problem listing every bad row (at
most DECLARATION_ERRORS_LISTED, with `total_errors`); nothing is stored then.

The roll of a month (`roll_of_month`): every person whose employment with the employer covers
any day of the month; when two employments of a person cover the month (a separation and a new
employment in it), the one that started first owns it: the old employer pays the month of
separation, the new one starts with the next month. A person-month the agency determined and a
clerk confirmed (Art. 58, `DeterminedMonth` with its charge) is not on the roll again.

Figures: one `RateCard` per filing (contributions.rates): base = wage clamped to the
year's floor and ceiling; seven amounts, each half-up to the fen. Lines go in with one COPY.

A second filing of the period is a correction (sequence + 1): each person's line holds the
difference to the sum of that person's lines so far (a person no longer on the roll gets the
negative of it); only non-zero lines are written. Charges: one "declared" charge for the net
difference of the persons the employer could declare in time (negative: a credit), due on the
period's payment day with the late fee from then; and, for persons the employer could not yet
declare (their employment was recorded after the month's first declaration was filed, or after
its payment day), a charge of their own due on the current month's payment day, or today if that
is past, with the late fee only from then (issue 11, item 2). Then `provisional_replace` reverses
an Art. 62 provisional charge of the month and allocates money and credits.

A group of lines whose difference nets to zero (a correction that moves a base from one person of the
month to another) has no charge of its own; its lines name the month's latest positive declared charge
(their sum leaves its amount as it was), so each person's individual pension difference is credited
with that charge when it settles, or, if it is paid in full already, at once through
`contributions.hooks.lines_carried`, dated the filing day (issue 23, loose end 1).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency.deadlines import today_in_shanghai
from common.access import Kind, Viewer
from common.money import money_decimal
from common.problems import ApplicationError, Conflict, NotFound, PayloadTooLarge
from common.services import PORTAL, STAFF, entry
from contributions import events
from contributions.allocation import employer_lock, provisional_replace
from contributions.hooks import declaration_filed, lines_carried
from contributions.models import AMOUNT_COLUMNS, PARTS, Charge, ChargeKind, Declaration, DeclarationKind
from contributions.partitions import line_partitions_ensure
from contributions.rates import ZERO, RateCard, amounts_by_type, rate_card
from contributions.selectors.declarations import roll_of_month
from contributions.sql import charge_paid_in_full
from contributions.terms import terms_for
from employers.models import RegistrationStatus

PERMISSION = "contributions.add_declaration"
PROBLEM_SLUG = "declaration-invalid"
_PERIOD = re.compile(r"^([0-9]{4})-([0-9]{2})$", re.ASCII)
_WAGE_MAX = Decimal("9999999999.99")  # numeric(12, 2)
_DOCUMENT = re.compile(r"^[0-9A-Z]{1,30}$")
CSV_COLUMNS = ("document_number", "wage")
CSV_OPTIONAL = ("name",)
# The same columns by their Chinese names (a clerk's spreadsheet): 证件号码, 工资, 姓名.
CSV_ALIASES = {"证件号码": "document_number", "工资": "wage", "月工资": "wage", "姓名": "name"}


class DeclarationInvalid(ApplicationError):
    status = 400
    type_slug = PROBLEM_SLUG


@dataclass
class Errors:
    """Every fault of a filing; raised as one problem."""

    items: list[dict] = field(default_factory=list)
    total: int = 0

    def add(self, row: int | None, field_name: str, code: str, message: str, **more) -> None:
        self.total += 1
        if len(self.items) < settings.DECLARATION_ERRORS_LISTED:
            self.items.append({"row": row, "field": field_name, "code": code, "message": message, **more})

    def raise_if_any(self) -> None:
        if self.total:
            raise DeclarationInvalid(
                _("The declaration is refused: %(n)s error(s); nothing was stored.") % {"n": self.total},
                errors=self.items, total_errors=self.total)


@dataclass(frozen=True)
class ClampedRow:
    row: int
    document_number: str
    wage: Decimal
    base: Decimal
    bound: str  # "floor" or "ceiling"


@dataclass
class DeclarationResult:
    declaration: Declaration
    clamped: list[ClampedRow]
    charges: list[Charge]

    @property
    def difference(self) -> Decimal:
        return self.declaration.difference


# --- input -------------------------------------------------------------------------------------------

def _period_parse(value, errors: Errors) -> date | None:
    if isinstance(value, date):
        return value.replace(day=1)
    match = _PERIOD.match(value) if isinstance(value, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        errors.add(None, "period", "invalid", _("Give the period as YYYY-MM."))
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def _wage(value, row: int, errors: Errors) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors.add(row, "wage", "required" if value is None else "invalid",
                   _("Give the monthly wage in yuan, e.g. 8000.00."))
        return None
    wage = money_decimal(value)  # ASCII digits only: no exponent, underscore or other script
    if wage is None:
        errors.add(row, "wage", "invalid", _("The wage is not a number written with ASCII digits, e.g. 8000.00."))
        return None
    if wage <= 0:
        errors.add(row, "wage", "not_positive", _("The wage must be positive."))
    elif wage.as_tuple().exponent < -2:
        errors.add(row, "wage", "decimals", _("The wage has more than two decimals."))
    elif wage > _WAGE_MAX:
        errors.add(row, "wage", "too_large", _("The wage is too large."))
    else:
        return wage.quantize(Decimal("0.01"))
    return None


def _document(value, row: int, errors: Errors) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.add(row, "document_number", "required", _("Give the person's document number."))
        return None
    number = value.strip().upper()
    if not _DOCUMENT.match(number):
        errors.add(row, "document_number", "unknown_document", _("No insured person has this document number."))
        return None
    return number


def _csv_size_check(data) -> None:
    """A CSV declaration is at most DECLARATION_CSV_MAX_BYTES (413 otherwise), before it is read."""
    size = len(data) if isinstance(data, (bytes, bytearray)) else getattr(data, "size", None)
    limit = settings.DECLARATION_CSV_MAX_BYTES
    if size is not None and size > limit:
        raise PayloadTooLarge(_("A CSV declaration is at most %(limit)s bytes (%(rows)s rows fit well within it).")
                              % {"limit": limit, "rows": settings.DECLARATION_MAX_ROWS})


def _rows_from_csv(data, errors: Errors) -> Iterator[dict | None] | None:
    """The rows of an uploaded CSV (UTF-8, with or without BOM; header `document_number,wage`, an
    optional `name` column ignored; the Chinese names 证件号码, 工资, 姓名 also do), read as a stream:
    `data` is the file (or its bytes), decoded and split a line at a time, so memory follows one
    line, not the file, and the caller stops reading as soon as there are too many rows. Faults are
    added to `errors` with the data row's number; None when the file cannot be read at all."""
    binary = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else getattr(data, "file", data)
    if hasattr(binary, "seek"):
        binary.seek(0)
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        first = next(reader, [])
    except UnicodeDecodeError:
        errors.add(None, "file", "encoding", _("The file is not UTF-8 text."))
        text.detach()
        return None
    except csv.Error:
        first = []
    if any("\x00" in cell for cell in first):
        errors.add(None, "file", "malformed", _("The file is not a CSV text file."))
        text.detach()
        return None
    header = [CSV_ALIASES.get(h.strip(), h.strip().lower()) for h in first]
    if not set(CSV_COLUMNS) <= set(header) or not set(header) <= set(CSV_COLUMNS + CSV_OPTIONAL) \
            or len(set(header)) != len(header):
        errors.add(None, "file", "header", _("The first line must be the header document_number,wage "
                                             "(a name column may follow)."))
        text.detach()
        return None
    return _csv_records(text, reader, header, errors)


def _csv_records(text: io.TextIOWrapper, reader, header: list[str], errors: Errors) -> Iterator[dict | None]:
    """The data lines as rows; the upload itself is left open for its owner (detached, not closed)."""
    try:
        yield from _csv_lines(reader, header, errors)
    finally:
        if not text.closed:
            text.detach()


def _csv_lines(reader, header: list[str], errors: Errors) -> Iterator[dict | None]:
    doc_at, wage_at, width = header.index("document_number"), header.index("wage"), len(header)
    number = 0
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank lines
            number += 1
            if any("\x00" in cell for cell in record):
                errors.add(None, "file", "malformed", _("The file is not a CSV text file."))
                errors.raise_if_any()
            if len(record) != width:
                errors.add(number, "file", "columns",
                           _("This line has %(got)s columns; the header has %(want)s.") % {"got": len(record),
                                                                                           "want": width})
                yield None
                continue
            yield {"document_number": record[doc_at], "wage": record[wage_at]}
    except UnicodeDecodeError:
        errors.add(None, "file", "encoding", _("The file is not UTF-8 text."))
        errors.raise_if_any()
    except csv.Error:
        errors.add(number + 1, "file", "malformed", _("This line cannot be read as CSV."))


def _rows_check(rows, errors: Errors) -> list[tuple[int, str, Decimal | None]]:
    """(row number, document number, wage) of each row, each checked on its own; rows are counted
    while they are read, and reading stops at the first row past DECLARATION_MAX_ROWS (refused)."""
    parsed: list[tuple[int, str, Decimal | None]] = []
    limit = settings.DECLARATION_MAX_ROWS
    for number, item in enumerate(rows, start=1):
        if number > limit:
            errors.add(None, "rows", "too_many", _("A declaration has at most %(n)s rows.") % {"n": limit})
            errors.raise_if_any()
        if item is None:
            continue  # a CSV line already refused
        if not isinstance(item, dict):
            errors.add(number, "row", "invalid", _("A row is an object with document_number and wage."))
            continue
        doc = _document(item.get("document_number"), number, errors)
        wage = _wage(item.get("wage"), number, errors)
        if doc is not None:
            parsed.append((number, doc, wage))
    return parsed


# --- the roll -----------------------------------------------------------------------------------------

_PREVIOUS_SQL = f"""
SELECT person_id, sum(wage), sum(base), {", ".join(f"sum({c})" for c in AMOUNT_COLUMNS)}
  FROM contributions_contributionline
 WHERE employer_id = %s AND period = %s
 GROUP BY person_id
"""


def _previous(employer_id: int, period: date) -> dict[int, tuple[Decimal, ...]]:
    """Each person's current figure of the period (the sum of their lines): (wage, base, *amounts)."""
    with connection.cursor() as cursor:
        cursor.execute(_PREVIOUS_SQL, [employer_id, period])
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


# --- the service --------------------------------------------------------------------------------------

def _check_employer(actor: Viewer, employer_id: int) -> None:
    """A portal files for its own employer, a clerk for the employers of the region (the declaration
    of `declaration_file` has refused every other caller, and a clerk without the permission)."""
    if actor.kind is Kind.EMPLOYER:
        if actor.employer_id != employer_id:
            raise NotFound(_("No such employer."))
        return
    if actor.kind is Kind.CLERK:
        from employers.models import Employer

        region_id = Employer.objects.filter(pk=employer_id).values_list("region_id", flat=True).first()
        if region_id != actor.region_id:
            raise NotFound(_("No such employer."))


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _validate_period(period: date | None, employer, today: date, errors: Errors) -> RateCard | None:
    if period is None:
        return None
    if period > today.replace(day=1):
        errors.add(None, "period", "future", _("The period is after the current month."))
        return None
    if period < employer.established_on.replace(day=1):
        errors.add(None, "period", "before_establishment", _("The period is before the employer was established."))
        return None
    try:
        return rate_card(employer=employer, period=period)
    except ApplicationError as err:
        for e in err.errors:
            errors.add(None, e["field"], e["code"], e["message"])
        return None


def declaration_file(*, employer_id: int, period, rows: Iterable[dict | None] | None = None, source: str,
                     actor: Viewer, csv_data=None, voucher=None,
                     today: date | None = None) -> DeclarationResult:
    """File the employer's roll for `period` ("YYYY-MM" or a date): `rows` of {document_number,
    wage}, or `csv_data` (the uploaded file, or its bytes; read as a stream, at most
    DECLARATION_CSV_MAX_BYTES). Returns the declaration, its clamped rows and its charges; raises one
    `declaration-invalid` problem listing every fault, storing nothing."""
    today = today or today_in_shanghai()
    _check_employer(actor, employer_id)
    errors = Errors()
    month = _period_parse(period, errors)
    # The rows are read and checked before the employer is locked: a large upload does not hold
    # the employer's other writers while it is parsed (issue 25, item 2).
    if csv_data is not None:
        _csv_size_check(csv_data)
        rows = _rows_from_csv(csv_data, errors)
        if rows is None:  # not a CSV we can read at all
            errors.raise_if_any()
    elif not isinstance(rows, list):
        errors.add(None, "rows", "invalid", _("Give the rows as a list."))
        errors.raise_if_any()
    parsed = _rows_check(rows, errors)
    employer = employer_lock(employer_id)
    if employer.registration_status != RegistrationStatus.REGISTERED:
        raise Conflict(_("Only a registered employer can declare."), type_slug="employer-not-registered")
    card = _validate_period(month, employer, today, errors)
    if card is None:
        errors.raise_if_any()

    # Against the roll: unknown numbers, persons not on staff, duplicates, staff without a row.
    roll = roll_of_month(employer_id, month)
    seen: dict[str, int] = {}
    strangers: list[tuple[int, str]] = []
    for number, doc, _wage_value in parsed:
        if doc in seen:
            errors.add(number, "document_number", "duplicate",
                       _("This person has another row (row %(row)s).") % {"row": seen[doc]})
            continue
        seen[doc] = number
        if doc not in roll:
            strangers.append((number, doc))
    # One answer whether or not the number is registered elsewhere: a declaration is no way to test
    # document numbers against the whole registry (issue 25, item 4).
    for number, _doc in strangers:
        errors.add(number, "document_number", "not_on_staff",
                   _("This person is not on your staff in %(period)s.") % {"period": f"{month:%Y-%m}"})
    for doc in sorted(set(roll) - set(seen)):
        errors.add(None, "rows", "missing", _("A person on your staff in %(period)s has no row: %(number)s.")
                   % {"period": f"{month:%Y-%m}", "number": doc}, document_number=doc)
    errors.raise_if_any()
    return _record(employer=employer, month=month, card=card, parsed=parsed, roll=roll, source=source,
                   actor=actor, voucher=voucher, today=today)


declaration_file = entry(declaration_file, callers=STAFF | PORTAL, permission=PERMISSION, refusal=gettext_lazy(
    "Only the employer or agency staff allowed to file declarations may do this."))


def _record(*, employer, month: date, card: RateCard, parsed, roll, source, actor: Viewer, voucher,
            today: date) -> DeclarationResult:
    terms = terms_for(employer.region_id)
    due_on = terms.due_on(month)
    previous_filings = list(Declaration.objects.filter(employer_id=employer.pk, period=month)
                            .order_by("sequence").values_list("sequence", "kind", "declared_at"))
    sequence = (previous_filings[-1][0] + 1) if previous_filings else 1
    first_declared_at = next((at for _s, kind, at in previous_filings if kind == DeclarationKind.DECLARED), None)
    # Persons the employer could not declare in time: recorded after the first filing or the payment day.
    cutoff = _end_of(due_on)
    if first_declared_at is not None:
        cutoff = min(cutoff, first_declared_at)
    previous = _previous(employer.pk, month) if previous_filings else {}

    n_amounts = len(AMOUNT_COLUMNS)
    cache: dict[Decimal, tuple] = {}
    clamped: list[ClampedRow] = []
    lines: list[tuple] = []  # (person_id, group, wage, base, clamp, *amounts); group 1 = could not declare
    totals = [ZERO] * n_amounts
    for number, doc, wage in parsed:
        figures = cache.get(wage)
        if figures is None:
            figures = cache[wage] = card.figures(wage)
        base, clamp, amounts = figures
        if clamp:
            clamped.append(ClampedRow(number, doc, wage, base, clamp))
        totals = [t + a for t, a in zip(totals, amounts, strict=True)]
        person_id, recorded_at = roll[doc]
        group = 1 if recorded_at > cutoff else 0
        before = previous.pop(person_id, None)
        if before is None:
            lines.append((person_id, group, wage, base, clamp, *amounts))
        else:
            diff = (wage - before[0], base - before[1], *(a - b for a, b in zip(amounts, before[2:], strict=True)))
            if any(diff):
                lines.append((person_id, group, diff[0], diff[1], clamp, *diff[2:]))
    for person_id, before in previous.items():  # off the roll now: their figure goes back to zero
        if any(before):
            lines.append((person_id, 0, -before[0], -before[1], "", *(-b for b in before[2:])))

    sums = [ZERO, ZERO]
    for line in lines:
        sums[line[1]] += sum(line[5:], ZERO)
    total = sum(totals, ZERO)
    difference = sums[0] + sums[1]
    declaration = Declaration.objects.create(
        employer_id=employer.pk, period=month, sequence=sequence, kind=DeclarationKind.DECLARED, source=source,
        rows=len(parsed), lines_written=len(lines), clamped_rows=len(clamped), totals=amounts_by_type(totals),
        total=total, difference=difference, due_on=due_on, declared_on=today,
        late=today > terms.declare_by(month), voucher=voucher, actor=actor.label(), actor_user_id=actor.user_id)
    charges: list[Charge | None] = [None, None]
    later_due = max(terms.due_on(today.replace(day=1)), today)
    for group, amount in enumerate(sums):
        if amount == 0:
            continue
        charge_due = due_on if group == 0 else later_due
        charges[group] = Charge.objects.create(
            employer_id=employer.pk, period=month, kind=ChargeKind.DECLARED, declaration=declaration, amount=amount,
            due_on=charge_due, fee_from=charge_due if amount > 0 else None, actor=actor.label(),
            actor_user_id=actor.user_id)
    charge_ids = [c.pk if c is not None else None for c in charges]
    carrier = None
    if any(charge_ids[g] is None and any(line[1] == g for line in lines) for g in (0, 1)):
        # Lines that net to zero (a correction moving money between persons of the month): no charge of
        # their own; they ride on the month's latest positive declared charge, which their sum leaves
        # unchanged, so each person's individual part is credited with it (issue 23, loose end 1).
        carrier = _carrier(employer.pk, month)
        if carrier is not None:
            charge_ids = [carrier if cid is None else cid for cid in charge_ids]
    if lines:
        line_partitions_ensure([month.year])
        _copy_lines(lines, month=month, employer_id=employer.pk, declaration_id=declaration.pk,
                    charge_ids=charge_ids)
    if carrier is not None and _paid_in_full(carrier):
        # The carrier was settled already: nothing will settle it again, so the accounts post each
        # person's difference now, dated the filing day (see lines_carried in contributions.hooks).
        lines_carried(declaration_id=declaration.pk, employer_id=employer.pk, period=month, charge_id=carrier,
                      on=today, actor=actor.label())
    written = [c for c in charges if c is not None]
    (events.declaration_filed if sequence == 1 else events.declaration_corrected)(declaration, actor=actor,
                                                                                   charges=written)
    provisional_replace(declaration=declaration, actor=actor)
    declaration_filed(declaration=declaration, actor=actor)
    return DeclarationResult(declaration=declaration, clamped=clamped, charges=written)


def _carrier(employer_id: int, month: date) -> int | None:
    """The month's latest positive declared charge: the one zero-net lines are credited with."""
    return (Charge.objects.filter(employer_id=employer_id, period=month, kind=ChargeKind.DECLARED, amount__gt=0)
            .order_by("-pk").values_list("pk", flat=True).first())


def _paid_in_full(charge_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {charge_paid_in_full('c')} FROM contributions_charge c WHERE c.id = %s", [charge_id])
        return bool(cursor.fetchone()[0])


_COPY_SQL = ("COPY contributions_contributionline (period, employer_id, person_id, declaration_id, charge_id, "
             "wage, base, clamp, " + ", ".join(AMOUNT_COLUMNS) + ") FROM STDIN")


def _copy_lines(lines: list[tuple], *, month: date, employer_id: int, declaration_id: int,
                charge_ids: list[int | None]) -> None:
    """All lines in one COPY (text format, built in memory in chunks)."""
    head = f"{month.isoformat()}\t{employer_id}\t"
    tails = [f"\t{declaration_id}\t{cid if cid is not None else chr(92) + 'N'}\t" for cid in charge_ids]
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's cursor: COPY is not in the DB-API
        with raw.copy(_COPY_SQL) as copy:
            chunk: list[str] = []
            for person_id, group, *values in lines:
                chunk.append(head + str(person_id) + tails[group] + "\t".join(map(str, values)) + "\n")
                if len(chunk) >= 10_000:
                    copy.write("".join(chunk))
                    chunk = []
            if chunk:
                copy.write("".join(chunk))


PART_NAMES = {column: (kind, part) for kind, part, column in PARTS}
