"""Employers' portals: payment orders (issue 22, item 1). Ask for one (all open charges, or chosen
periods), read them, print the Chinese PDF, withdraw one. An order moves no money: the collector's
record quoting its reference does."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from collection.documents import order_pdf
from collection.selectors.orders import orders_visible
from collection.services.orders import payment_order_cancel, payment_order_issue
from common.dates import month_parse
from common.fields import MonthField
from common.pagination import Cursor
from common.pdf import PdfRenderer, pdf_response
from common.problems import NotFound
from employers.apis.employers import PortalApiView

MONEY = dict(max_digits=14, decimal_places=2)


class OrderLineOut(serializers.Serializer):
    charge_id = serializers.IntegerField()
    period = MonthField(source="charge.period")
    kind = serializers.CharField(source="charge.kind")
    due_on = serializers.DateField(source="charge.due_on")
    amount = serializers.DecimalField(**MONEY, help_text="What the charge still owed on the day of issue.")
    late_fee = serializers.DecimalField(**MONEY, help_text="Its late fee run up by the day of issue.")


class OrderAccountOut(serializers.Serializer):
    account_number = serializers.CharField()
    account_name = serializers.CharField()
    bank_name = serializers.CharField()


class OrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="Quote it on the transfer (the payment's purpose text).")
    state = serializers.CharField(help_text="open, paid, expired or cancelled.")
    amount = serializers.DecimalField(**MONEY)
    late_fee_per_day = serializers.DecimalField(**MONEY, help_text="What each day after the day of issue adds.")
    issued_on = serializers.DateField()
    valid_until = serializers.DateField()
    pay_to = OrderAccountOut(source="account")
    lines = OrderLineOut(many=True)
    pdf = serializers.SerializerMethodField()

    def get_pdf(self, order) -> str:
        return f"/api/v1/employer/payment-orders/{order.pk}/pdf"


def _order_of(viewer, pk: int):
    order = orders_visible(viewer).filter(pk=pk).first()
    if order is None:
        raise NotFound(gettext("No such payment order."))
    return order


class PaymentOrderListApi(PortalApiView):
    pagination_class = Cursor  # documented as the cursor envelope it answers

    class InputSerializer(serializers.Serializer):
        periods = serializers.ListField(
            child=serializers.CharField(max_length=7), required=False, allow_empty=True, max_length=240,
            help_text="Months YYYY-MM whose open charges to pay; none: every open charge.")

    @extend_schema(request=InputSerializer, responses={201: OrderOut},
                   summary="Ask for a payment order: the amount of the open charges (or those of chosen months) "
                           "with their late fees to today, the account to pay to and the reference to quote")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        periods = []
        for i, value in enumerate(data.validated_data.get("periods") or []):
            year, month = month_parse(value, field=f"periods[{i}]")
            periods.append(date(year, month, 1))
        order = payment_order_issue(actor=self.viewer, periods=periods or None)
        order = _order_of(self.viewer, order.pk)
        return Response(OrderOut(order).data, status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/employer/payment-orders/{order.pk}"})

    @extend_schema(responses=OrderOut(many=True), summary="The employer's payment orders, newest first")
    def get(self, request):
        paginator = Cursor()
        page = paginator.paginate_queryset(orders_visible(self.viewer), request, view=self)
        return paginator.get_paginated_response(OrderOut(page, many=True).data)


class PaymentOrderApi(PortalApiView):
    @extend_schema(responses=OrderOut, summary="A payment order: its amount, lines, account, reference and state")
    def get(self, request, pk: int):
        return Response(OrderOut(_order_of(self.viewer, pk)).data)


class PaymentOrderPdfApi(PortalApiView):
    renderer_classes = [PdfRenderer]
    response_media_type = "application/pdf"

    @extend_schema(summary="A payment order as a PDF (社会保险费缴费通知单), in Chinese",
                   responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The payment order PDF.")})
    def get(self, request, pk: int):
        order = _order_of(self.viewer, pk)
        return pdf_response(order_pdf(order), f"payment-order-{order.reference}.pdf")


class PaymentOrderCancelApi(PortalApiView):
    extra_problem_statuses = (409,)

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={200: OrderOut},
                   summary="Withdraw an open payment order (money that still quotes it is applied all the same)")
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not orders_visible(self.viewer).filter(pk=pk).exists():
            raise NotFound(gettext("No such payment order."))
        payment_order_cancel(order_id=pk, actor=self.viewer, note=data.validated_data.get("note", ""))
        return Response(OrderOut(_order_of(self.viewer, pk)).data)
