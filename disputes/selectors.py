"""Reads of disputes and corrections, scoped by `common.access.scope`: a person sees their own, a clerk
their region's (the person's region)."""

from __future__ import annotations

from django.db.models import QuerySet

from agency.deadlines import deadline_due_on
from common.access import Viewer, scope
from disputes.models import OPEN_STATES, Correction, CorrectionRequest, CorrectionState, Dispute
from disputes.terms import DisputeRule


def disputes_visible(viewer: Viewer) -> QuerySet[Dispute]:
    return scope(Dispute.objects.select_related("person", "region", "employer")
                 .prefetch_related("events", "corrections"), viewer)


def dispute_review_queue(viewer: Viewer) -> QuerySet[Dispute]:
    """The clerks' queue: open disputes, the earliest due first."""
    return (disputes_visible(viewer).filter(state__in=OPEN_STATES)
            .annotate(due_on=deadline_due_on(Dispute, rule=DisputeRule.DISPUTE_REVIEW)).order_by("due_on", "id"))


def corrections_visible(viewer: Viewer) -> QuerySet[Correction]:
    return scope(Correction.objects.select_related("person", "dispute", "employer"), viewer)


def corrections_awaiting_approval(viewer: Viewer) -> QuerySet[Correction]:
    return corrections_visible(viewer).filter(state=CorrectionState.PROPOSED).order_by("proposed_at")


def correction_requests_visible(viewer: Viewer) -> QuerySet[CorrectionRequest]:
    """Requests for a correction filing: a clerk their region's, an employer's portal its own."""
    return scope(CorrectionRequest.objects.select_related("person"), viewer)
