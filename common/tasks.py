from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from common.models import IdempotencyRecord


@shared_task
def idempotency_purge_expired() -> int:
    """Drop stored responses older than IDEMPOTENCY_KEEP_DAYS; a portal retries within minutes."""
    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_KEEP_DAYS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
