"""The one CSV writer of the project: every file we write is opened by someone in a spreadsheet
(a clerk's export, the print shop's manifest), so a text cell that a spreadsheet would run as a
formula is written as text.

A cell is neutralised when it is a string starting with `=`, `+`, `-`, `@`, a tab or a carriage
return (the characters Excel, LibreOffice and WPS read as the start of a formula or of a DDE call):
it gets a leading apostrophe, which the spreadsheet shows as text and does not display. Numbers
(int, Decimal) are written as they are, so a negative amount stays a number.
"""

from __future__ import annotations

import csv
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_neutral(value: Any) -> Any:
    """`value` as a spreadsheet will not run it: a string starting with a formula character gets a
    leading apostrophe; anything else (numbers, dates, None) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer with every cell passed through `cell_neutral`; `writerow` returns what the
    underlying writer returns (the line, for a streaming echo buffer)."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([cell_neutral(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs) -> SafeWriter:
    """The writer every CSV the project produces goes through (see the module's docstring)."""
    return SafeWriter(out, **kwargs)
