"""Statements for the insured person (Art. 74: free of charge), their access log, and the public
verification of a statement by its code."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from agency.workbench import staff_name
from common.apis import ApiView
from common.fields import IntegerField, MonthField
from common.identifiers import mask_name
from common.pagination import Cursor
from common.pdf import PdfRenderer, pdf_response
from common.permissions import IsInsuredPerson
from common.problems import NotFound
from common.renderers import JSONRenderer
from common.security import client_address
from contributions.models import PARTS
from statements.render import statement_pdf
from statements.selectors import access_log_visible, statement_changes, statement_verify, statements_visible
from statements.services.requests import statement_request
from statements.signing import key_set, qr_text
from statements.snapshot import verification_code_display

MONEY = dict(max_digits=14, decimal_places=2)


# --- the statement as JSON ----------------------------------------------------------------------------

class StatementPartsOut(serializers.Serializer):
    employer = serializers.DecimalField(**MONEY)
    individual = serializers.DecimalField(**MONEY, required=False, help_text="Work injury has none.")


class StatementAmountsOut(serializers.Serializer):
    pension = StatementPartsOut()
    medical = StatementPartsOut()
    unemployment = StatementPartsOut()
    work_injury = StatementPartsOut()


class StatementEmployerOut(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


class StatementMonthOut(serializers.Serializer):
    period = MonthField()
    employer = StatementEmployerOut(allow_null=True, help_text="null for a month paid as a flexible worker")
    base = serializers.DecimalField(**MONEY)
    amounts = StatementAmountsOut()
    paid = serializers.BooleanField()
    determined = serializers.BooleanField(help_text="Determined by the agency (Art. 58), not declared.")
    insured_as = serializers.ChoiceField(choices=["employee", "flexible"],
                                         help_text="Insured by an employer that month, or paid as a flexible worker "
                                                   "(Art. 10: no employer; the pooled part is `pension.employer`).")


class StatementAccountOut(serializers.Serializer):
    opening = serializers.DecimalField(**MONEY)
    credits = serializers.DecimalField(**MONEY)
    interest = serializers.DecimalField(**MONEY)
    transfers_in = serializers.DecimalField(**MONEY)
    transfers_out = serializers.DecimalField(**MONEY)
    payouts = serializers.DecimalField(**MONEY)
    corrections = serializers.DecimalField(**MONEY)
    closing = serializers.DecimalField(**MONEY)


class StatementArrearsOut(serializers.Serializer):
    months = IntegerField()
    amount = serializers.DecimalField(**MONEY)


class StatementPersonOut(serializers.Serializer):
    name = serializers.CharField()
    document = serializers.CharField(help_text="Masked.")
    status = serializers.CharField(help_text="active, suspended, awaiting_refund, closed, or empty.")
    region = serializers.CharField()


class StatementDeliveryOut(serializers.Serializer):
    channel = serializers.CharField()
    state = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)


class StatementSummaryOut(serializers.Serializer):
    year = IntegerField()
    version = IntegerField(min_value=1, help_text="2, 3, ...: reissued after the year's figures changed.")
    current = serializers.BooleanField(help_text="The year's newest version; an older one was superseded.")
    superseded_by = serializers.CharField(allow_null=True, help_text="The verification code of the version that "
                                                                     "replaced this one, or null.")
    changes = serializers.ListField(child=serializers.CharField(),
                                    help_text="What changed from the previous version (in Chinese); empty for "
                                              "the first version.")
    generated_at = serializers.DateTimeField()
    checksum = serializers.CharField(help_text="SHA-256 of the statement's snapshot; printed on the PDF.")
    verification_code = serializers.CharField()
    channel = serializers.CharField()
    deliveries = StatementDeliveryOut(many=True)


class StatementOut(StatementSummaryOut):
    agency = serializers.CharField()
    person = StatementPersonOut()
    employers = StatementEmployerOut(many=True)
    months = StatementMonthOut(many=True)
    totals = StatementAmountsOut()
    months_in_year = IntegerField()
    months_total = IntegerField()
    arrears = StatementArrearsOut()
    account = StatementAccountOut()
    qr = serializers.CharField(help_text="What the statement's QR code holds: the verification URL, then after `#` "
                                         "the figures signed with Ed25519 (a compact JWS; keys at "
                                         "/.well-known/statement-keys.json).")


def _amounts(values: list[str]) -> dict:
    out: dict[str, dict[str, str]] = {}
    for (insurance_type, part, _column), value in zip(PARTS, values, strict=True):
        out.setdefault(insurance_type, {})[part] = value
    return out


def _summary(statement) -> dict:
    successor = getattr(statement, "superseded_by", None)
    return {"year": statement.year, "version": statement.version, "current": successor is None,
            "superseded_by": verification_code_display(successor.verification_code) if successor else None,
            "changes": statement_changes(statement),
            "generated_at": statement.generated_at, "checksum": statement.checksum,
            "verification_code": verification_code_display(statement.verification_code),
            "channel": statement.channel,
            "deliveries": [{"channel": d.channel, "state": d.state, "sent_at": d.sent_at}
                           for d in sorted(statement.deliveries.all(), key=lambda d: d.pk)]}


def statement_body(statement) -> dict:
    snap = json.loads(statement.snapshot)
    employers = [{"uscc": u, "name": n} for u, n in snap["employers"]]
    return {
        **_summary(statement), "agency": snap["agency"]["name"], "person": snap["person"], "employers": employers,
        "months": [{"period": period, "employer": employers[e - 1] if e else None, "base": base,
                    "amounts": _amounts(amounts), "paid": bool(paid), "determined": source == "d",
                    "insured_as": "flexible" if source == "f" else "employee"}
                   for period, e, base, amounts, paid, source in snap["months"]],
        "totals": _amounts(snap["totals"]), "months_in_year": snap["months_in_year"],
        "months_total": snap["months_total"], "arrears": snap["arrears"], "account": snap["account"],
        "qr": qr_text(snap, masked_name=mask_name(snap["person"]["name"]), checksum=statement.checksum),
    }


class YearCursor(Cursor):
    ordering = ("-year", "-version")


class MyStatementsApi(ApiView):
    permission_classes = [IsInsuredPerson]
    pagination_class = YearCursor

    @extend_schema(responses=StatementSummaryOut(many=True), summary="The calling person's statements, newest first")
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            statements_visible(self.viewer).select_related("superseded_by").prefetch_related("deliveries", "events"),
            request, view=self)
        return paginator.get_paginated_response([_summary(s) for s in page])


class MyStatementApi(ApiView):
    permission_classes = [IsInsuredPerson]
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(summary="One year's statement (its PDF: GET .../statements/{year}/pdf)",
                   responses={200: StatementOut})
    def get(self, request, year: int):
        statement = statements_visible(self.viewer).prefetch_related("deliveries").filter(year=year).first()
        if statement is None:
            raise NotFound(gettext("There is no statement of %(year)s yet; ask for one with POST "
                                   "/api/v1/me/statements/%(year)s/reprint.") % {"year": year})
        if request.accepted_renderer.format == "pdf":
            return pdf_response(statement_pdf(statement.snapshot), f"statement-{year}.pdf")
        return Response(statement_body(statement))


class MyStatementPdfApi(ApiView):
    """The statement as printed and mailed: a PDF, the same bytes for the same figures."""

    permission_classes = [IsInsuredPerson]
    renderer_classes = [PdfRenderer]
    response_media_type = "application/pdf"

    @extend_schema(summary="One year's statement as a PDF",
                   responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The statement PDF.")})
    def get(self, request, year: int):
        statement = statements_visible(self.viewer).filter(year=year).first()
        if statement is None:
            raise NotFound(f"There is no statement of {year} yet; ask for one with POST "
                           f"/api/v1/me/statements/{year}/reprint.")
        return pdf_response(statement_pdf(statement.snapshot), f"statement-{year}.pdf")


class MyStatementRequestOut(serializers.Serializer):
    statement = StatementSummaryOut()
    created = serializers.BooleanField(help_text="Generated by this request (there was none of the year).")
    delivery = StatementDeliveryOut(allow_null=True, help_text="The new delivery by the person's channel, or null when "
                                                      "one is already under way.")


class MyStatementReprintApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(request=None, responses={200: MyStatementRequestOut, 201: MyStatementRequestOut},
                   summary="Ask for the statement of a finished year, or a reprint, free of charge")
    def post(self, request, year: int):
        statement, delivery, created = statement_request(year=year, actor=self.viewer)
        statement = statements_visible(self.viewer).prefetch_related("deliveries").get(pk=statement.pk)
        body = {"statement": _summary(statement), "created": created,
                "delivery": ({"channel": delivery.channel, "state": delivery.state, "sent_at": delivery.sent_at}
                             if delivery else None)}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- verification ---------------------------------------------------------------------------------------

class VerifyThrottle(SimpleRateThrottle):
    """Per address: guessing 100-bit codes is hopeless, and this keeps it slow as well."""

    scope = "statement-verify"

    def get_rate(self):
        return settings.STATEMENT_VERIFY_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request) or "unknown"}


class VerificationOut(serializers.Serializer):
    year = IntegerField()
    name = serializers.CharField(help_text="The holder's name: its first character and always two asterisks.")
    checksum = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="Compare with the SHA-256 printed at the foot of "
                                                                   "the statement (all 64 hexadecimal digits).")
    months_in_year = IntegerField(min_value=0, max_value=12, help_text="Months contributed in the year.")
    months_total = IntegerField(min_value=0, help_text="Months contributed in all, to the year's end.")
    closing_balance = serializers.DecimalField(**MONEY, help_text="The individual account at the year's end.")
    employer_total = serializers.DecimalField(**MONEY, help_text="The year's employer contributions, all types.")
    individual_total = serializers.DecimalField(**MONEY, help_text="The year's individual contributions, all types.")
    version = IntegerField(min_value=1, help_text="1 for the statement first issued; 2, 3, ... for the reissues "
                                                  "after the year's figures changed.")
    status = serializers.ChoiceField(choices=["current", "superseded"],
                                     help_text="superseded: the year's figures changed and a new version was "
                                               "issued; its code is in superseded_by.")
    superseded_by = serializers.CharField(allow_null=True, help_text="The current version's verification code, "
                                                                     "or null when this one is current.")
    message = serializers.CharField(help_text="The answer in Chinese, as a person reads it.")


_VERIFY_EXAMPLE = {"year": 2025, "name": "王**", "checksum": "9f2c" * 16, "months_in_year": 12, "months_total": 87,
                   "closing_balance": "58210.44", "employer_total": "26880.00", "individual_total": "11160.00",
                   "version": 1, "status": "current", "superseded_by": None,
                   "message": "核验通过：该记录单为2025年度现行有效版本。"}


class StatementVerifyApi(ApiView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [VerifyThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("code", str, required=True, description="The verification code printed on "
                                                                             "the statement (dashes optional).")],
        responses=VerificationOut, auth=[], summary="Check a statement by its verification code (no login)",
        examples=[OpenApiExample("A statement of 2025", response_only=True, value=_VERIFY_EXAMPLE)])
    def get(self, request):
        found = statement_verify(code=request.query_params.get("code", ""))
        f = found.figures
        if found.superseded_by:
            message = (f"该记录单为{found.year}年度第{found.version}版，已被核验码为 {found.superseded_by} 的新版记录单取代"
                       "（记录已更正），请以新版为准。")
        else:
            message = f"核验通过：该记录单为{found.year}年度现行有效版本。"
        return Response({"year": found.year, "name": found.name, "checksum": found.checksum,
                         "months_in_year": f["my"], "months_total": f["mt"], "closing_balance": f["cb"],
                         "employer_total": f["te"], "individual_total": f["ti"], "version": found.version,
                         "status": "superseded" if found.superseded_by else "current",
                         "superseded_by": found.superseded_by, "message": message})


class StatementKeySerializer(serializers.Serializer):
    kty = serializers.ChoiceField(choices=["OKP"])
    crv = serializers.ChoiceField(choices=["Ed25519"])
    use = serializers.ChoiceField(choices=["sig"])
    alg = serializers.ChoiceField(choices=["EdDSA"])
    kid = serializers.CharField(help_text="Named in the header of a statement's signed payload.")
    x = serializers.CharField(help_text="The public key, 32 bytes in base64url.")


class StatementKeySetOut(serializers.Serializer):
    keys = StatementKeySerializer(many=True, help_text="The current key first; retired keys stay listed.")


class StatementKeySetApi(ApiView):
    """The public keys that check the signed payload in a statement's QR code offline (a JWKS, RFC
    7517/8037). Old keys stay here after a rotation, so statements signed with them stay checkable."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=StatementKeySetOut, auth=[], tags=["v1"], operation_id="statement_keys_retrieve",
                   summary="The statements' signing keys (JWKS)")
    def get(self, request):
        return Response(key_set(), headers={"Cache-Control": "public, max-age=3600"})


# --- the person's access log ----------------------------------------------------------------------------

class AccessOut(serializers.Serializer):
    at = serializers.DateTimeField()
    what = serializers.CharField(source="kind")
    what_label = serializers.CharField(source="get_kind_display")
    office = serializers.CharField(source="office.name", allow_null=True, default=None)
    staff = serializers.SerializerMethodField()
    detail = serializers.CharField()

    def get_staff(self, obj) -> str:
        return staff_name(obj.actor_user) if obj.actor_user_id else obj.actor


class AtCursor(Cursor):
    ordering = ("-at", "-id")


class MyAccessLogApi(ApiView):
    permission_classes = [IsInsuredPerson]
    pagination_class = AtCursor

    @extend_schema(responses=AccessOut(many=True),
                   summary="Who at the agency looked at the calling person's record or statements")
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(access_log_visible(self.viewer), request, view=self)
        return paginator.get_paginated_response(AccessOut(page, many=True).data)
