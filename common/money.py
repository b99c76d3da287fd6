"""Money as a caller types it: ASCII digits, an optional point and fen, nothing else.

Python's Decimal (and so Django's and DRF's decimal fields) reads far more: full-width and
Arabic-Indic digits (`２９９３８`, `٢٩٩٣٨`), exponents (`2.9938e4`), underscores (`29_938.00`).
Each is a way for a typo (`8_000`) to go in silently, so every amount the project takes (the API,
a declaration's rows and CSV, the admin's forms) is held to `MONEY_TEXT` and refused otherwise
with a problem naming the field. A JSON number keeps the text it was written with
(`common.parsers.JsonNumber`), so `2.9938e4` in a JSON body is refused too.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

MONEY_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
MONEY_HINT = _("Give an amount in yuan with ASCII digits and at most one point, e.g. 8000.00 "
               "(no exponent, underscore, comma or other digits).")


def money_text(value) -> str | None:
    """The text of an amount as given (a string, an int, or a JSON number's original text), or None
    when it is not written as `MONEY_TEXT` asks."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    text = getattr(value, "text", None) if isinstance(value, float) else value
    if not isinstance(text, str):
        return None
    text = text.strip()
    return text if MONEY_TEXT.fullmatch(text) else None


def money_decimal(value) -> Decimal | None:
    """The amount as a Decimal, or None when it is not written as `MONEY_TEXT` asks."""
    text = money_text(value)
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - MONEY_TEXT admits only what Decimal reads
        return None


class MoneyField(serializers.DecimalField):
    """An API amount: `MONEY_TEXT` first, then DRF's own checks (digits, decimal places)."""

    default_error_messages = {"money_text": MONEY_HINT}

    def to_internal_value(self, data):
        if money_text(data) is None:
            self.fail("money_text")
        return super().to_internal_value(money_text(data))


class MoneyFormField(forms.DecimalField):
    """An amount in an admin form: `MONEY_TEXT` first, then Django's own checks."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if money_text(str(value)) is None:
            raise ValidationError(MONEY_HINT, code="money_text")
        return super().to_python(str(value).strip())


FEN = Decimal("0.01")


def round_fen(value: Decimal) -> Decimal:
    """Half-up to the fen (half away from zero for a negative value): each part of an amount is
    rounded once, where it is computed."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)
