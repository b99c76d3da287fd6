"""Scheduled work of the contributions app (Celery beat, config/celery.py).

`contributions_daily` runs the Art. 62 provisional assessment and proposes the determined months
of late enrolments (Art. 58). Both keep their progress in the database (unique rows, ON CONFLICT
DO NOTHING), so a run that was killed resumes and a second run writes nothing twice.

The runs here are conductors: each calls a service entry point once per batch (assessment) or per
employment (determinations), each call its own transaction, so that what a run did before it was
killed stays done.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import connection

from agency.deadlines import today_in_shanghai
from common.access import Viewer
from contributions.services import assessment
from contributions.services.determinations import determination_propose
from insured.models import Employment

log = logging.getLogger(__name__)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def provisional_assess_run(*, today: date | None = None, batch_employers: int = assessment.BATCH_EMPLOYERS,
                           lookback_months: int | None = None, full: bool = False) -> assessment.AssessmentCounts:
    """The daily Art. 62 assessment (contributions.services.assessment): every batch of employers
    in its own transaction, so a run killed halfway keeps the batches it finished."""
    today = today or today_in_shanghai()
    months = lookback_months if lookback_months is not None else settings.ASSESSMENT_LOOKBACK_MONTHS
    since = _months_back(today, months)
    counts = assessment.AssessmentCounts()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(min(id), 0), COALESCE(max(id), 0) FROM employers_employer")
        low, high = cursor.fetchone()
    for lo in range(low, high + 1, batch_employers):
        assessment.provisional_assess_batch(today=today, since=since, lo=lo, hi=lo + batch_employers, counts=counts,
                                            full=full, actor=Viewer.system())
    log.info("Art. 62 assessment %s: %s", today, counts.as_dict())
    return counts


def determinations_propose_due(*, today: date | None = None) -> int:
    """The daily job: propose for every late enrolment that has none yet, each in its own
    transaction. Returns how many were proposed."""
    proposed = 0
    pending = (Employment.objects.filter(enrolled_late=True, determination__isnull=True)
               .values_list("id", flat=True).order_by("id"))
    for employment_id in pending.iterator():
        if determination_propose(employment=Employment(pk=employment_id), actor=Viewer.system(), today=today):
            proposed += 1
    return proposed


@shared_task
def contributions_daily() -> dict[str, int]:
    counts = provisional_assess_run().as_dict()
    counts["determinations_proposed"] = determinations_propose_due()
    return counts
