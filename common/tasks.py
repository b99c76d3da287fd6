from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from common.access import Viewer
from common.models import IdempotencyRecord
from common.outbox import outbox_send_due, outbox_stale_mark_uncertain, outboxes


@shared_task
def idempotency_purge_expired() -> int:
    """Drop stored responses older than IDEMPOTENCY_KEEP_DAYS; a portal retries within minutes."""
    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_KEEP_DAYS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(acks_late=True)
def outbox_send_task(name: str) -> dict:
    """An outbox's due rows, queued after the commit that wrote them (common/outbox.py)."""
    sent = outbox_send_due(name=name, actor=Viewer.system())
    return {"sent": sent.sent, "retry": sent.retry, "failed": sent.failed}


@shared_task(acks_late=True)
def outboxes_retry() -> dict:
    """Beat: in every outbox, the stale `sending` rows marked uncertain, then every due row sent (the
    refused ones whose next attempt has come, and any whose after-commit task was lost)."""
    done = {}
    for kind in outboxes:
        uncertain = outbox_stale_mark_uncertain(name=kind.name, actor=Viewer.system())
        sent = outbox_send_due(name=kind.name, actor=Viewer.system())
        done[kind.name] = {"uncertain": uncertain, "sent": sent.sent, "retry": sent.retry, "failed": sent.failed}
    return done
