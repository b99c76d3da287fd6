"""A person disputes their record and follows the decision (Art. 74; Order No. 14 of 2011)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from agency.deadlines import deadline_due_on
from agency.vocabulary import document_kind_choices
from common.apis import ApiView, DocumentsUpload, documents_take, with_documents
from common.fields import ChoiceField, DateField, IntegerField, MonthField
from common.pagination import Cursor
from common.pdf import PdfRenderer, pdf_response
from common.permissions import IsInsuredPerson
from common.problems import Conflict, NotFound, ValidationFailed
from disputes.models import ACCOUNT_TEXT_MAX, CorrectionRequestState, DisputeDocumentKind, SubjectKind
from disputes.selectors import correction_requests_visible, disputes_visible
from disputes.services.disputes import dispute_file
from disputes.terms import DisputeRule
from employers.apis.employers import PortalApiView
from insured.models import InsuredPerson

PDF = "application/pdf"


class DisputeEventOutput(serializers.Serializer):
    kind = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class DisputeOutput(serializers.Serializer):
    id = IntegerField()
    subject_kind = serializers.CharField()
    month = MonthField(allow_null=True)
    employer = IntegerField(source="employer_id", allow_null=True)
    entry = IntegerField(source="entry_id", allow_null=True)
    year = IntegerField(allow_null=True)
    account_text = serializers.CharField()
    state = serializers.CharField()
    filed_on = DateField()
    channel = serializers.CharField()
    review_due_on = serializers.SerializerMethodField()
    decision_reasons = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    letter = serializers.SerializerMethodField(help_text="The decision letter's path, once confirmed.")
    corrections = serializers.SerializerMethodField(help_text="The applied corrections' ids, once corrected.")
    events = DisputeEventOutput(many=True)

    def get_review_due_on(self, obj) -> date | None:
        return deadline_due_on(obj, rule=DisputeRule.DISPUTE_REVIEW)

    def get_letter(self, obj) -> str | None:
        return f"/api/v1/me/disputes/{obj.pk}/letter" if obj.letter_id else None

    def get_corrections(self, obj) -> list[int]:
        return [c.pk for c in obj.corrections.all() if c.state == "applied"]


_EXAMPLE = {"id": 12, "subject_kind": "employer_month", "month": "2025-03", "employer": 31, "entry": None,
            "year": None, "account_text": "2025年3月单位未为我申报。", "state": "filed", "filed_on": "2026-12-01",
            "channel": "online", "review_due_on": "2026-12-22", "decision_reasons": "", "decided_at": None,
            "letter": None, "corrections": [],
            "events": [{"kind": "filed", "recorded_at": "2026-12-01T10:02:00+08:00"}]}


class MyDisputesApi(ApiView):
    permission_classes = [IsInsuredPerson]
    pagination_class = Cursor

    class InputSerializer(serializers.Serializer):
        subject_kind = ChoiceField(choices=SubjectKind.choices)
        month = MonthField(required=False, allow_null=True, default=None,
                           help_text="For month and employer_month: the month, not in the future, from 1992-01.")
        employer = IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                help_text="For employer_month: the employer's id (one you worked for).")
        entry = IntegerField(required=False, allow_null=True, default=None, min_value=1,
                             help_text="For account_entry: the id of an entry of your account.")
        year = IntegerField(required=False, allow_null=True, default=None, min_value=1992, max_value=9999,
                            help_text="For statement_year: the year of the statement.")
        account_text = serializers.CharField(max_length=ACCOUNT_TEXT_MAX,
                                             help_text="What is wrong, in your own words.")

    class UploadSerializer(InputSerializer, DocumentsUpload):
        """The same fields with the evidence attached (multipart/form-data)."""

        document_kinds = serializers.ListField(child=ChoiceField(choices=document_kind_choices()), required=False,
                                               default=list)

    @extend_schema(responses=DisputeOutput(many=True), summary="The calling person's disputes",
                   parameters=[OpenApiParameter("cursor", str, required=False)])
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(disputes_visible(self.viewer), request, view=self)
        return paginator.get_paginated_response(DisputeOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: DisputeOutput},
                   summary="Dispute your record: a month, an employer's month, an account entry or a statement year "
                           "(Art. 74)",
                   examples=[OpenApiExample("An employer's month", request_only=True,
                                            value={"subject_kind": "employer_month", "month": "2025-03",
                                                   "employer": 31, "account_text": "2025年3月单位未为我申报。"}),
                             OpenApiExample("Filed", response_only=True, status_codes=["201"], value=_EXAMPLE)])
    def post(self, request):
        data = self.UploadSerializer(data=request.data)  # JSON has no files: the lists stay empty
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        documents = documents_take(fields, DisputeDocumentKind.DISPUTE_EVIDENCE)
        dispute = dispute_file(person=InsuredPerson(pk=self.viewer.person_id), actor=self.viewer,
                               documents=documents, **fields)
        dispute = disputes_visible(self.viewer).get(pk=dispute.pk)
        return Response(DisputeOutput(dispute).data, status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/me/disputes/{dispute.pk}"})


MyDisputesUploadApi = with_documents(MyDisputesApi, responses={201: DisputeOutput},
                                     summary="Dispute your record with the evidence attached (multipart)")


class MyDisputeDetailApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(responses=DisputeOutput, summary="A dispute of the calling person: state, due date, decision",
                   examples=[OpenApiExample("Filed", value=_EXAMPLE)])
    def get(self, request, pk: int):
        dispute = disputes_visible(self.viewer).filter(pk=pk).first()
        if dispute is None:
            raise NotFound(_("No such dispute of yours."))
        return Response(DisputeOutput(dispute).data)


class MyDisputeLetterApi(ApiView):
    """The decision letter (confirmed as recorded) as a PDF, in Chinese."""

    permission_classes = [IsInsuredPerson]
    renderer_classes = [PdfRenderer]
    response_media_type = PDF
    extra_problem_statuses = (409,)  # asked for before a letter is issued

    @extend_schema(summary="A dispute's decision letter (参保记录异议复核结果告知书) as a PDF, once confirmed",
                   responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The letter PDF.")})
    def get(self, request, pk: int):
        dispute = disputes_visible(self.viewer).select_related("letter").filter(pk=pk).first()
        if dispute is None:
            raise NotFound(_("No such dispute of yours."))
        if dispute.letter is None:
            raise Conflict(_("No decision letter is issued for this dispute."), type_slug="dispute-letter-not-issued")
        with dispute.letter.file.open("rb") as stored:
            return pdf_response(stored.read(), f"dispute-letter-{dispute.pk}.pdf")


class CorrectionRequestOutput(serializers.Serializer):
    id = IntegerField()
    month = MonthField()
    document_number = serializers.CharField(source="person.document_number",
                                            help_text="The person whose month is to be filed again.")
    person_name = serializers.CharField(source="person.name")
    reason = serializers.CharField(help_text="What the agency asks the employer to correct.")
    state = serializers.CharField(help_text="open, filed (answered by a filing), escalated (deadline passed) or "
                                            "withdrawn.")
    requested_on = DateField()
    due_on = DateField(help_text="File the month again (a correction, sequence n + 1) by this day.")
    declaration = IntegerField(source="declaration_id", allow_null=True,
                               help_text="The filing that answered the request.")


class EmployerCorrectionRequestsApi(PortalApiView):
    """The agency's requests for a correction filing addressed to this employer."""

    pagination_class = Cursor

    @extend_schema(
        responses=CorrectionRequestOutput(many=True),
        parameters=[OpenApiParameter("state", str, required=False, enum=list(CorrectionRequestState.values),
                                     description="Only requests in this state (`open`: those still to file)."),
                    OpenApiParameter("cursor", str, required=False)],
        summary="The agency's requests for a correction filing (open ones with their deadline)")
    def get(self, request):
        rows = correction_requests_visible(self.viewer).order_by("-id")
        state = request.query_params.get("state")
        if state is not None:
            if state not in CorrectionRequestState.values:
                raise ValidationFailed.field("state", "invalid_choice", _("One of: %(choices)s.")
                                             % {"choices": ", ".join(CorrectionRequestState.values)})
            rows = rows.filter(state=state)
        paginator = Cursor()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(CorrectionRequestOutput(page, many=True).data)
