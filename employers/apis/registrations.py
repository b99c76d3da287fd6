"""Employer registration applications over REST (Art. 57).

POST /api/v1/registrations                 file (kind=new: anyone; change/cancellation: the employer's portal)
GET  /api/v1/registrations/{id}            follow (X-Tracking-Token, or the employer's portal token)
POST /api/v1/registrations/{id}/resubmit   send a returned application back corrected (same access as GET)

Bodies are application/json; with files, the same fields go as multipart/form-data to the
`.../with-documents` operation: each file is a `documents` part, with one `document_kinds` part per
file in the same order.
"""

from __future__ import annotations

import json
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from agency.deadlines import deadline_due_on
from agency.models import Document
from agency.vocabulary import document_kind_choices
from common.access import Kind
from common.apis import ApiView
from common.fields import ChoiceField, DateField, IntegerField
from common.parsers import MultiPartParser
from common.problems import ValidationFailed
from employers.auth import EmployerClientAuthentication
from employers.models import ApplicationKind, EmployerKind, RegistrationApplication
from employers.registrations import tracking_token_hash
from employers.selectors.registrations import registration_for_applicant
from employers.services.registrations import registration_resubmit, registration_submit
from employers.terms import RegistrationRule

TRACKING_HEADER = "X-Tracking-Token"
_tracking_parameter = OpenApiParameter(TRACKING_HEADER, str, OpenApiParameter.HEADER, required=False,
                                       description="The token returned when the application was filed.")


@extend_schema_field(OpenApiTypes.OBJECT)
class JsonObjectField(serializers.Field):
    """A JSON object; in multipart/form-data it arrives as a JSON string."""

    default_error_messages = {"invalid": gettext_lazy("Must be a JSON object.")}

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class FilingFields(serializers.Serializer):
    """What an applicant fills in; which fields apply depends on the kind of application."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                 help_text="kind=new: the employer's registered name.")
    employer_kind = ChoiceField(choices=EmployerKind.choices, required=False)
    established_on = DateField(required=False, help_text="kind=new: date of establishment.")
    changed_on = DateField(required=False, help_text="kind=change/cancellation: date of the change "
                                                                 "or of the dissolution.")
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    risk_class = IntegerField(min_value=1, max_value=8, required=False)
    data = JsonObjectField(required=False, help_text="kind=change: the changed fields, any of name, kind, "
                                                     "contact_name, contact_phone, contact_email, address, "
                                                     "risk_class. In multipart, a JSON string.")
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True,
                                   help_text="kind=cancellation: why the employer is cancelled.")


class DocumentsUpload(serializers.Serializer):
    """The files of a `.../with-documents` operation (multipart/form-data)."""

    document_kinds = serializers.ListField(child=ChoiceField(choices=document_kind_choices()),
                                           required=False, help_text="One per `documents` file, same order.")
    documents = serializers.ListField(child=serializers.FileField(), required=False, write_only=True,
                                      help_text="The voucher files.")


class DocumentOutput(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class RegistrationStepOutput(serializers.Serializer):
    kind = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    reason = serializers.CharField()


class RegistrationOutput(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code")
    due_on = serializers.SerializerMethodField(help_text="The agency's review deadline while under review.")
    registration_number = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()
    documents = DocumentOutput(many=True)
    history = RegistrationStepOutput(many=True, source="registration_events.all",
                                     help_text="Every step so far, oldest first: filed, returned (with the "
                                               "reason), resubmitted, approved or rejected.")

    class Meta:
        model = RegistrationApplication
        fields = ["id", "kind", "state", "uscc", "name", "region_code", "event_date", "received_at", "late",
                  "submissions", "due_on", "decision_reason", "decided_at", "registration_number", "data",
                  "documents", "history"]

    def get_due_on(self, obj) -> date | None:
        return deadline_due_on(obj, rule=RegistrationRule.REGISTRATION_REVIEW)

    def get_registration_number(self, obj) -> str | None:
        return (obj.employer.registration_number or None) if obj.employer_id else None

    def get_data(self, obj) -> dict:
        return {k: v for k, v in obj.data.items() if k != "uscc_override_by"}  # a clerk's user id stays inside


class CreatedOutput(RegistrationOutput):
    tracking_token = serializers.CharField(allow_null=True,
                                           help_text="Shown once: keep it to follow the application. A replay "
                                                     "of the filing under the same Idempotency-Key answers "
                                                     "null: the token is never stored with the key.")

    class Meta(RegistrationOutput.Meta):
        fields = [*RegistrationOutput.Meta.fields, "tracking_token"]


def _documents(request, kinds: list[str]) -> list[tuple]:
    files = request.FILES.getlist("documents")
    if len(files) != len(kinds):
        raise ValidationFailed.field("document_kinds", "count",
                                     _("Give one document kind per file, in the same order (%(files)d file(s), "
                                       "%(kinds)d kind(s)).") % {"files": len(files), "kinds": len(kinds)})
    return list(zip(files, kinds, strict=True))


class _ApplicantView(ApiView):
    """Open to an applicant without an account; an employer's portal token is used when given."""

    authentication_classes = [EmployerClientAuthentication]
    permission_classes = [AllowAny]

    def _require_scope(self, request, scope: str) -> None:
        if self.viewer.kind is Kind.EMPLOYER and not request.auth.allow_scopes([scope]):
            raise exceptions.PermissionDenied(_("The portal token lacks the %(scope)r scope.") % {"scope": scope})


class RegistrationFilingInput(FilingFields):
    kind = ChoiceField(choices=ApplicationKind.choices)
    uscc = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                 help_text="kind=new: the 18-character unified social credit code.")
    region_code = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                        help_text="kind=new: the pooling region's 6-digit code.")


class RegistrationCorrectionInput(FilingFields):
    """Only the corrected fields; `data` replaces the whole set of changed fields."""


class RegistrationFilingUpload(RegistrationFilingInput, DocumentsUpload):
    """A filing with its voucher files (multipart/form-data; `data` as a JSON string)."""


class RegistrationCorrectionUpload(RegistrationCorrectionInput, DocumentsUpload):
    """Corrections with voucher files (multipart/form-data; `data` as a JSON string)."""


class RegistrationApi(_ApplicantView):
    InputSerializer = RegistrationFilingUpload  # the files of .../with-documents; JSON has none
    # Anyone who knows an applicant's USCC, name and key could replay the filing: the token is never
    # kept with the key, so a replay answers it as null (issue 9 item 6).
    idempotency_withheld_fields = ("tracking_token",)

    def idempotency_owner(self, request) -> str:
        # Anonymous applicants would all be 'nobody': keys are kept per applicant code instead.
        if self.viewer.kind is Kind.NOBODY:
            code = request.data.get("uscc", "") if hasattr(request.data, "get") else ""
            return f"applicant:{str(code).strip().upper()[:40]}"
        return super().idempotency_owner(request)

    @extend_schema(request=RegistrationFilingInput, responses={201: CreatedOutput},
                   summary="File an employer registration application (new, change or cancellation)",
                   examples=[OpenApiExample("A new employer", request_only=True, media_type="application/json",
                                            value={"kind": "new", "uscc": "91310101MA1FL0000A",
                                                   "name": "上海示例科技有限公司", "employer_kind": "enterprise",
                                                   "region_code": "310101", "established_on": "2026-11-02",
                                                   "contact_name": "王经理", "contact_phone": "021-55550000"}),
                             OpenApiExample("A change of address", request_only=True,
                                            media_type="application/json",
                                            value={"kind": "change", "changed_on": "2026-11-10",
                                                   "data": {"address": "上海市黄浦区示例路1号"}})])
    def post(self, request):
        self._require_scope(request, "write")  # a portal's read-only token files nothing, not even a new one
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("documents", None)
        kind = fields.pop("kind")
        if kind != ApplicationKind.NEW and self.viewer.kind is not Kind.EMPLOYER:
            raise exceptions.NotAuthenticated(
                _("A change or cancellation is filed with the employer's portal token."))
        documents = _documents(request, fields.pop("document_kinds", []))
        application, token = registration_submit(kind=kind, actor=self.viewer, changes=fields.pop("data", None),
                                                 documents=documents, **fields)
        application.tracking_token = token
        return Response(CreatedOutput(application).data, status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/registrations/{application.pk}"})


class RegistrationDetailApi(_ApplicantView):
    @extend_schema(parameters=[_tracking_parameter], responses=RegistrationOutput,
                   summary="Follow a registration application")
    def get(self, request, pk: int):
        self._require_scope(request, "read")
        application = registration_for_applicant(pk=pk, viewer=self.viewer,
                                                 tracking_token=request.headers.get(TRACKING_HEADER))
        return Response(RegistrationOutput(application).data)


class RegistrationResubmitApi(_ApplicantView):
    InputSerializer = RegistrationCorrectionUpload

    def idempotency_owner(self, request) -> str:
        token = request.headers.get(TRACKING_HEADER)
        if self.viewer.kind is Kind.NOBODY and token:
            return f"tracking:{tracking_token_hash(token)[:40]}"
        return super().idempotency_owner(request)

    @extend_schema(parameters=[_tracking_parameter], request=RegistrationCorrectionInput,
                   responses=RegistrationOutput,
                   summary="Send a returned application back with corrections (the review period restarts)")
    def post(self, request, pk: int):
        self._require_scope(request, "write")
        application = registration_for_applicant(pk=pk, viewer=self.viewer,
                                                 tracking_token=request.headers.get(TRACKING_HEADER))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        corrections = dict(serializer.validated_data)
        corrections.pop("documents", None)
        documents = _documents(request, corrections.pop("document_kinds", []))
        if "data" in corrections:
            corrections["changes"] = corrections.pop("data")
        application = registration_resubmit(application=application, actor=self.viewer, corrections=corrections,
                                            documents=documents)
        return Response(RegistrationOutput(application).data)


class RegistrationUploadApi(RegistrationApi):
    parser_classes = [MultiPartParser]
    request_media_type = "multipart/form-data"

    @extend_schema(request=RegistrationFilingUpload, responses={201: CreatedOutput},
                   summary="File an employer registration application with voucher files (multipart)")
    def post(self, request):
        return super().post(request)


class RegistrationResubmitUploadApi(RegistrationResubmitApi):
    parser_classes = [MultiPartParser]
    request_media_type = "multipart/form-data"

    @extend_schema(parameters=[_tracking_parameter], request=RegistrationCorrectionUpload,
                   responses=RegistrationOutput,
                   summary="Send a returned application back with corrections and voucher files (multipart)")
    def post(self, request, pk: int):
        return super().post(request, pk)
