"""A person applies to suspend a relationship, downloads the contribution certificate, files a transfer and
follows it. The clerks decide in the admin (transfers/admin.py); both call the same services."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from agency.deadlines import deadline_due_on
from agency.models import DocumentKind, Region
from common.apis import ApiView, DocumentsUpload, documents_take, with_documents
from common.fields import ChoiceField, DateField, IntegerField
from common.identifiers import division_code_check
from common.pagination import Cursor
from common.pdf import PdfRenderer, pdf_response
from common.permissions import IsInsuredPerson
from common.problems import Conflict, NotFound, ValidationFailed
from insured.models import Channel
from transfers.documents import certificate_pdf, form_pdf, letter_pdf
from transfers.models import SuspensionReason, Transfer
from transfers.rules import STEP_RULE, step_number, step_region
from transfers.selectors import contribution_certificate, transfers_visible
from transfers.services.suspensions import suspension_apply
from transfers.services.transfers import transfer_apply
from transfers.terms import TransferRule

PDF = "application/pdf"


def _region(code: str | None, field: str, *, required: bool = True) -> Region | None:
    if not code:
        if required:
            raise ValidationFailed.field(field, "required", _("Give the region's 6-digit division code."))
        return None
    region = Region.objects.filter(code=division_code_check(code, field=field)).first()
    if region is None:
        raise ValidationFailed.field(field, "unknown_region", _("No region with the code %(code)s.") % {"code": code})
    return region






class SuspensionOutput(serializers.Serializer):
    id = IntegerField()
    state = serializers.CharField()
    region_code = serializers.CharField(source="region.code")
    reason = serializers.CharField()
    note = serializers.CharField()
    relationship_id = IntegerField()
    request_event_id = IntegerField()
    created_at = serializers.DateTimeField()
    due_on = serializers.SerializerMethodField()

    def get_due_on(self, obj) -> date | None:
        
        return deadline_due_on(obj, rule=TransferRule.SUSPENSION_REVIEW)


class MySuspensionsApi(ApiView):
    permission_classes = [IsInsuredPerson]

    class InputSerializer(serializers.Serializer):
        region = serializers.CharField(max_length=6, help_text="The 6-digit division code of the region.")
        reason = ChoiceField(choices=SuspensionReason.choices)
        note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)

    class UploadSerializer(InputSerializer, DocumentsUpload):
        """The same fields with files attached (multipart/form-data)."""

    @extend_schema(request=InputSerializer, responses={201: SuspensionOutput},
                   summary="Apply to suspend the insurance relationship in a region (reviewed by a clerk)",
                   examples=[OpenApiExample("A job in another city", request_only=True,
                                            value={"region": "310101", "reason": "job_transfer",
                                                   "note": "调往北京工作"})])
    def post(self, request):
        data = self.UploadSerializer(data=request.data)  # JSON has no files: the lists stay empty
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        documents = documents_take(fields, DocumentKind.OTHER)
        suspension = suspension_apply(region=_region(fields["region"], "region"), reason=fields["reason"],
                                      note=fields["note"], documents=documents, actor=self.viewer,
                                      channel=Channel.API)
        return Response(SuspensionOutput(suspension).data, status=status.HTTP_201_CREATED)


MySuspensionsUploadApi = with_documents(
    MySuspensionsApi, responses={201: SuspensionOutput},
    summary="Apply to suspend the relationship, with files attached (multipart)")


class CertificateOutput(serializers.Serializer):
    person_name = serializers.CharField()
    document_number = serializers.CharField()
    region_code = serializers.CharField()
    region_name = serializers.CharField()
    relationship_state = serializers.CharField()
    opened_on = DateField()
    state_since = DateField()
    months_of_contribution = IntegerField()
    years = IntegerField()
    months = IntegerField()
    bases_total = serializers.DecimalField(max_digits=16, decimal_places=2)
    by_year = serializers.ListField(child=serializers.DictField())
    account_balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    issued_on = DateField()


class MyCertificateApi(ApiView):
    permission_classes = [IsInsuredPerson]
    extra_problem_statuses = (409,)  # the relationship is still active

    @extend_schema(
        summary="The contribution certificate (参保缴费凭证) of a suspended relationship (its PDF: .../pdf)",
        parameters=[OpenApiParameter("region", str, required=True, description="The region's division code")],
        responses={200: CertificateOutput})
    def get(self, request):
        region = request.query_params.get("region") or ""
        if not region:
            raise ValidationFailed.field("region", "required", _("Give the region's 6-digit division code."))
        certificate = contribution_certificate(self.viewer, region_code=division_code_check(region, field="region"))
        if request.query_params.get("as") == "pdf":
            return pdf_response(certificate_pdf(certificate), f"certificate-{certificate.region.code}.pdf")
        return Response(certificate.as_dict())


class MyCertificatePdfApi(ApiView):
    permission_classes = [IsInsuredPerson]
    renderer_classes = [PdfRenderer]
    response_media_type = PDF
    extra_problem_statuses = (409,)

    @extend_schema(
        summary="The contribution certificate (参保缴费凭证) of a suspended relationship as a PDF",
        parameters=[OpenApiParameter("region", str, required=True, description="The region's division code")],
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The certificate PDF.")})
    def get(self, request):
        region = request.query_params.get("region") or ""
        if not region:
            raise ValidationFailed.field("region", "required", _("Give the region's 6-digit division code."))
        certificate = contribution_certificate(self.viewer, region_code=division_code_check(region, field="region"))
        return pdf_response(certificate_pdf(certificate), f"certificate-{certificate.region.code}.pdf")


class TransferEventOutput(serializers.Serializer):
    kind = serializers.CharField()
    region_code = serializers.CharField(source="region.code")
    recorded_at = serializers.DateTimeField()
    note = serializers.CharField()


class TransferOutput(serializers.Serializer):
    id = IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    step = serializers.SerializerMethodField()
    step_region = serializers.SerializerMethodField()
    due_on = serializers.SerializerMethodField()
    from_region = serializers.CharField(source="from_region.code")
    to_region = serializers.CharField(source="to_region.code")
    filed_on = DateField()
    letter_number = serializers.CharField()
    letter_on = DateField(allow_null=True)
    decision_rule = serializers.CharField()
    refusal_reason = serializers.CharField()
    account_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    pooled_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    months = IntegerField(allow_null=True)
    pooled_months = IntegerField(allow_null=True)
    transferred_out_on = DateField(allow_null=True)
    received_account_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    received_pooled_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    received_on = DateField(allow_null=True)
    completed_on = DateField(allow_null=True)
    events = TransferEventOutput(many=True)

    def get_step(self, obj) -> int | None:
        return step_number(obj)

    def get_step_region(self, obj) -> str | None:
        region = step_region(obj)
        return region.code if region else None

    def get_due_on(self, obj) -> date | None:
        rule = STEP_RULE.get(obj.state)
        return deadline_due_on(obj, rule=rule) if rule else None


_TRANSFER_EXAMPLE = {
    "id": 41, "kind": "funds", "state": "accepted", "step": 2, "step_region": "310101", "due_on": "2026-12-16",
    "from_region": "310101", "to_region": "110105", "filed_on": "2026-11-20", "letter_number": "JS1101052026000041",
    "letter_on": "2026-11-25", "decision_rule": "", "refusal_reason": "", "account_amount": None,
    "pooled_amount": None, "months": None, "pooled_months": None, "transferred_out_on": None,
    "received_account_amount": None, "received_pooled_amount": None, "received_on": None, "completed_on": None,
    "events": [{"kind": "applied", "region_code": "110105", "recorded_at": "2026-11-20T10:00:00+08:00", "note": ""},
               {"kind": "accepted", "region_code": "110105", "recorded_at": "2026-11-25T09:00:00+08:00",
                "note": ""}]}


class MyTransfersApi(ApiView):
    permission_classes = [IsInsuredPerson]
    pagination_class = Cursor

    class InputSerializer(serializers.Serializer):
        from_region = serializers.CharField(max_length=6, help_text="The old region's division code.")
        to_region = serializers.CharField(max_length=6, required=False, default="", allow_blank=True,
                                          help_text="The new region's code; default: where you are enrolled.")
        note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)

    class UploadSerializer(InputSerializer, DocumentsUpload):
        """The same fields with files attached (multipart/form-data)."""

    @extend_schema(responses=TransferOutput(many=True), summary="The calling person's transfers",
                   parameters=[OpenApiParameter("cursor", str, required=False)])
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(transfers_visible(self.viewer), request, view=self)
        return paginator.get_paginated_response(TransferOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: TransferOutput},
                   summary="File the transfer of a suspended relationship to the region where you are now enrolled",
                   examples=[OpenApiExample("From Shanghai", request_only=True, value={"from_region": "310101"}),
                             OpenApiExample("Filed", response_only=True, status_codes=["201"],
                                            value={**_TRANSFER_EXAMPLE, "state": "applied", "step": 1,
                                                   "step_region": "110105", "letter_number": "",
                                                   "letter_on": None})])
    def post(self, request):
        data = self.UploadSerializer(data=request.data)  # JSON has no files: the lists stay empty
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        documents = documents_take(fields, DocumentKind.OTHER)
        transfer = transfer_apply(from_region=_region(fields["from_region"], "from_region"),
                                  to_region=_region(fields["to_region"], "to_region", required=False),
                                  note=fields["note"], documents=documents, actor=self.viewer, channel=Channel.API)
        transfer = transfers_visible(self.viewer).get(pk=transfer.pk)
        return Response(TransferOutput(transfer).data, status=status.HTTP_201_CREATED)


MyTransfersUploadApi = with_documents(MyTransfersApi, responses={201: TransferOutput},
                                      summary="File a transfer with files attached (multipart)")


class MyTransferDetailApi(ApiView):
    permission_classes = [IsInsuredPerson]
    extra_problem_statuses = (409,)  # the letter or the form asked for before it is issued

    @extend_schema(
        summary="Follow a transfer: its step, due date, decision and amounts (its documents: .../letter, .../form)",
        responses={200: TransferOutput},
        examples=[OpenApiExample("Under way at step 2", response_only=True, value=_TRANSFER_EXAMPLE)])
    def get(self, request, pk: int):
        transfer: Transfer | None = transfers_visible(self.viewer).filter(pk=pk).first()
        if transfer is None:
            raise NotFound(_("No such transfer of yours."))
        document = request.query_params.get("document")
        if document == "letter":
            if not transfer.letter_on:
                raise Conflict(_("The letter of consent is not issued yet."), type_slug="document-not-issued")
            return pdf_response(letter_pdf(transfer), f"letter-{transfer.pk}.pdf")
        if document == "form":
            if not transfer.form:
                raise Conflict(_("The transfer information form is not issued yet."), type_slug="document-not-issued")
            return pdf_response(form_pdf(transfer), f"form-{transfer.pk}.pdf")
        if document:
            raise ValidationFailed.field("document", "invalid_choice", _("Give letter or form."))
        return Response(TransferOutput(transfer).data)


class MyTransferDocumentApi(ApiView):
    """A transfer's document as a PDF, once issued: `letter` (the consent to receive) or `form` (the
    transfer information form)."""

    permission_classes = [IsInsuredPerson]
    renderer_classes = [PdfRenderer]
    response_media_type = PDF
    extra_problem_statuses = (409,)  # asked for before it is issued
    document = "letter"

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The document PDF.")})
    def get(self, request, pk: int):
        transfer: Transfer | None = transfers_visible(self.viewer).filter(pk=pk).first()
        if transfer is None:
            raise NotFound(_("No such transfer of yours."))
        if self.document == "letter":
            if not transfer.letter_on:
                raise Conflict(_("The letter of consent is not issued yet."), type_slug="document-not-issued")
            return pdf_response(letter_pdf(transfer), f"letter-{transfer.pk}.pdf")
        if not transfer.form:
            raise Conflict(_("The transfer information form is not issued yet."), type_slug="document-not-issued")
        return pdf_response(form_pdf(transfer), f"form-{transfer.pk}.pdf")


class MyTransferLetterApi(MyTransferDocumentApi):
    document = "letter"

    @extend_schema(summary="A transfer's letter of consent to receive (同意接收函) as a PDF, once issued",
                   responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The letter PDF.")})
    def get(self, request, pk: int):
        return super().get(request, pk)


class MyTransferFormApi(MyTransferDocumentApi):
    document = "form"

    @extend_schema(summary="A transfer's information form as a PDF, once issued",
                   responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The form PDF.")})
    def get(self, request, pk: int):
        return super().get(request, pk)
