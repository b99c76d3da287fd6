"""The daily notices job (Celery beat): the month's notices once due, the alerts, and the sending.

Each step is one service call in its own transaction; what is done is in the database (the month's
NoticeRun, the notices' and alerts' unique keys, sending_at/sent_at), so a killed job resumes.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import connection

from common.access import Viewer
from common.dates import today as today_local
from common.outbox import outbox_send_due
from notices.services.generation import alerts_generate_step, monthly_notices_generate_step
from notices.services.sending import ALERTS, NOTICES

ALERT_PERSONS = 50_000  # persons per alert step


def notice_month(today: date) -> date:
    """The month whose notices are due on `today`: this month from NOTICE_DAY on, else the previous one."""
    if today.day >= settings.NOTICE_DAY:
        return today.replace(day=1)
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


def monthly_notices_generate(month: date) -> int:
    """Every remaining range of the month's notices (resumes where a killed run stopped)."""
    written, done = 0, False
    while not done:
        step = monthly_notices_generate_step(month=month, actor=Viewer.system())
        written, done = written + step.written, step.done
    return written


def alerts_generate(today: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM insured_insuredperson")
        last = cursor.fetchone()[0]
    written = 0
    for lo in range(0, last + 1, ALERT_PERSONS):
        written += alerts_generate_step(today=today, lo=lo, hi=lo + ALERT_PERSONS, actor=Viewer.system())
    return written


def pending_send() -> dict[str, int]:
    """Every notice and alert not yet handed over, chunk after chunk, by the one outbox."""
    return {"notices": outbox_send_due(name=NOTICES, actor=Viewer.system()).sent,
            "alerts": outbox_send_due(name=ALERTS, actor=Viewer.system()).sent}


@shared_task(acks_late=True)
def notices_daily(on: str | None = None) -> dict:
    today = date.fromisoformat(on) if on else today_local()
    generated = monthly_notices_generate(notice_month(today))
    alerts = alerts_generate(today)
    return {"notices": generated, "alerts": alerts, **{f"sent_{k}": v for k, v in pending_send().items()}}
