import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("agency")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Scheduled duties, in Asia/Shanghai (CELERY_TIMEZONE). Later issues add theirs here.
app.conf.beat_schedule = {}


@app.on_after_configure.connect
def _deadline_sweep_schedule(sender, **_kwargs):
    """Daily at DEADLINE_SWEEP_HOUR:00, Asia/Shanghai. Added once the configuration is loaded,
    so the hour is read from Django settings rather than imported while they load."""
    from django.conf import settings

    # Audit records and idempotency keys past their retention (insured/retention.py).
    sender.conf.beat_schedule["retention-purge"] = {
        "task": "insured.tasks.retention_purge_daily",
        "schedule": crontab(minute=15, hour=settings.RETENTION_PURGE_HOUR),
    }
    # The one outbox (common/outbox.py): stale `sending` rows marked uncertain, refused ones retried with
    # backoff (decision letters, monthly notices, alerts, the statements' e-mails).
    sender.conf.beat_schedule["outboxes-retry"] = {
        "task": "common.tasks.outboxes_retry",
        "schedule": settings.OUTBOX_RETRY_MINUTES * 60,
    }
    sender.conf.beat_schedule["deadline-sweep"] = {
        "task": "agency.tasks.deadline_sweep",
        "schedule": crontab(minute=0, hour=settings.DEADLINE_SWEEP_HOUR),
    }
    # Individual accounts: last year's interest once its rate is entered (and any unfinished run),
    # then the reconciliation of the accounts touched since the previous night.
    sender.conf.beat_schedule["interest-runs-due"] = {
        "task": "accounts.tasks.interest_runs_due",
        "schedule": crontab(minute=30, hour=settings.ACCOUNTS_NIGHTLY_HOUR),
    }
    sender.conf.beat_schedule["accounts-reconcile"] = {
        "task": "accounts.tasks.accounts_reconcile",
        "schedule": crontab(minute=0, hour=settings.ACCOUNTS_NIGHTLY_HOUR),
    }
    # Collected money (issue 22): per collection account and value date, does every yuan reconcile?
    sender.conf.beat_schedule["collection-reconcile"] = {
        "task": "collection.tasks.collection_reconcile_nightly",
        "schedule": crontab(minute=45, hour=settings.ACCOUNTS_NIGHTLY_HOUR),
    }
    # Art. 62 provisional assessment, then the Art. 58 determinations of late enrolments.
    sender.conf.beat_schedule["contributions-daily"] = {
        "task": "contributions.tasks.contributions_daily",
        "schedule": crontab(minute=30, hour=settings.CONTRIBUTIONS_DAILY_HOUR),
    }
    # issue 28: flexible workers' months up to the current one (resumable, never twice).
    sender.conf.beat_schedule["flexible-charges-daily"] = {
        "task": "flexible.tasks.flexible_charges_daily",
        "schedule": crontab(minute=40, hour=settings.CONTRIBUTIONS_DAILY_HOUR),
    }
    # Art. 74 statements: last year's run on its day, and the check that resumes and finishes runs.
    sender.conf.beat_schedule["statement-run-yearly"] = {
        "task": "statements.tasks.statement_run_yearly",
        "schedule": crontab(minute=0, hour=settings.STATEMENT_RUN_HOUR, day_of_month=settings.STATEMENT_RUN_DAY,
                            month_of_year=settings.STATEMENT_RUN_MONTH),
    }
    sender.conf.beat_schedule["statement-runs-check"] = {
        "task": "statements.tasks.statement_runs_check",
        "schedule": settings.STATEMENT_CHECK_MINUTES * 60,
    }
    # Pensions (issue 27): those retiring next month on the workbench; provisional determinations redetermined
    # once the benefit base is published. Daily: both are cheap when there is nothing to do.
    sender.conf.beat_schedule["pensions-daily"] = {
        "task": "pensions.tasks.pensions_daily",
        "schedule": crontab(minute=15, hour=settings.CONTRIBUTIONS_DAILY_HOUR),
    }
    # The monthly notice and alerts (Art. 60; issue 28): the month's notices once due, alerts, sending.
    sender.conf.beat_schedule["notices-daily"] = {
        "task": "notices.tasks.notices_daily",
        "schedule": crontab(minute=15, hour=settings.CONTRIBUTIONS_DAILY_HOUR + 1),
    }
    # Statements whose year changed since they were generated (a correction, a late filing): new versions.
    sender.conf.beat_schedule["statement-supersede-sweep"] = {
        "task": "statements.tasks.statement_supersede_sweep_task",
        "schedule": settings.STATEMENT_SUPERSEDE_MINUTES * 60,
    }
    # Disputes (issue 23): requests for a correction filing past their deadline are escalated.
    sender.conf.beat_schedule["disputes-daily"] = {
        "task": "disputes.tasks.disputes_daily",
        "schedule": crontab(minute=50, hour=settings.CONTRIBUTIONS_DAILY_HOUR),
    }
    # Payment orders (issue 22): orders quoted and settled are paid (a catch-up), then those past validity expire.
    sender.conf.beat_schedule["payment-orders-daily"] = {
        "task": "collection.tasks.payment_orders_daily",
        "schedule": crontab(minute=45, hour=settings.CONTRIBUTIONS_DAILY_HOUR),
    }
