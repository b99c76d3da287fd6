"""GET /api/v1/me/pension-estimate: the calling person's estimate (issue 27, item 3)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from common.apis import ApiView
from common.fields import MonthField
from common.permissions import IsInsuredPerson
from pensions.estimate import estimate_for

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


class InputOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()
    source = serializers.CharField(help_text="Where the value comes from (the publication, the record)")
    published_on = serializers.DateField(allow_null=True)


class MissingOutput(serializers.Serializer):
    key = serializers.CharField(help_text="Stable key of what is missing, e.g. benefit_base:110000:2031")
    text = serializers.CharField()


class PartOutput(serializers.Serializer):
    key = serializers.ChoiceField(choices=["basic", "account", "transitional", "supplements"])
    label = serializers.CharField()
    amount = serializers.DecimalField(allow_null=True, help_text="Monthly, rounded half-up to the fen; null when "
                                                                 "a parameter is missing", **MONEY)
    inputs = InputOutput(many=True)
    missing = MissingOutput(many=True)


class ScenarioOutput(serializers.Serializer):
    basis = serializers.ChoiceField(choices=["stop", "keep"],
                                    help_text="stop paying now, or keep paying at the current base")
    label = serializers.CharField()
    eligible = serializers.BooleanField(help_text="The minimum years are reached at this month")
    months_paid = serializers.IntegerField()
    months_deemed = serializers.IntegerField()
    months_counted = serializers.IntegerField()
    minimum_months = serializers.IntegerField()
    months_missing = serializers.IntegerField()
    index = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True, coerce_to_string=True)
    total = serializers.DecimalField(allow_null=True, **MONEY)
    parts = PartOutput(many=True)
    missing = MissingOutput(many=True)
    options = serializers.ListField(child=serializers.CharField())
    assumptions = serializers.ListField(child=serializers.CharField())


class PointOutput(serializers.Serializer):
    key = serializers.ChoiceField(choices=["earliest", "statutory", "latest"])
    label = serializers.CharField()
    month = MonthField(help_text="The retirement month, YYYY-MM")
    age_years = serializers.IntegerField()
    age_months = serializers.IntegerField()
    scenarios = ScenarioOutput(many=True)


class PensionEstimateOutput(serializers.Serializer):
    as_of = MonthField(help_text="The month the estimate is made in, YYYY-MM")
    balance = serializers.DecimalField(**MONEY)
    points = PointOutput(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class MyPensionEstimateApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(summary="The calling person's pension estimate",
                   description="At the statutory retirement month and the earliest and latest flexible months, "
                               "stopping now or keeping the current base; each part with its inputs and sources. "
                               "A missing parameter is named in `missing`, never guessed.",
                   responses=PensionEstimateOutput)
    def get(self, request):
        estimate = estimate_for(self.viewer, person_id=self.viewer.person_id)
        return Response(PensionEstimateOutput(estimate).data)
