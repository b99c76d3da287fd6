"""Reads of refunds, scoped by `common.access.scope`: a person sees their own, a clerk their region's."""

from __future__ import annotations

from django.db.models import QuerySet

from agency.deadlines import deadline_due_on
from common.access import Viewer, scope
from refunds.models import NationalityNotice, Refund, RefundState
from refunds.terms import RefundRule


def refunds_visible(viewer: Viewer) -> QuerySet[Refund]:
    return scope(Refund.objects.select_related("person", "region").prefetch_related("heirs", "events"), viewer)


def refund_review_queue(viewer: Viewer) -> QuerySet[Refund]:
    """The clerks' queue: refunds to audit or to liquidate, the oldest deadline first."""
    return (refunds_visible(viewer).filter(state__in=[RefundState.SUBMITTED, RefundState.AUDITED])
            .annotate(audit_due=deadline_due_on(Refund, rule=RefundRule.REFUND_AUDIT),
                      liquidation_due=deadline_due_on(Refund, rule=RefundRule.REFUND_LIQUIDATION))
            .order_by("created_at"))


def payouts_awaiting_approval(viewer: Viewer) -> QuerySet[Refund]:
    """Supervisors: prepared payouts waiting for the second clerk."""
    return (refunds_visible(viewer).filter(state=RefundState.LIQUIDATED)
            .annotate(payout_due=deadline_due_on(Refund, rule=RefundRule.REFUND_PAYOUT)).order_by("prepared_at"))


def nationality_notices_visible(viewer: Viewer) -> QuerySet[NationalityNotice]:
    return scope(NationalityNotice.objects.select_related("person"), viewer)
