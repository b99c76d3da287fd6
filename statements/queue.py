"""Statement work queued for later: a task named here runs after the transaction commits.

The services name the task; `statements/tasks.py` defines it (imported in
`StatementsConfig.ready()`, so the Celery app knows it in every process). Neither imports the
other: the tasks call the conductor (`statements/conductor.py`), the conductor calls the services,
and the services queue through this module."""

from __future__ import annotations

from celery import current_app
from django.db import transaction

RANGE_WORK = "statements.tasks.statement_range_work"
EMAILS_SEND = "statements.tasks.statement_emails_send"  # one range's e-mails, after the range is generated
EMAILS = "statements.emails"  # the statements' e-mails in the one outbox (common/outbox.py)
RUN_ADVANCE = "statements.tasks.statement_run_advance_task"
PRINT_BATCH_RENDER = "statements.tasks.print_batch_render_task"
TRANSFER_NOTICE = "statements.tasks.transfer_notice_task"


def queue_after_commit(task: str, **kwargs) -> None:
    """Queue `task` with `kwargs` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: current_app.tasks[task].delay(**kwargs))


def queue_now(task: str, **kwargs) -> None:
    """Queue `task` at once (for a caller that already runs after the commit, such as a hook)."""
    current_app.tasks[task].delay(**kwargs)
