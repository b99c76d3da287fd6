"""Collector files (issue 22, items 2 and 8): what a file or an API batch says, read and checked
before anything is stored. A format module (`csv_layout`, `camt053`) turns bytes into `Line`s with
their line numbers, each line's form checked here (`line_read`) as it is read; collection.staging
then holds the lines to the rules against the accounts and the stored records; any fault refuses the
whole file, every bad line named (row, field, code, message).

A `Line`'s amount is signed as the collector means it: a credit is positive, a reversal negative
and names the record it reverses (`reverses`, the collector's id of that record on the same account).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from collection.models import RecordKind
from common.problems import ApplicationError
from common.text import text_fault

PROBLEM_SLUG = "collector-file-refused"  # collection/problems.py
AMOUNT_MAX = Decimal("999999999999.99")  # numeric(14, 2)
_ACCOUNT = re.compile(r"^[0-9A-Z]{6,34}$")
_TRANSACTION_ID = re.compile(r"^[\x21-\x7e]{1,64}$")
_AMOUNT = re.compile(r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$")
LIMITS = {"payer_account": 34, "payer_name": 200, "reference_text": 500}


class FeedRefused(ApplicationError):
    status = 400
    type_slug = PROBLEM_SLUG


@dataclass
class Faults:
    """Every fault of a file, raised as one problem (the first DECLARATION_ERRORS_LISTED listed)."""

    items: list[dict] = field(default_factory=list)
    total: int = 0

    def add(self, row: int | None, field_name: str, code: str, message: str) -> None:
        self.total += 1
        if len(self.items) < settings.DECLARATION_ERRORS_LISTED:
            self.items.append({"row": row, "field": field_name, "code": code, "message": str(message)})

    def raise_if_any(self) -> None:
        if self.total:
            raise FeedRefused(_("The collector's file is refused: %(n)s error(s); nothing was stored.")
                              % {"n": self.total}, errors=self.items, total_errors=self.total)


@dataclass
class Line:
    row: int
    account: str
    transaction_id: str
    value_date: date
    amount: Decimal  # signed: a reversal is negative
    payer_account: str = ""
    payer_name: str = ""
    reference_text: str = ""
    reverses: str = ""

    @property
    def kind(self) -> str:
        return RecordKind.REVERSAL if self.amount < 0 else RecordKind.CREDIT


@dataclass
class Parsed:
    lines: list[Line]
    declared_count: int | None = None  # the file's own totals, where its format carries them
    declared_sum: Decimal | None = None  # net: credits less reversals
    read: int = 0  # record lines read, good or bad (what the declared count counts)
    good: int = 0  # lines that passed `line_read`
    net: Decimal = Decimal("0.00")  # their amounts' sum
    # Where good lines go: None keeps them in `lines`; the feed streams them into its staging table
    # instead (collection.staging), so a file of a million records is never held in memory.
    sink: Callable[[Line], None] | None = None

    def add(self, line: Line) -> None:
        self.good += 1
        self.net += line.amount
        if self.sink is None:
            self.lines.append(line)
        else:
            self.sink(line)


def line_read(raw: dict[str, str], *, row: int, faults: Faults) -> Line | None:
    """One line's fields (strings, as a format read them), checked for form; None when at fault."""
    before = faults.total
    values = {name: (raw.get(name) or "").strip() for name in
              ("account", "transaction_id", "value_date", "amount", "payer_account", "payer_name",
               "reference_text", "reverses")}
    for name, value in values.items():
        fault = text_fault(value, multiline=False)
        if fault is not None:
            faults.add(row, name, "invalid_character",
                       _("Contains a control or invisible formatting character (%(character)s).")
                       % {"character": fault})
            return None
    if not values["account"]:
        faults.add(row, "account", "required", _("Give the collection account's number."))
    elif not _ACCOUNT.match(values["account"]):
        faults.add(row, "account", "invalid", _("An account number is 6 to 34 digits or capital letters."))
    if not values["transaction_id"]:
        faults.add(row, "transaction_id", "required", _("Give the collector's transaction id."))
    elif not _TRANSACTION_ID.match(values["transaction_id"]):
        faults.add(row, "transaction_id", "invalid",
                   _("A transaction id is 1 to 64 printable ASCII characters without spaces."))
    value_date = None
    try:
        value_date = date.fromisoformat(values["value_date"]) if len(values["value_date"]) == 10 else None
    except ValueError:
        pass
    if value_date is None:
        faults.add(row, "value_date", "invalid" if values["value_date"] else "required",
                   _("Give the value date as YYYY-MM-DD."))
    amount = None
    if not _AMOUNT.match(values["amount"]):
        faults.add(row, "amount", "invalid" if values["amount"] else "required",
                   _("Give the amount in yuan with at most two decimals, e.g. 1234.50 (a reversal negative)."))
    else:
        try:
            amount = Decimal(values["amount"]).quantize(Decimal("0.01"))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            amount = None
        if amount == 0:
            faults.add(row, "amount", "not_positive", _("An amount is more than zero (a reversal less than zero)."))
        elif amount is not None and amount > 0 and values["reverses"]:
            faults.add(row, "amount", "reversal_positive",
                       _("A reversal (it names the record it reverses) has a negative amount."))
        elif amount is not None and amount < 0 and not values["reverses"]:
            faults.add(row, "reverses", "required",
                       _("A negative amount is a reversal: name the transaction id of the record it reverses."))
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            faults.add(row, name, "too_long", _("At most %(n)s characters.") % {"n": limit})
    if values["reverses"] and not _TRANSACTION_ID.match(values["reverses"]):
        faults.add(row, "reverses", "invalid", _("A transaction id is 1 to 64 printable ASCII characters."))
    if faults.total != before:
        return None
    return Line(row=row, account=values["account"], transaction_id=values["transaction_id"], value_date=value_date,
                amount=amount, payer_account=values["payer_account"], payer_name=values["payer_name"],
                reference_text=values["reference_text"], reverses=values["reverses"])
