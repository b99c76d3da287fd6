"""Scheduled work of the contributions app (Celery beat, config/celery.py).

`contributions_daily` runs the Art. 62 provisional assessment and proposes the determined months
of late enrolments (Art. 58). Both keep their progress in the database (unique rows, ON CONFLICT
DO NOTHING), so a run that was killed resumes and a second run writes nothing twice.
"""

from __future__ import annotations

from celery import shared_task

from contributions.services.assessment import provisional_assess_run
from contributions.services.determinations import determinations_propose_due


@shared_task
def contributions_daily() -> dict[str, int]:
    counts = provisional_assess_run().as_dict()
    counts["determinations_proposed"] = determinations_propose_due()
    return counts
