"""Scheduled work of flexible workers (Celery beat, config/celery.py): each day the month's charges of
every enrolment not yet charged through the current month (flexible.services.charges). A batch per call,
each its own transaction; what is done is in the database (`charged_through`, the unique person-month),
so a killed run resumes and a second run charges nothing twice."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task

from common.access import Viewer
from flexible.services.charges import BATCH, flexible_months_charge

log = logging.getLogger(__name__)


def flexible_charges_run(*, today: date | None = None, batch: int = BATCH) -> tuple[int, int]:
    """Every batch until no enrolment is left to charge. Returns (enrolments, months charged)."""
    enrolments = months = 0
    while True:
        done, charged = flexible_months_charge(actor=Viewer.system(), today=today, batch=batch)
        enrolments, months = enrolments + done, months + charged
        if done < batch:
            return enrolments, months


@shared_task(name="flexible.tasks.flexible_charges_daily")
def flexible_charges_daily() -> dict:
    enrolments, months = flexible_charges_run()
    log.info("flexible charges: %s enrolments, %s months", enrolments, months)
    return {"enrolments": enrolments, "months": months}
