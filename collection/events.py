"""Collection's events: the one writer of `CollectionEvent`, one function per kind
(`<thing>_<event>(subject, *, actor, ...)`), all through `_write`, called by the services in their
own transaction."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _  # noqa: F401 (the kinds appended below use it)

from collection.models import CollectionEvent
from common.access import Viewer


class EventKind(models.TextChoices):
    # Each engineer appends the kinds of their part here (feed, orders, suspense and reversals).
    pass


def _write(kind: str, *, account_id: int, actor: Viewer, record=None, employer_id: int | None = None,
           details: dict | None = None) -> CollectionEvent:
    return CollectionEvent.objects.create(kind=kind, account_id=account_id, record=record, employer_id=employer_id,
                                          actor=actor.label(), actor_user_id=actor.user_id, details=details or {})
