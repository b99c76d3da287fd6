"""The collector's CSV layout (documented in the README, "The collection feed").

UTF-8 (a byte-order mark allowed), comma-separated, a header line naming the columns in any order:

    account,transaction_id,value_date,amount,payer_account,payer_name,reference,reverses

`account`, `transaction_id`, `value_date` (YYYY-MM-DD) and `amount` (yuan, a point and at most two
decimals; a reversal negative, with `reverses` naming the collector's id of the record it takes back)
are required; the others may be left out or empty. An optional last line `TOTAL,<records>,<net amount>`
carries the file's own totals, which must agree with its lines. Line numbers count from the header (1).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.utils.translation import gettext as _

from collection.feeds import Faults, Parsed, line_read

REQUIRED = ("account", "transaction_id", "value_date", "amount")
OPTIONAL = ("payer_account", "payer_name", "reference", "reverses")
_FIELD_OF = {"reference": "reference_text"}
TOTAL = "TOTAL"


def parse(content: bytes | BinaryIO, faults: Faults, parsed: Parsed | None = None) -> Parsed:
    """The file's lines into `parsed` (a new one when None). `content` is the file's bytes or a binary
    stream, read line by line (a file of a million records is never held whole)."""
    parsed = parsed if parsed is not None else Parsed([])
    if isinstance(content, bytes | bytearray):
        content = io.BytesIO(content)
    text = io.TextIOWrapper(content, encoding="utf-8-sig", newline="")
    try:
        _rows_read(csv.reader(text), parsed, faults)
    except UnicodeDecodeError as error:
        faults.add(None, "file", "encoding", _("The file is not UTF-8 (byte %(at)s).") % {"at": error.start})
    finally:
        text.detach()
    return parsed


def _rows_read(rows, parsed: Parsed, faults: Faults) -> None:
    header = next(rows, None)
    if not header:
        faults.add(1, "file", "empty", _("The file is empty: a header line is expected."))
        return
    columns = [name.strip().lower() for name in header]
    for name in columns:
        if name not in REQUIRED + OPTIONAL:
            faults.add(1, name, "unknown_column",
                       _("Unknown column; the columns are: %(columns)s.") % {"columns": ", ".join(REQUIRED + OPTIONAL)})
    for name in REQUIRED:
        if name not in columns:
            faults.add(1, name, "missing_column", _("The header has no column %(column)s.") % {"column": name})
    if faults.total:
        return
    for cells in rows:
        row = rows.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if parsed.declared_count is not None:
            faults.add(row, "file", "after_total", _("Nothing may follow the TOTAL line."))
            continue
        if cells[0].strip().upper() == TOTAL:
            _total_read(cells, row, parsed, faults)
            continue
        parsed.read += 1
        if len(cells) != len(columns):
            faults.add(row, "file", "columns", _("The line has %(has)s fields; the header has %(want)s.")
                       % {"has": len(cells), "want": len(columns)})
            continue
        line = line_read({_FIELD_OF.get(name, name): cell for name, cell in zip(columns, cells, strict=True)},
                         row=row, faults=faults)
        if line is not None:
            parsed.add(line)


def _total_read(cells: list[str], row: int, parsed: Parsed, faults: Faults) -> None:
    try:
        parsed.declared_count = int(cells[1].strip())
        parsed.declared_sum = Decimal(cells[2].strip()).quantize(Decimal("0.01"))
    except (IndexError, ValueError, InvalidOperation):
        parsed.declared_count = -1
        faults.add(row, "total", "invalid", _("The TOTAL line is TOTAL,<records>,<net amount>."))
