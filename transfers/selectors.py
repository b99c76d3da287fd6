"""Reads of suspensions and transfers, scoped by `common.access.scope`: a clerk of either region sees a
transfer, a person their own, an employer nothing."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from common.access import Viewer, scope
from transfers.models import Suspension, TemporaryAccount, Transfer, TransferEvent


def suspensions_visible(viewer: Viewer) -> QuerySet[Suspension]:
    return scope(Suspension.objects.select_related("person", "region", "relationship"), viewer)


def transfers_visible(viewer: Viewer) -> QuerySet[Transfer]:
    return scope(Transfer.objects.select_related("person", "from_region", "to_region"), viewer).prefetch_related(
        Prefetch("events", queryset=TransferEvent.objects.select_related("region").order_by("id")))


def temporary_accounts_visible(viewer: Viewer) -> QuerySet[TemporaryAccount]:
    return scope(TemporaryAccount.objects.select_related("person", "region"), viewer)
