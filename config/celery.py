import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("agency")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Scheduled duties, in Asia/Shanghai (CELERY_TIMEZONE). Later issues add theirs here.
app.conf.beat_schedule = {
    "purge-idempotency-keys": {
        "task": "common.tasks.idempotency_purge_expired",
        "schedule": 24 * 3600,
    },
}
