"""Serializer fields whose errors tell the caller what to send instead.

Dates and whole numbers as a caller types them are ASCII digits (issue 25): Django's and DRF's
parsers read `\\d`, which matches full-width (`２０２６-０１-０５`) and Arabic-Indic digits too, and `int()`
reads them, so a typo in another script would go in silently. Every date and integer an API
operation takes goes through `DateField` / `IntegerField` here (and every amount through
`common.money.MoneyField`), which refuse anything but ASCII with a field error first;
`tests/common/test_ascii_inputs.py` walks the schema and sends each one full-width digits.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.dates import MONTH_PATTERN

DATE_HINT = _("Give the date as YYYY-MM-DD with ASCII digits, e.g. 2026-01-05.")
WHOLE_NUMBER_HINT = _("Give a whole number with ASCII digits, e.g. 3.")
ASCII_DIGITS_HINT = _("Write numbers and dates with ASCII digits (0-9), not full-width or other digits.")


def ascii_text(value) -> bool:
    """Whether a caller's value is free of other scripts' digits (and of anything else but ASCII);
    a value that is not text (a JSON number, a date) is for the field's own parser to judge."""
    return not isinstance(value, str) or value.isascii()


class DateField(serializers.DateField):
    """A date: ASCII YYYY-MM-DD first, then DRF's own parsing."""

    default_error_messages = {"ascii": DATE_HINT}

    def to_internal_value(self, value):
        if not ascii_text(value):
            self.fail("ascii")
        return super().to_internal_value(value)


class IntegerField(serializers.IntegerField):
    """A whole number: ASCII digits first, then DRF's own parsing."""

    default_error_messages = {"ascii": WHOLE_NUMBER_HINT}

    def to_internal_value(self, data):
        if not ascii_text(data):
            self.fail("ascii")
        return super().to_internal_value(data)


class ChoiceField(serializers.ChoiceField):
    """A choice whose invalid_choice error lists the valid values (the codes a caller sends)."""

    default_error_messages = {"invalid_choice": _('"{input}" is not a valid choice; one of: {choices}.')}

    def to_internal_value(self, data):
        if data == "" and self.allow_blank:
            return ""
        try:
            return self.choice_strings_to_values[str(data)]
        except KeyError:
            self.fail("invalid_choice", input=data, choices=", ".join(self.choice_strings_to_values))


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-10"})
class MonthField(serializers.Field):
    """A month (a contribution period, a payout month): "YYYY-MM" in answers and in requests, and
    documented so (MONTH_PATTERN). Internally the first day of the month, as the models keep it."""

    default_error_messages = {"invalid": _("Use YYYY-MM.")}

    def to_representation(self, value):
        if isinstance(value, str):  # already a month, as a snapshot holds it ("2025-03")
            return value[:7]
        return f"{value.year:04d}-{value.month:02d}"

    def to_internal_value(self, data):
        if not isinstance(data, str) or re.fullmatch(MONTH_PATTERN, data) is None:
            self.fail("invalid")
        return date(int(data[:4]), int(data[5:7]), 1)
