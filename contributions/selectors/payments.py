"""Reads of payments, allocations and arrears, scoped by `common.access.scope` like every read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from common.access import Kind, Viewer, scope
from common.hot_paths import CompiledQuery
from contributions.hooks import receipt_origin
from contributions.models import Allocation, Charge, Payment
from contributions.models.payments import Determination
from contributions.selectors.arrears import Arrears, employer_arrears, employers_in_arrears
from employers.models import Employer


def payments_visible(viewer: Viewer) -> QuerySet[Payment]:
    return scope(Payment.objects.select_related("employer", "voucher"), viewer)


def allocations_visible(viewer: Viewer) -> QuerySet[Allocation]:
    return scope(Allocation.objects.select_related("charge", "payment", "credit"), viewer)


def charges_visible(viewer: Viewer) -> QuerySet[Charge]:
    return scope(Charge.objects.select_related("employer"), viewer)


def determinations_visible(viewer: Viewer) -> QuerySet[Determination]:
    return scope(Determination.objects.select_related("employer", "person", "employment"), viewer)


def arrears_of(viewer: Viewer, *, employer_id: int, on: date, own_employer=None) -> Arrears | None:
    """The employer's arrears on `on`, or None when the viewer may not see the employer.

    `own_employer`: the portal's own employer row, loaded with its token (employers.auth.PortalPrincipal);
    a portal sees its own employer, so its region needs no second lookup. Any other row is ignored."""
    if (own_employer is not None and viewer.kind is Kind.EMPLOYER and viewer.employer_id == own_employer.pk
            and own_employer.pk == int(employer_id)):
        return employer_arrears(employer_id=own_employer.pk, region_id=own_employer.region_id, on=on)
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


@dataclass(frozen=True)
class Receipt:
    payment: Payment
    allocations: list[dict]
    allocated: Decimal
    unallocated: Decimal
    collected: dict | None = None  # the collector's record that brought the money (contributions.hooks)


def payment_receipt(payment: Payment) -> Receipt:
    """A payment's receipt: what it paid, month by month (the caller has scoped the payment)."""
    rows = list(Allocation.objects.filter(payment=payment).select_related("charge").order_by("id"))
    allocations = [{"charge_id": a.charge_id, "period": a.charge.period.strftime("%Y-%m"), "kind": a.charge.kind,
                    "amount": a.amount, "counts_as_paid_on": a.effective_on, "settles_charge": a.settles_charge,
                    "releases": a.releases_id} for a in rows]
    allocated = sum((a.amount for a in rows), Decimal("0.00"))
    return Receipt(payment, allocations, allocated, payment.amount - allocated, receipt_origin(payment.pk))
