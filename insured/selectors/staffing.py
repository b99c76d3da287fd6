from __future__ import annotations

from django.db.models import QuerySet

from common.access import Viewer, scope
from insured.models import Employment, RelationshipEvent


def staff_current(viewer: Viewer, *, start_month: str | None = None) -> QuerySet[Employment]:
    """Open employments the viewer may see; `start_month` is YYYY-MM."""
    qs = scope(Employment.objects.filter(end_date__isnull=True).select_related("person"), viewer)
    if start_month:
        year, month = (int(p) for p in start_month.split("-"))
        qs = qs.filter(start_date__year=year, start_date__month=month)
    return qs


def events_visible(viewer: Viewer) -> QuerySet[RelationshipEvent]:
    return scope(RelationshipEvent.objects.select_related("person", "employer", "region"), viewer)
