"""Scheduled duties of pensions (config/celery.py holds the beat schedule).

Daily: open the determination's deadline for those retiring next month (the workbench lists them),
then redetermine the provisional determinations whose benefit base is now published. The database
knows what is done (an open deadline, a redetermination per determination and base), so a task killed
halfway starts again where it stopped.
"""

from __future__ import annotations

import logging

from celery import shared_task

from common.access import Viewer
from pensions.services.determination import determination_redetermine, determinations_due_open, provisional_awaiting

logger = logging.getLogger(__name__)


def redeterminations_run() -> int:
    """Each awaiting determination in its own transaction: a crash loses at most the one under way."""
    done = 0
    for determination_id in provisional_awaiting():
        if determination_redetermine(determination_id=determination_id, actor=Viewer.system()) is not None:
            done += 1
    return done


@shared_task(acks_late=True)
def pensions_daily() -> dict[str, int]:
    opened = determinations_due_open(actor=Viewer.system())
    redetermined = redeterminations_run()
    logger.info("pensions: %s determinations due next month opened, %s redetermined", opened, redetermined)
    return {"opened": opened, "redetermined": redetermined}
