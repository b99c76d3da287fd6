"""The person's monthly notices, notice preference and alerts (Art. 60; issue 28 items 4 and 5)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from common.apis import ApiView
from common.dates import MONTH_PATTERN, month_parse
from common.fields import ChoiceField, MonthField
from common.pagination import Cursor
from common.permissions import IsInsuredPerson
from common.problems import NotFound
from notices.models import AlertKind, NoticeChannel
from notices.selectors import alerts_live, notice_preference_of, notices_visible
from notices.services.alerts import alert_look_into
from notices.services.preferences import notice_preference_set

MONEY = dict(max_digits=14, decimal_places=2)


class MonthlyNoticeOut(serializers.Serializer):
    month = MonthField()
    base = serializers.DecimalField(**MONEY, help_text="The month's contribution base (summed over employers).")
    employer_total = serializers.DecimalField(**MONEY, help_text="What the employers paid for the person.")
    individual_total = serializers.DecimalField(**MONEY, help_text="What was withheld from the wage.")
    employers = serializers.IntegerField(help_text="Employers whose lines make up the month.")
    paid = serializers.BooleanField(help_text="Every charge behind the month was settled when the notice was made.")
    channel = ChoiceField(choices=NoticeChannel.choices, help_text="How the notice was sent (none: read online).")
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class MonthCursor(Cursor):
    ordering = "-month"


class MyMonthlyNoticesApi(ApiView):
    """The calling person's monthly notices, newest first; `month=YYYY-MM` gives that month's alone."""

    permission_classes = [IsInsuredPerson]
    pagination_class = MonthCursor

    @extend_schema(parameters=[OpenApiParameter("month", str, required=False, pattern=MONTH_PATTERN,
                                                description="One month, YYYY-MM.")],
                   responses=MonthlyNoticeOut(many=True), summary="The calling person's monthly notices (Art. 60)")
    def get(self, request):
        rows = notices_visible(self.viewer)
        raw = request.query_params.get("month")
        if raw is not None:
            year, month = month_parse(raw, field="month")
            rows = rows.filter(month=date(year, month, 1))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(MonthlyNoticeOut(page, many=True).data)


class NoticePreferenceOut(serializers.Serializer):
    channel = ChoiceField(choices=NoticeChannel.choices)


class MyNoticePreferenceApi(ApiView):
    permission_classes = [IsInsuredPerson]

    class InputSerializer(serializers.Serializer):
        channel = ChoiceField(choices=NoticeChannel.choices,
                              help_text="none, email (needs an e-mail address on the record) or sms (a phone number).")

    @extend_schema(responses=NoticePreferenceOut, summary="How the calling person gets their notices and alerts")
    def get(self, request):
        return Response({"channel": notice_preference_of(self.viewer)})

    @extend_schema(request=InputSerializer, responses={200: NoticePreferenceOut},
                   summary="Choose how to get the monthly notice and alerts")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preference = notice_preference_set(channel=data.validated_data["channel"], actor=self.viewer)
        return Response({"channel": preference.channel}, status=status.HTTP_200_OK)


class AlertOut(serializers.Serializer):
    kind = ChoiceField(choices=AlertKind.choices)
    month = MonthField()
    employer_uscc = serializers.CharField()
    employer_name = serializers.CharField()
    text = serializers.CharField(help_text="What the alert says, in Chinese.")


class MyAlertsApi(ApiView):
    """The calling person's months not in order now: undeclared after the declaration day, charged
    provisionally (Art. 62), or past due and unpaid. Empty when everything is declared and paid."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses=AlertOut(many=True), summary="The calling person's alerts as the record stands")
    def get(self, request):
        return Response(AlertOut(alerts_live(self.viewer), many=True).data)


class LookIntoOut(serializers.Serializer):
    dispute = serializers.IntegerField(allow_null=True, help_text="The dispute filed for the month.")


class MyAlertLookIntoApi(ApiView):
    """One step from an alert: ask the agency to look into the employer's month (files a dispute)."""

    permission_classes = [IsInsuredPerson]

    class InputSerializer(serializers.Serializer):
        kind = ChoiceField(choices=AlertKind.choices)
        month = MonthField()
        employer_uscc = serializers.CharField(max_length=18)
        note = serializers.CharField(max_length=2000, required=False, default="")

    @extend_schema(request=InputSerializer, responses={201: LookIntoOut},
                   summary="Ask the agency to look into an alert's month")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        alert = next((a for a in alerts_live(self.viewer) if a.employer_uscc == fields["employer_uscc"]), None)
        if alert is None:
            raise NotFound(_("There is no such alert on your record."), type_slug="no-such-alert")
        dispute = alert_look_into(kind=fields["kind"], month=fields["month"], employer_id=alert.employer_id,
                                  note=fields["note"], actor=self.viewer)
        return Response({"dispute": getattr(dispute, "pk", None)}, status=status.HTTP_201_CREATED)
