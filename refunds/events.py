"""What happened to a refund: every RefundEvent is written here, in the transaction of the change.

One writer per kind of event, `refund_<event>(refund, *, actor, ...)`, all through `_write`.
"""

from __future__ import annotations

from common.access import Viewer
from refunds.models import Refund, RefundEvent, RefundEventKind


def _write(refund: Refund, *, kind: str, actor: Viewer, **details) -> RefundEvent:
    return RefundEvent.objects.create(refund=refund, kind=kind, actor=actor.label(), actor_user_id=actor.user_id,
                                      details={k: (str(v) if v is not None and not isinstance(v, (int, bool, list, dict))
                                                   else v) for k, v in details.items()})


def refund_applied(refund: Refund, *, actor: Viewer, channel: str, heirs: int, documents: list[int],
                   checked: dict) -> RefundEvent:
    """The application, with what the eligibility check found (the API shows the alternative from it)."""
    return _write(refund, kind=RefundEventKind.APPLIED, actor=actor, reason=refund.reason, channel=channel,
                  heirs=heirs, documents=documents, checked=checked)


def refund_audited(refund: Refund, *, actor: Viewer, note: str = "") -> RefundEvent:
    return _write(refund, kind=RefundEventKind.AUDITED, actor=actor, note=note)


def refund_rejected(refund: Refund, *, actor: Viewer) -> RefundEvent:
    return _write(refund, kind=RefundEventKind.REJECTED, actor=actor, note=refund.decision_note)


def refund_liquidated(refund: Refund, *, actor: Viewer, heirs: dict[str, str]) -> RefundEvent:
    return _write(refund, kind=RefundEventKind.LIQUIDATED, actor=actor, payout_month=refund.payout_month.isoformat(),
                  amount=str(refund.amount), interest=str(refund.interest_credited), heirs=heirs)


def refund_paid(refund: Refund, *, actor: Viewer, payments: list[list]) -> RefundEvent:
    return _write(refund, kind=RefundEventKind.PAID, actor=actor, bank_reference=refund.bank_reference,
                  amount=str(refund.amount), payments=payments)


def refund_closed(refund: Refund, *, actor: Viewer, account: int, relationships: list[int]) -> RefundEvent:
    """The account closed and the relationships still open cancelled with the payout."""
    return _write(refund, kind=RefundEventKind.CLOSED, actor=actor, account=account, relationships=relationships)
