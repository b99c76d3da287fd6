"""GET /api/v1/me/pension-estimate: the calling person's estimate (issue 27, item 3); GET
/api/v1/me/pension-determination (and .../pdf): their determination at retirement and its letter (item 5)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from common.apis import ApiView
from common.fields import MonthField
from common.pdf import PdfRenderer, pdf_response
from common.permissions import IsInsuredPerson
from common.problems import NotFound
from pensions.documents import determination_letter_pdf
from pensions.estimate import estimate_for
from pensions.selectors import person_determination

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}
PART_KEYS = ["basic", "account", "transitional", "supplements"]  # one enum in the schema (ENUM_NAME_OVERRIDES)


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
    key = serializers.ChoiceField(choices=PART_KEYS)
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


class DeterminationPartOutput(serializers.Serializer):
    key = serializers.ChoiceField(choices=PART_KEYS)
    label = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    inputs = InputOutput(many=True)


class PensionDeterminationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["initial", "redetermination"])
    retirement_month = MonthField(help_text="The month the pension is paid from, YYYY-MM")
    age_years = serializers.IntegerField()
    age_months = serializers.IntegerField()
    months_paid = serializers.IntegerField()
    months_deemed = serializers.IntegerField()
    index = serializers.DecimalField(max_digits=8, decimal_places=4, coerce_to_string=True)
    benefit_year = serializers.IntegerField(source="benefit.year", help_text="The year of the benefit base used")
    benefit_base = serializers.DecimalField(source="benefit.benefit_base", **MONEY)
    provisional = serializers.BooleanField(help_text="The retirement year's base was not published: redetermined "
                                                     "once it is")
    balance = serializers.DecimalField(help_text="The account balance closed into the pension", **MONEY)
    divisor = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=True)
    parts = DeterminationPartOutput(many=True)
    total = serializers.DecimalField(help_text="Monthly basic pension", **MONEY)
    difference = serializers.DecimalField(allow_null=True, help_text="A redetermination: monthly difference",
                                          **MONEY)
    months_owed = serializers.IntegerField(allow_null=True)
    amount_owed = serializers.DecimalField(allow_null=True, **MONEY)
    approved_at = serializers.DateTimeField()
    letter_channel = serializers.ChoiceField(choices=["email", "post", "online"])


def _determination(viewer) -> object:
    found = person_determination(viewer, person_id=viewer.person_id)
    if found is None:
        raise NotFound(_("Your pension is not determined yet."))
    return found


class MyPensionDeterminationApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(summary="The calling person's pension determination (待遇核定)",
                   description="The determination in force (a redetermination replaces the one it corrects): each "
                               "part with its inputs and their sources. 404 until the pension is determined and "
                               "approved.",
                   responses=PensionDeterminationOutput)
    def get(self, request):
        return Response(PensionDeterminationOutput(_determination(self.viewer)).data)


class MyPensionDeterminationPdfApi(ApiView):
    permission_classes = [IsInsuredPerson]
    renderer_classes = [PdfRenderer]
    response_media_type = "application/pdf"

    @extend_schema(summary="The decision letter of the calling person's pension determination as a PDF",
                   responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The letter PDF (Chinese).")})
    def get(self, request):
        row = _determination(self.viewer)
        return pdf_response(determination_letter_pdf(row), f"pension-determination-{row.pk}.pdf")
