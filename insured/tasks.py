from celery import shared_task

from insured.retention import retention_purge


@shared_task
def retention_purge_daily() -> dict:
    """The daily purge of audit records past their retention (insured.retention)."""
    purged = retention_purge()
    return {"security_events": purged.security_events, "record_accesses": purged.record_accesses,
            "idempotency_records": purged.idempotency_records}
