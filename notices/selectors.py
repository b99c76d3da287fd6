"""Reads of notices, alerts and preferences, scoped with common.access.scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import QuerySet

from common.access import Kind, Viewer, scope
from common.dates import today as today_local
from employers.models import Employer
from notices import messages
from notices.alerts import PERSON_ALERTS_SQL, window_start
from notices.models import Alert, MonthlyNotice, NoticeChannel, NoticePreference


def notices_visible(viewer: Viewer) -> QuerySet[MonthlyNotice]:
    return scope(MonthlyNotice.objects.all(), viewer)


def alerts_recorded_visible(viewer: Viewer) -> QuerySet[Alert]:
    return scope(Alert.objects.select_related("employer"), viewer)


def notice_preference_of(viewer: Viewer) -> str:
    """The calling person's channel (none without a row)."""
    row = scope(NoticePreference.objects.all(), viewer).filter(person_id=viewer.person_id).first()
    return row.channel if row is not None else NoticeChannel.NONE


@dataclass(frozen=True)
class LiveAlert:
    kind: str
    month: date
    employer_id: int
    employer_uscc: str
    employer_name: str
    text: str


def alerts_live(viewer: Viewer, *, today: date | None = None) -> list[LiveAlert]:
    """The calling person's alerts as the record stands now (notices/alerts.py), newest month first.
    Only a person reads their own: any other viewer gets none."""
    if viewer.kind is not Kind.PERSON or viewer.person_id is None:
        return []
    today = today or today_local()
    with connection.cursor() as cursor:
        cursor.execute(PERSON_ALERTS_SQL, {"person": viewer.person_id, "today": today, "since": window_start(today)})
        rows = cursor.fetchall()
    employers = {e.pk: e for e in Employer.objects.filter(pk__in={r[3] for r in rows}).only("id", "uscc", "name")}
    alerts = []
    for _person, kind, month, employer_id in rows:
        employer = employers[employer_id]
        alert = Alert(kind=kind, month=month, employer_id=employer_id)
        alerts.append(LiveAlert(kind=kind, month=month, employer_id=employer_id, employer_uscc=employer.uscc,
                                employer_name=employer.name, text=messages.alert_text(alert, employer.name)))
    return sorted(alerts, key=lambda a: (a.month, a.employer_id, a.kind), reverse=True)
