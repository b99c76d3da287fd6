"""Serializer fields whose errors tell the caller what to send instead."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2026-10"})
class MonthField(serializers.DateField):
    """A contribution period (the first day of a month) answered as YYYY-MM, and documented so."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m")
        super().__init__(**kwargs)
