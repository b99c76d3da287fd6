"""Scheduled duties of individual accounts (config/celery.py holds the beat schedule).

The database knows what is done: an interest run's cursor and the one-interest-entry-per-year key
make a task killed halfway resume where it stopped and credit nothing twice; tasks are acknowledged
late, so a worker that dies hands its task to another.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from accounts.models import InterestRun, RunState
from accounts.services.interest import interest_rate_percent, interest_run_continue, interest_run_start
from accounts.services.reconciliation import reconciliation_run
from common.access import Viewer

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def interest_run_work(run_id: int) -> str:
    run = interest_run_continue(run_id=run_id)
    return f"{run.year}: {run.state}, {run.accounts_credited} accounts, {run.interest_total}"


@shared_task(acks_late=True)
def interest_runs_due() -> str:
    """Daily: credit last year's interest once its rate is entered; resume any unfinished run."""
    for run in InterestRun.objects.filter(state=RunState.RUNNING).order_by("year"):
        interest_run_continue(run_id=run.pk)
    year = timezone.localdate().year - 1
    if InterestRun.objects.filter(year=year, state=RunState.DONE).exists():
        return f"{year}: done"
    if interest_rate_percent(year) is None:
        logger.info("interest for %s waits for its bookkeeping rate", year)
        return f"{year}: waiting for the rate"
    run = interest_run_start(year=year, actor=Viewer.system())
    run = interest_run_continue(run_id=run.pk)
    return f"{year}: {run.state}"


@shared_task(acks_late=True)
def accounts_reconcile(full: bool = False) -> str:
    run = reconciliation_run(full=full)
    return f"checked {run.accounts_checked}, differences {run.differences_found}"
