"""JSON answers with every timestamp in Asia/Shanghai and its offset ("2026-11-02T09:30:00+08:00").

DRF's own DateTimeField already answers in the current time zone, but a body built as a dict (a
statement's summary, a hot path's rows) goes through the encoder, which wrote a datetime as loaded
from PostgreSQL: UTC with a "Z". One representation for one concept (issue 24): this encoder puts
every aware datetime in TIME_ZONE first, so the answer does not depend on how the view built it.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder


def timestamp(value: datetime.datetime) -> str:
    """An aware datetime as ISO 8601 in Asia/Shanghai (TIME_ZONE) with its offset, never "Z"."""
    return timezone.localtime(value, timezone.get_default_timezone()).isoformat()


class ShanghaiJSONEncoder(JSONEncoder):
    def default(self, obj):
        if isinstance(obj, datetime.datetime) and timezone.is_aware(obj):
            return timestamp(obj)
        return super().default(obj)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = ShanghaiJSONEncoder
