"""A person applies for the lump-sum payment of their individual account and follows it."""

from __future__ import annotations

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from agency.deadlines import deadline_due_on
from agency.models import DocumentKind
from agency.vocabulary import document_kind_choices
from common.apis import ApiView, DocumentsUpload, documents_take, with_documents
from common.fields import ChoiceField, DateField, IntegerField, MonthField
from common.permissions import IsInsuredPerson
from insured.models import Channel, InsuredPerson
from refunds.models import RefundReason
from refunds.selectors import refunds_visible
from refunds.services.refunds import PERSON_REASONS, STEP_RULE, refund_apply


class RefundEventOutput(serializers.Serializer):
    kind = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class RefundOutput(serializers.Serializer):
    id = IntegerField()
    reason = serializers.CharField()
    state = serializers.CharField()
    applied_on = DateField()
    payout_month = MonthField(allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    interest_credited = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    bank_reference = serializers.CharField()
    closed_on = DateField(allow_null=True)
    decision_note = serializers.CharField()
    next_step_due_on = serializers.SerializerMethodField()
    alternative = serializers.SerializerMethodField(
        help_text="For a refund at retirement age with too few years: that the person may instead keep "
                  "contributing until the minimum is reached.")
    events = RefundEventOutput(many=True)

    def get_alternative(self, obj) -> str | None:
        if obj.reason != RefundReason.RETIREMENT_SHORT:
            return None
        applied = next((e for e in obj.events.all() if e.kind == "applied"), None)
        checked = (applied.details if applied else {}).get("checked", {})
        if "minimum_months" not in checked:
            return None
        return _("Instead of the lump-sum payment you may keep contributing until you reach the minimum of "
                 "%(needed)s months for a monthly pension (you have %(months)s).") % {
            "needed": checked["minimum_months"], "months": checked["months"]}

    def get_next_step_due_on(self, obj) -> date | None:
        rule = STEP_RULE.get(obj.state)
        return deadline_due_on(obj, rule=rule) if rule else None


_EXAMPLE = {"id": 41, "reason": "foreigner_leaving", "state": "submitted", "applied_on": "2026-11-20",
            "payout_month": None, "amount": None, "interest_credited": None, "bank_reference": "", "closed_on": None,
            "decision_note": "", "next_step_due_on": "2026-12-11", "alternative": None,
            "events": [{"kind": "applied", "recorded_at": "2026-11-20T10:02:00+08:00"}]}


# The reasons a person applies with (named once in the schema: RefundApplicationReasonEnum).
PERSON_REASON_CHOICES = [(r, RefundReason(r).label) for r in PERSON_REASONS]


class MyRefundsApi(ApiView):
    permission_classes = [IsInsuredPerson]

    class InputSerializer(serializers.Serializer):
        reason = ChoiceField(choices=PERSON_REASON_CHOICES,
                             help_text="settling_abroad and other are refused, each with the problem naming its rule.")
        bank_account = serializers.CharField(max_length=40)
        payee_name = serializers.CharField(max_length=100, required=False, default="")
        note = serializers.CharField(max_length=2000, required=False, default="")

    class UploadSerializer(InputSerializer, DocumentsUpload):
        """The same fields with the written application and its proofs (multipart/form-data)."""

        # Kinds from every app's registered vouchers (agency.vocabulary), read once the apps are ready.
        document_kinds = serializers.ListField(child=ChoiceField(choices=document_kind_choices()), required=False,
                                               default=list)

    @extend_schema(request=InputSerializer, responses={201: RefundOutput},
                   summary="Apply for the lump-sum payment of the individual account (Order No. 13 of 2011)",
                   examples=[OpenApiExample("Leaving China", request_only=True,
                                            value={"reason": "foreigner_leaving", "bank_account": "6222020200112233"}),
                             OpenApiExample("Submitted", response_only=True, status_codes=["201"], value=_EXAMPLE)])
    def post(self, request):
        data = self.UploadSerializer(data=request.data)  # JSON has no files: the lists stay empty
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        documents = documents_take(fields, DocumentKind.APPLICATION_FORM)
        refund = refund_apply(person=InsuredPerson(pk=self.viewer.person_id), actor=self.viewer, channel=Channel.API,
                              documents=documents, **fields)
        refund = refunds_visible(self.viewer).get(pk=refund.pk)
        return Response(RefundOutput(refund).data, status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/me/refunds/{refund.pk}"})


MyRefundsUploadApi = with_documents(
    MyRefundsApi, responses={201: RefundOutput},
    summary="Apply for the lump-sum payment with the application's files attached (multipart)")


class MyRefundDetailApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(responses=RefundOutput, summary="The calling person's refund application and its steps",
                   examples=[OpenApiExample("Submitted", value=_EXAMPLE)])
    def get(self, request, pk: int):
        return Response(RefundOutput(get_object_or_404(refunds_visible(self.viewer), pk=pk)).data)
