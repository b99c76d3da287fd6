"""Scheduled and background work of the agency app.

`deadline_sweep` runs daily under Celery beat at DEADLINE_SWEEP_HOUR (Asia/Shanghai), see
config/celery.py. It records notices batch by batch; each batch's mail is handed to
`deadline_notices_send` only after that batch commits, and that task owns the retries.
"""

from __future__ import annotations

from celery import shared_task

from agency import sweep


@shared_task(autoretry_for=(sweep.NoticeNotSent,), retry_backoff=60, retry_backoff_max=3600, max_retries=8)
def deadline_notices_send(notice_ids: list[int]) -> int:
    """Mail recorded deadline notices by id; those already sent are skipped."""
    return sweep.deadline_notices_send(notice_ids=list(notice_ids))


@shared_task
def deadline_sweep() -> dict[str, int]:
    """Remind, mark missed and escalate; returns {"reminded", "escalated", "missed"} counts."""
    counts = sweep.deadline_sweep_run(deliver=lambda ids: deadline_notices_send.delay(ids))
    return counts.as_dict()
