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
from accounts.rules import interest_rate_percent
from accounts.services.interest import (
    CHUNK_ACCOUNTS,
    interest_run_post_chunk,
    interest_run_stage,
    interest_run_start,
)
from accounts.services.reconciliation import reconciliation_run
from common.access import Viewer

logger = logging.getLogger(__name__)


def interest_run_continue(*, run_id: int, chunk: int = CHUNK_ACCOUNTS, max_chunks: int | None = None) -> InterestRun:
    """The run's conductor: stage its figures, then post them chunk by chunk from its cursor, each
    chunk its own entry-point call and transaction (accounts.services.interest). Safe to call again
    at any time and from several workers."""
    run = interest_run_stage(run_id=run_id, actor=Viewer.system())
    done_chunks = 0
    while run.state != RunState.DONE and (max_chunks is None or done_chunks < max_chunks):
        run = interest_run_post_chunk(run_id=run_id, chunk=chunk, actor=Viewer.system())
        done_chunks += 1
    return run


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
    run = reconciliation_run(full=full, actor=Viewer.system())
    return f"checked {run.accounts_checked}, differences {run.differences_found}"
