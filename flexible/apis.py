"""The person's own operations as a flexible worker (issue 28): enrol, read the enrolment, change the
base, stop and resume, ask for a payment order, and the planner."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from agency.deadlines import today_in_shanghai
from collection.services.orders import payment_order_issue_for_person
from common.apis import ApiView
from common.fields import MonthField
from common.money import MoneyField
from common.permissions import IsInsuredPerson
from common.problems import ValidationFailed
from flexible.selectors import enrolment_of, planner_for
from flexible.services.enrolment import (
    base_for,
    flexible_base_change,
    flexible_enrol,
    flexible_resume,
    flexible_stop,
    month_add,
    month_of,
)

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


class EnrolmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    region = serializers.CharField(source="region.code", help_text="The region's 6-digit division code")
    start_month = MonthField()
    state = serializers.ChoiceField(choices=["active", "suspended"])
    stopped_from = MonthField(allow_null=True, help_text="Months from this one on are not charged")
    base = serializers.DecimalField(help_text="The base of next month", allow_null=True, **MONEY)
    charged_through = MonthField(allow_null=True)


def _enrolment_data(enrolment) -> dict:
    data = EnrolmentOutput(enrolment).data
    data["base"] = None
    base = base_for(enrolment, month_add(month_of(today_in_shanghai()), 1))
    if base is not None:
        data["base"] = f"{base:.2f}"
    return data


class MyFlexibleEnrolmentApi(ApiView):
    permission_classes = [IsInsuredPerson]

    class InputSerializer(serializers.Serializer):
        region = serializers.RegexField(r"^[0-9]{6}$", help_text="The region's 6-digit division code")
        start_month = MonthField(help_text="The first month, YYYY-MM: not before the region's back-pay "
                                           "allowance, at the latest next month")
        base = MoneyField(max_digits=14, decimal_places=2,
                          help_text="The monthly base, within the region's range (or one of its grades)")

    @extend_schema(request=InputSerializer, responses={201: EnrolmentOutput},
                   summary="Enrol as a flexible worker (Art. 10): region, first month and base",
                   examples=[OpenApiExample("From this month", request_only=True,
                                            value={"region": "310101", "start_month": "2026-12",
                                                   "base": "12000.00"})])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        enrolment = flexible_enrol(actor=self.viewer, region_code=fields["region"],
                                   start_month=fields["start_month"], base=fields["base"])
        return Response(_enrolment_data(enrolment), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: EnrolmentOutput}, summary="The calling person's enrolment as a flexible worker")
    def get(self, request):
        return Response(_enrolment_data(enrolment_of(self.viewer, person_id=self.viewer.person_id)))


class BaseChangeOutput(serializers.Serializer):
    base = serializers.DecimalField(**MONEY)
    from_month = MonthField()


class MyFlexibleBaseApi(ApiView):
    permission_classes = [IsInsuredPerson]

    class InputSerializer(serializers.Serializer):
        base = MoneyField(max_digits=14, decimal_places=2)

    @extend_schema(request=InputSerializer, responses={201: BaseChangeOutput},
                   summary="Change the base from next month (the region's number of changes a year)")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        choice = flexible_base_change(actor=self.viewer, base=data.validated_data["base"])
        return Response(BaseChangeOutput(choice).data, status=status.HTTP_201_CREATED)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class MyFlexibleStopApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(request=NoteInput, responses={200: EnrolmentOutput},
                   summary="Stop paying as a flexible worker from next month (the account is kept)")
    def post(self, request):
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_enrolment_data(flexible_stop(actor=self.viewer, note=data.validated_data["note"])))


class MyFlexibleResumeApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(request=NoteInput, responses={200: EnrolmentOutput},
                   summary="Pay again as a flexible worker from next month")
    def post(self, request):
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_enrolment_data(flexible_resume(actor=self.viewer, note=data.validated_data["note"])))


class PayToOutput(serializers.Serializer):
    account_number = serializers.CharField()
    account_name = serializers.CharField()
    bank_name = serializers.CharField()


class OrderLineOutput(serializers.Serializer):
    period = MonthField(source="charge.period")
    kind = serializers.CharField(source="charge.kind")
    due_on = serializers.DateField(source="charge.due_on")
    amount = serializers.DecimalField(**MONEY)
    late_fee = serializers.DecimalField(**MONEY)


class PersonOrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="Quote it on the transfer")
    amount = serializers.DecimalField(**MONEY)
    late_fee_per_day = serializers.DecimalField(**MONEY)
    issued_on = serializers.DateField()
    valid_until = serializers.DateField()
    state = serializers.CharField()
    pay_to = PayToOutput(source="account")
    lines = OrderLineOutput(many=True)


class MyFlexiblePaymentOrdersApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(request=None, responses={201: PersonOrderOutput},
                   summary="A payment order for the person's open months (and late fees), with the reference to quote")
    def post(self, request):
        order = payment_order_issue_for_person(actor=self.viewer)
        return Response(PersonOrderOutput(order).data, status=status.HTTP_201_CREATED)


class PlanRowOutput(serializers.Serializer):
    base = serializers.DecimalField(**MONEY)
    percent = serializers.DecimalField(max_digits=6, decimal_places=1, coerce_to_string=True,
                                       help_text="% of the region's average wage")
    monthly_cost = serializers.DecimalField(**MONEY)
    monthly_account_credit = serializers.DecimalField(**MONEY)
    monthly_pooled = serializers.DecimalField(**MONEY)
    pension_at_statutory_age = serializers.DecimalField(
        allow_null=True, help_text="Monthly pension at the statutory retirement month if paid on this base until "
                                   "then (pensions estimate); null when a parameter is missing", **MONEY)
    current = serializers.BooleanField()


class PlannerOutput(serializers.Serializer):
    region_code = serializers.CharField()
    average_wage = serializers.DecimalField(**MONEY)
    rate = serializers.DecimalField(max_digits=6, decimal_places=4, coerce_to_string=True)
    account_rate = serializers.DecimalField(max_digits=6, decimal_places=4, coerce_to_string=True)
    current_base = serializers.DecimalField(allow_null=True, **MONEY)
    next_change_from = MonthField()
    rows = PlanRowOutput(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class MyFlexiblePlannerApi(ApiView):
    permission_classes = [IsInsuredPerson]
    extra_problem_statuses = (409,)  # the region's average wage is not entered

    @extend_schema(parameters=[OpenApiParameter("region", str, required=False, pattern=r"^[0-9]{6}$",
                                                description="Before enrolling: the region to plan for")],
                   responses={200: PlannerOutput},
                   summary="For each allowed base: monthly cost, account credit and the pension estimate")
    def get(self, request):
        region = request.query_params.get("region") or None
        if region is not None and not (len(region) == 6 and region.isascii() and region.isdigit()):
            raise ValidationFailed.field("region", "invalid", "region: 6 ASCII digits")
        plan = planner_for(self.viewer, person_id=self.viewer.person_id, region_code=region)
        return Response(PlannerOutput(plan).data)
