"""Serializer fields whose errors tell the caller what to send instead."""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.dates import MONTH_PATTERN


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
