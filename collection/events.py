"""Collection's events: the one writer of `CollectionEvent`, one function per kind
(`<thing>_<event>(subject, *, actor, ...)`), all through `_write`, called by the services in their
own transaction."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from collection.models import CollectionEvent
from common.access import Viewer


class EventKind(models.TextChoices):
    # Each engineer appends the kinds of their part here (feed, orders, suspense and reversals).
    # Payment orders (item 1).
    ORDER_ISSUED = "order_issued", _("payment order issued")
    ORDER_PAID = "order_paid", _("payment order paid")
    ORDER_EXPIRED = "order_expired", _("payment order expired")
    ORDER_CANCELLED = "order_cancelled", _("payment order cancelled")


def _write(kind: str, *, account_id: int, actor: Viewer, record=None, employer_id: int | None = None,
           details: dict | None = None) -> CollectionEvent:
    return CollectionEvent.objects.create(kind=kind, account_id=account_id, record=record, employer_id=employer_id,
                                          actor=actor.label(), actor_user_id=actor.user_id, details=details or {})


# --- payment orders (collection/services/orders.py) ----------------------------------------------------

def _order(kind: str, order, *, actor: Viewer, **details) -> CollectionEvent:
    return _write(kind, account_id=order.account_id, actor=actor, employer_id=order.employer_id,
                  details={"order": order.pk, "reference": order.reference, **details})


def order_issued(order, *, actor: Viewer, periods: list[str]) -> CollectionEvent:
    return _order(EventKind.ORDER_ISSUED, order, actor=actor, amount=str(order.amount), periods=periods,
                  valid_until=order.valid_until.isoformat())


def order_paid(order, *, actor: Viewer, records: list[str]) -> CollectionEvent:
    """Paid: a collector's record quoted it and every charge it asked for is settled."""
    return _order(EventKind.ORDER_PAID, order, actor=actor, records=records)


def order_expired(order, *, actor: Viewer) -> CollectionEvent:
    return _order(EventKind.ORDER_EXPIRED, order, actor=actor)


def order_cancelled(order, *, actor: Viewer, note: str = "") -> CollectionEvent:
    return _order(EventKind.ORDER_CANCELLED, order, actor=actor, note=note)
