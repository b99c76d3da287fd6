"""GET /api/v1/me/pension-estimate: the calling person's estimate (issue 27, item 3); GET
/api/v1/me/pension-determination (and .../pdf): their determination at retirement and its letter (item 5)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
from pensions.estimate import estimate_rendered
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


# The estimate as PensionEstimateOutput renders it, built directly: a read-only document of ~150 values whose
# nested serializers took a seventh of a request (issue 27 benchmarks). The serializers stay its schema;
# tests/pensions/test_estimate.py checks the two render the same bytes.
CENT, TEN_THOUSANDTH = Decimal("0.01"), Decimal("0.0001")


def _decimal(value, places: Decimal) -> str | None:
    return None if value is None else f"{value.quantize(places, rounding=ROUND_HALF_UP):f}"


def _inputs(inputs) -> list[dict]:
    return [{"key": i.key, "label": str(i.label), "value": str(i.value), "source": str(i.source),
             "published_on": i.published_on.isoformat() if i.published_on is not None else None} for i in inputs]


def _missing(items) -> list[dict]:
    return [{"key": m.key, "text": str(m.text)} for m in items]


def estimate_document(estimate) -> dict:
    """The body of GET /api/v1/me/pension-estimate: PensionEstimateOutput(estimate).data, field for field."""
    return {
        "as_of": f"{estimate.as_of.year:04d}-{estimate.as_of.month:02d}",
        "balance": _decimal(estimate.balance, CENT),
        "points": [{
            "key": point.key, "label": str(point.label),
            "month": f"{point.month.year:04d}-{point.month.month:02d}",
            "age_years": point.age_years, "age_months": point.age_months,
            "scenarios": [{
                "basis": s.basis, "label": str(s.label), "eligible": s.eligible, "months_paid": s.months_paid,
                "months_deemed": s.months_deemed, "months_counted": s.months_counted,
                "minimum_months": s.minimum_months, "months_missing": s.months_missing,
                "index": _decimal(s.index, TEN_THOUSANDTH), "total": _decimal(s.total, CENT),
                "parts": [{"key": part.key, "label": str(part.label), "amount": _decimal(part.amount, CENT),
                           "inputs": _inputs(part.inputs), "missing": _missing(part.missing)} for part in s.parts],
                "missing": _missing(s.missing), "options": [str(o) for o in s.options],
                "assumptions": [str(a) for a in s.assumptions],
            } for s in point.scenarios],
        } for point in estimate.points],
        "notes": [str(n) for n in estimate.notes],
    }


class MyPensionEstimateApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(summary="The calling person's pension estimate",
                   description="At the statutory retirement month and the earliest and latest flexible months, "
                               "stopping now or keeping the current base; each part with its inputs and sources. "
                               "A missing parameter is named in `missing`, never guessed.",
                   responses=PensionEstimateOutput)
    def get(self, request):
        return Response(estimate_rendered(self.viewer, person_id=self.viewer.person_id, render=estimate_document))


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
