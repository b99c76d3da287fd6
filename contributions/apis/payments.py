"""Employers' portals: read receipts and arrears. Money is no longer recorded here (issue 22): the
collector's records make it count (collection), the portal asks for payment orders."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from agency.deadlines import today_in_shanghai
from common.dates import day_parse
from common.fields import DateField, IntegerField, MonthField
from common.pagination import Cursor
from common.problems import ApplicationError, NotFound
from contributions.problems import PAYMENT_ORDERS_PATH, PAYMENTS_FROM_COLLECTOR
from contributions.selectors.payments import arrears_of, payment_receipt, payments_visible
from employers.apis.employers import PortalApiView

MONEY = dict(max_digits=14, decimal_places=2)


class AllocationOut(serializers.Serializer):
    charge_id = serializers.IntegerField()
    period = MonthField()
    kind = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    counts_as_paid_on = DateField()
    settles_charge = serializers.BooleanField()
    releases = IntegerField(allow_null=True)


class CollectedOut(serializers.Serializer):
    transaction_id = serializers.CharField(help_text="The collector's own id of the record that brought the money.")
    value_date = serializers.DateField(help_text="The collector's value date: the day the money counts as paid.")
    collection_account = serializers.CharField()
    bank_name = serializers.CharField()
    payer_name = serializers.CharField()
    payment_reference = serializers.CharField(allow_null=True, help_text="The payment order the transfer quoted.")
    matched_by = serializers.CharField(help_text="order (the payment reference), uscc, or clerk (from suspense).")


class ReceiptOut(serializers.Serializer):
    id = IntegerField(source="payment.id")
    receipt_number = serializers.SerializerMethodField()
    employer_uscc = serializers.CharField(source="payment.employer.uscc")
    employer_name = serializers.CharField(source="payment.employer.name")
    bank_reference = serializers.CharField(source="payment.bank_reference")
    amount = serializers.DecimalField(source="payment.amount", **MONEY)
    paid_on = DateField(source="payment.paid_on")
    recorded_at = serializers.DateTimeField(source="payment.recorded_at")
    channel = serializers.CharField(source="payment.channel")
    allocated = serializers.DecimalField(**MONEY)
    unallocated = serializers.DecimalField(**MONEY, help_text="Kept as a credit for the next charges.")
    allocations = AllocationOut(many=True)
    collected = CollectedOut(allow_null=True, help_text="The collector's record the money came from (issue 22); "
                                                        "null for a payment recorded before.")

    def get_receipt_number(self, obj) -> str:
        return f"P{obj.payment.paid_on:%Y%m}-{obj.payment.pk:08d}"


class PaymentListApi(PortalApiView):
    pagination_class = Cursor  # documented as the cursor envelope it answers

    class ListOut(serializers.Serializer):
        id = IntegerField()
        bank_reference = serializers.CharField()
        amount = serializers.DecimalField(**MONEY)
        paid_on = DateField()
        recorded_at = serializers.DateTimeField()

    @extend_schema(exclude=True)
    def post(self, request):
        """Gone (issue 22): a portal no longer records money it says it paid. It asks for a payment
        order, pays quoting its reference, and the collector's record of the money makes it count.
        Older portals get a problem that points there; the operation is not in the schema."""
        raise ApplicationError(gettext("Payments are no longer recorded from the payer: ask for a payment order "
                                       "(POST /api/v1/employer/payment-orders), pay quoting its reference, and "
                                       "the collector's record of the money settles the charges."),
                               status=410, type_slug=PAYMENTS_FROM_COLLECTOR, payment_orders=PAYMENT_ORDERS_PATH)

    @extend_schema(responses=ListOut(many=True), summary="The employer's payments, newest first")
    def get(self, request):
        paginator = Cursor()
        page = paginator.paginate_queryset(payments_visible(self.viewer), request, view=self)
        return paginator.get_paginated_response(self.ListOut(page, many=True).data)


class PaymentReceiptApi(PortalApiView):
    @extend_schema(responses=ReceiptOut, summary="A payment's receipt: what it paid, and what is left as credit")
    def get(self, request, pk: int):
        payment = payments_visible(self.viewer).filter(pk=pk).first()
        if payment is None:
            raise NotFound(gettext("No such payment."))
        return Response(ReceiptOut(payment_receipt(payment)).data)


class PeriodArrearsOut(serializers.Serializer):
    period = MonthField()
    due_on = DateField()
    principal = serializers.DecimalField(**MONEY)
    days = IntegerField()
    late_fee = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    provisional = serializers.BooleanField(help_text="Includes an Art. 62 provisional charge (not declared).")


class ArrearsOut(serializers.Serializer):
    on = DateField()
    periods = PeriodArrearsOut(many=True)
    principal = serializers.DecimalField(**MONEY)
    late_fee = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    credit = serializers.DecimalField(**MONEY)


def parse_day(value: str | None, field: str = "on") -> date:
    if not value:
        return today_in_shanghai()
    return day_parse(value, field=field)


class ArrearsApi(PortalApiView):
    @extend_schema(parameters=[OpenApiParameter("on", str, description="YYYY-MM-DD (default today); a later day "
                                                "answers what is owed if paid then")],
                   responses=ArrearsOut, summary="Arrears and late fees as they stand on a day")
    def get(self, request):
        on = parse_day(request.query_params.get("on"))
        arrears = arrears_of(self.viewer, employer_id=self.viewer.employer_id, on=on,
                             own_employer=getattr(request.user, "employer", None))
        if arrears is None:
            raise NotFound(gettext("No such employer."))
        return Response(arrears_body(arrears))


def _money(value) -> str:
    return f"{value:.2f}"


def arrears_body(arrears) -> dict:
    """What ArrearsOut answers (and documents), built directly: an employer with ten years of small
    unpaid fees has 120 periods, and the serializer's per-field work was 40% of the request's CPU
    (bench/arrears_bench.py). A test checks that both give the same body."""
    return {
        "on": arrears.on.isoformat(),
        "periods": [{"period": f"{p.period:%Y-%m}", "due_on": p.due_on.isoformat(), "principal": _money(p.principal),
                     "days": p.days, "late_fee": _money(p.late_fee), "total": _money(p.total),
                     "provisional": p.provisional} for p in arrears.periods],
        "principal": _money(arrears.principal), "late_fee": _money(arrears.late_fee), "total": _money(arrears.total),
        "credit": _money(arrears.credit),
    }
