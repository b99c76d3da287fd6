"""Employers' portals: file a monthly declaration (JSON or CSV upload), list and read them."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from agency.models import InsuranceType
from common.dates import MONTH_PATTERN
from common.fields import DateField, IntegerField, MonthField
from common.money import MoneyField
from common.pagination import Cursor
from common.parsers import LargeJSONParser, MultiPartParser, large_body_read
from common.problems import NotFound, PayloadTooLarge, ValidationFailed
from contributions.models import DeclarationSource
from contributions.selectors.declarations import declarations_visible
from contributions.services.declarations import declaration_file
from employers.apis.employers import PortalApiView

MONEY = dict(max_digits=14, decimal_places=2)


class PartsOut(serializers.Serializer):
    employer = serializers.DecimalField(**MONEY)
    individual = serializers.DecimalField(**MONEY)


class TotalsOut(serializers.Serializer):
    pension = PartsOut()
    medical = PartsOut()
    unemployment = PartsOut()
    work_injury = PartsOut()


class ClampedOut(serializers.Serializer):
    row = IntegerField()
    document_number = serializers.CharField()
    wage = serializers.DecimalField(max_digits=12, decimal_places=2)
    base = serializers.DecimalField(max_digits=12, decimal_places=2)
    bound = serializers.ChoiceField(choices=["floor", "ceiling"])


class ChargeOut(serializers.Serializer):
    id = IntegerField()
    amount = serializers.DecimalField(**MONEY, help_text="Negative: a credit (the correction lowered the month).")
    due_on = DateField()
    late_fee_from = DateField(source="fee_from", allow_null=True,
                                          help_text="The late fee runs from the day after this day.")


class DeclarationOut(serializers.Serializer):
    id = IntegerField()
    period = MonthField()
    sequence = IntegerField(help_text="1: the declaration; 2 and on: its corrections.")
    source = serializers.CharField()
    rows = IntegerField()
    lines_written = IntegerField()
    totals = TotalsOut(help_text="The period's figures after this filing, per insurance type and part.")
    amount_due = serializers.DecimalField(source="total", **MONEY,
                                          help_text="The period's total after this filing.")
    difference = serializers.DecimalField(
        **MONEY, help_text="What this filing changed: positive owed, negative overpaid (a credit).")
    due_on = DateField()
    declared_on = DateField()
    late = serializers.BooleanField(help_text="Filed after the period's declaration day.")
    charges = ChargeOut(many=True)


class DeclarationFiledOut(DeclarationOut):
    clamped = ClampedOut(many=True, help_text="Every row whose wage was raised to the floor or lowered to the ceiling.")


_EXAMPLE = {
    "id": 42, "period": "2026-10", "sequence": 1, "source": "json", "rows": 2, "lines_written": 2,
    "totals": {"pension": {"employer": "2240.00", "individual": "1120.00"},
               "medical": {"employer": "1120.00", "individual": "280.00"},
               "unemployment": {"employer": "70.00", "individual": "70.00"},
               "work_injury": {"employer": "28.00", "individual": "0.00"}},
    "amount_due": "4928.00", "difference": "4928.00", "due_on": "2026-10-15", "declared_on": "2026-10-08",
    "late": False, "charges": [{"id": 7, "amount": "4928.00", "due_on": "2026-10-15",
                                "late_fee_from": "2026-10-15"}],
    "clamped": [{"row": 2, "document_number": "310101199003151230", "wage": "3000.00", "base": "6000.00",
                 "bound": "floor"}],
}


MULTIPART_ALLOWANCE = 64 * 1024


class DeclarationRowSerializer(serializers.Serializer):
    document_number = serializers.CharField(max_length=30, help_text="The person's document number.")
    wage = MoneyField(max_digits=12, decimal_places=2,
                      help_text="Monthly wage in yuan; positive, at most two decimals, ASCII digits.")


class DeclarationListApi(PortalApiView):
    pagination_class = Cursor  # documented as the cursor envelope it answers
    parser_classes = [LargeJSONParser, MultiPartParser]

    def initialize_request(self, request, *args, **kwargs):
        large_body_read(request, settings.DECLARATION_JSON_MAX_BYTES)
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        # A CSV upload larger than its limit is refused from its Content-Length, before anything reads
        # it (the form's other fields and the multipart framing get MULTIPART_ALLOWANCE bytes).
        if request.method == "POST" and (request.content_type or "").startswith("multipart/"):
            length = int(request.META.get("CONTENT_LENGTH") or 0)
            if length > settings.DECLARATION_CSV_MAX_BYTES + MULTIPART_ALLOWANCE:
                raise PayloadTooLarge(_("A CSV declaration is at most %(limit)s bytes (%(rows)s rows fit well "
                                        "within it).") % {"limit": settings.DECLARATION_CSV_MAX_BYTES,
                                                          "rows": settings.DECLARATION_MAX_ROWS})
        super().initial(request, *args, **kwargs)

    class InputSerializer(serializers.Serializer):
        period = serializers.RegexField(MONTH_PATTERN, help_text="YYYY-MM")
        rows = serializers.ListField(child=DeclarationRowSerializer(), max_length=100_000,
                                     help_text="One row per person on the staff in the period.")

    class CsvInputSerializer(serializers.Serializer):
        period = serializers.RegexField(MONTH_PATTERN, help_text="YYYY-MM")
        file = serializers.FileField(help_text="CSV, UTF-8 with or without BOM; header `document_number,wage` "
                                               "(an optional `name` column is ignored).")

    @extend_schema(
        request=InputSerializer,
        responses={201: DeclarationFiledOut},
        summary="File the month's declaration (the whole roll); a second one for the period is a correction",
        examples=[OpenApiExample("Declare two employees", request_only=True, media_type="application/json",
                                 value={"period": "2026-10", "rows": [
                                     {"document_number": "110101199003074578", "wage": "8000.00"},
                                     {"document_number": "310101199003151230", "wage": "3000.00"}]}),
                  OpenApiExample("Declared", response_only=True, status_codes=["201"], value=_EXAMPLE)])
    def post(self, request):
        data = request.data
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        period = data.get("period") if hasattr(data, "get") else None
        if upload is not None:
            result = declaration_file(employer_id=self.viewer.employer_id, period=period, rows=None,
                                      csv_data=upload, source=DeclarationSource.CSV, actor=self.viewer)
        else:
            if not hasattr(data, "get") or "file" in data:
                raise ValidationFailed.field("rows", "required", _("Send JSON with period and rows, or a CSV file."))
            result = declaration_file(employer_id=self.viewer.employer_id, period=period, rows=data.get("rows"),
                                      source=DeclarationSource.JSON, actor=self.viewer)
        declaration = result.declaration
        declaration.charge_list = result.charges
        body = DeclarationOut(_out(declaration)).data
        # Up to 100,000 clamped rows: written as DeclarationFiledOut documents them, without a serializer per row.
        body["clamped"] = [{"row": c.row, "document_number": c.document_number, "wage": str(c.wage),
                            "base": str(c.base), "bound": str(c.bound)} for c in result.clamped]
        return Response(body, status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/employer/declarations/{declaration.pk}"})

    @extend_schema(responses=DeclarationOut(many=True), summary="The employer's declarations, newest first")
    def get(self, request):
        paginator = Cursor()
        page = paginator.paginate_queryset(declarations_visible(self.viewer).prefetch_related("charges"), request,
                                           view=self)
        return paginator.get_paginated_response(DeclarationOut([_out(d) for d in page], many=True).data)


class DeclarationCsvApi(DeclarationListApi):
    """The month's declaration as a CSV file (multipart/form-data): the same rules and answer as JSON."""

    http_method_names = ["post", "options"]
    parser_classes = [MultiPartParser]
    request_media_type = "multipart/form-data"

    @extend_schema(request=DeclarationListApi.CsvInputSerializer, responses={201: DeclarationFiledOut},
                   summary="File the month's declaration as a CSV file; a second one for the period is a correction")
    def post(self, request):
        if "file" not in request.FILES:
            raise ValidationFailed.field("file", "required", _("Attach the CSV file as the `file` part."))
        return super().post(request)


class DeclarationDetailApi(PortalApiView):
    @extend_schema(responses=DeclarationOut, summary="One declaration with its charges")
    def get(self, request, pk: int):
        declaration = declarations_visible(self.viewer).prefetch_related("charges").filter(pk=pk).first()
        if declaration is None:
            raise NotFound(_("No such declaration."))
        return Response(DeclarationOut(_out(declaration)).data)


def _totals(stored) -> dict:
    """Every insurance type with both parts (a declaration written without them, e.g. by the agency, reads as 0.00)."""
    stored = stored if isinstance(stored, dict) else {}
    return {kind: {part: (stored.get(kind) or {}).get(part, "0.00") for part in ("employer", "individual")}
            for kind in InsuranceType.values}


def _out(declaration) -> dict:
    charges = getattr(declaration, "charge_list", None)
    if charges is None:
        charges = sorted(declaration.charges.all(), key=lambda c: c.pk)  # prefetched by the views
    body = {
        "id": declaration.pk, "period": declaration.period, "sequence": declaration.sequence,
        "source": declaration.source, "rows": declaration.rows, "lines_written": declaration.lines_written,
        "totals": _totals(declaration.totals), "total": declaration.total, "difference": declaration.difference,
        "due_on": declaration.due_on, "declared_on": declaration.declared_on, "late": declaration.late,
        "charges": charges,
    }
    return body
