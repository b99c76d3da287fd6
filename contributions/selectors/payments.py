"""Reads of payments, allocations and arrears, scoped by `common.access.scope` like every read."""

from __future__ import annotations

from datetime import date

from django.db.models import DecimalField, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from common.access import Kind, Viewer, scope
from common.hot_paths import CompiledQuery
from contributions.models import Allocation, Charge, Payment
from contributions.models.payments import Determination
from contributions.services.arrears import Arrears, employer_arrears, employers_in_arrears
from employers.models import Employer


def payments_visible(viewer: Viewer) -> QuerySet[Payment]:
    return scope(Payment.objects.select_related("employer", "voucher"), viewer)


def allocations_visible(viewer: Viewer) -> QuerySet[Allocation]:
    return scope(Allocation.objects.select_related("charge", "payment", "credit"), viewer)


def charges_visible(viewer: Viewer) -> QuerySet[Charge]:
    return scope(Charge.objects.select_related("employer"), viewer)


def determinations_visible(viewer: Viewer) -> QuerySet[Determination]:
    return scope(Determination.objects.select_related("employer", "person", "employment"), viewer)


def arrears_of(viewer: Viewer, *, employer_id: int, on: date) -> Arrears | None:
    """The employer's arrears on `on`, or None when the viewer may not see the employer."""
    found = _employer_region_visible.values(viewer, int(employer_id))
    if not found:
        return None
    return employer_arrears(employer_id=employer_id, region_id=found[0]["region_id"], on=on)


# A portal reads its arrears often (bench/arrears_bench.py): the scoped lookup compiled once per kind of viewer.
_employer_region_visible = CompiledQuery(
    lambda viewer, pk: scope(Employer.objects.filter(pk=pk), viewer).values("region_id"), types=(int,))


def employers_in_arrears_visible(viewer: Viewer, *, on: date) -> list[dict]:
    """The clerk's list: employers of the clerk's region with overdue principal or unpaid fees,
    largest first; every region for system viewers and superusers; nothing for anyone else."""
    if viewer.kind is Kind.CLERK:
        return employers_in_arrears(region_id=viewer.region_id, on=on)
    if viewer.sees_everything:
        return employers_in_arrears(region_id=None, on=on)
    return []


def open_charges(viewer: Viewer, *, employer_id: int) -> QuerySet[Charge]:
    """The employer's charges not yet paid in full (oldest due first), each with `paid` and `unpaid`."""
    paid = Coalesce(Sum("allocations__amount"), Value(0), output_field=DecimalField(max_digits=14, decimal_places=2))
    return (charges_visible(viewer).filter(employer_id=employer_id, amount__gt=0)
            .annotate(paid=paid).annotate(unpaid=F("amount") - F("paid")).filter(unpaid__gt=0)
            .order_by("due_on", "period", "id"))
