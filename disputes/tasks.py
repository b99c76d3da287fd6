"""Scheduled duties of disputes (config/celery.py holds the beat schedule).

Daily: the requests for a correction filing whose deadline passed are escalated (the clerk corrects the
month by an Art. 58 determination instead). The database knows what is done (an escalated request is no
longer open), so a task killed halfway starts again where it stopped.
"""

from __future__ import annotations

import logging

from celery import shared_task

from common.access import Viewer
from disputes.services.requests import correction_requests_escalate

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def disputes_daily() -> dict[str, int]:
    escalated = total = correction_requests_escalate(actor=Viewer.system())
    while escalated >= 1000:  # a batch at a time, each in its own transaction
        escalated = correction_requests_escalate(actor=Viewer.system())
        total += escalated
    logger.info("disputes: %s correction filing requests escalated", total)
    return {"escalated": total}
