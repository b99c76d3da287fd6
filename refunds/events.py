"""What happened to a refund: every RefundEvent is written here, in the transaction of the change."""

from __future__ import annotations

from common.access import Viewer
from refunds.models import Refund, RefundEvent


def refund_event(*, refund: Refund, kind: str, actor: Viewer, **details) -> RefundEvent:
    return RefundEvent.objects.create(refund=refund, kind=kind, actor=actor.label(), actor_user_id=actor.user_id,
                                      details={k: (str(v) if v is not None and not isinstance(v, (int, bool, list, dict))
                                                   else v) for k, v in details.items()})
