"""Scheduled and queued work of the statements (config/celery.py holds the beat schedule).

Tasks take ids, are acknowledged late (a worker that dies hands its task to another) and are
idempotent: a range is generated under its row lock and only while pending, an e-mail is claimed
before it is sent (the one outbox, common/outbox.py). The database knows what is done; the periodic check re-queues what a lost task
or a restarted Redis left, so a run always finishes. Scale out by starting more workers (processes
or machines) against the same PostgreSQL and Redis: ranges are taken with SKIP LOCKED.

Each task only calls its step in the conductor (statements/conductor.py); the services queue the
next step by the task's name (statements/queue.py), so no service imports this module.
"""

from __future__ import annotations

from celery import shared_task

from statements import conductor


@shared_task(acks_late=True)
def statement_range_work(range_id: int) -> str:
    return conductor.range_work(range_id)


@shared_task(acks_late=True)
def statement_emails_send(range_id: int | None = None) -> str:
    return conductor.emails_send(range_id)


@shared_task(acks_late=True)
def statement_run_advance_task(run_id: int) -> str:
    return conductor.run_advance(run_id)


@shared_task(acks_late=True)
def print_batch_render_task(batch_id: int) -> str:
    return conductor.print_batch(batch_id)


@shared_task(acks_late=True)
def transfer_notice_task(transfer_id: int) -> str:
    return conductor.transfer_notice(transfer_id)


@shared_task(acks_late=True)
def statement_runs_check() -> str:
    """Every few minutes: resume runs, batch letters (e-mail retries: beat `outboxes-retry`)."""
    return conductor.runs_check()


@shared_task(acks_late=True)
def statement_run_yearly() -> str:
    """On STATEMENT_RUN_MONTH/DAY: the run of last year for every region."""
    return conductor.run_yearly()


@shared_task(acks_late=True)
def statement_supersede_sweep_task() -> str:
    """Every STATEMENT_SUPERSEDE_MINUTES: new versions of statements whose year changed."""
    return conductor.supersede_sweep()
