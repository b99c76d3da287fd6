"""Employers' portals add and reduce staff; persons read their own events."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from agency.deadlines import deadline_due_on
from common.apis import ApiView, DocumentsUpload, documents_take, with_documents
from common.dates import month_parse
from common.fields import ChoiceField, DateField, IntegerField
from common.identifiers import mask_document
from common.money import MoneyField
from common.pagination import Cursor
from common.permissions import IsInsuredPerson
from employers.apis.employers import PortalApiView
from employers.models import Employer
from insured.models import Channel, DocumentType, SeparationReason, Sex, StaffDocumentKind
from insured.selectors.staffing import events_visible, staff_current
from insured.services.staffing import enrolment_submit, staff_reduction_submit
from insured.terms import StaffingRule


class EventSerializer(serializers.Serializer):
    id = IntegerField()
    kind = serializers.CharField()
    decision = serializers.CharField()
    effective_date = DateField()
    recorded_at = serializers.DateTimeField()
    person_id = IntegerField()
    person_name = serializers.CharField(source="person.name")
    document_number = serializers.SerializerMethodField()
    employer_uscc = serializers.CharField(source="employer.uscc", allow_null=True, default=None)
    region_code = serializers.CharField(source="region.code")
    employment_id = IntegerField(allow_null=True)
    decides_id = IntegerField(allow_null=True)
    reason = serializers.CharField()
    late = serializers.BooleanField()
    channel = serializers.CharField()

    def get_document_number(self, obj) -> str:
        return mask_document(obj.person.document_number)


_EVENT_EXAMPLE = {"id": 1201, "kind": "enrolment", "decision": "effective", "effective_date": "2026-11-02",
                  "recorded_at": "2026-11-02T09:30:00+08:00", "person_id": 5001, "person_name": "王芳",
                  "document_number": "310101********1230", "employer_uscc": "91310101MA1FL0000A",
                  "region_code": "310101", "employment_id": 3001, "decides_id": None, "reason": "", "late": False,
                  "channel": "api"}


def _paginated(view, queryset, serializer_class):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class EnrolmentApi(PortalApiView):
    class InputSerializer(serializers.Serializer):
        document_type = ChoiceField(choices=DocumentType.choices, default=DocumentType.RESIDENT_ID)
        document_number = serializers.CharField(max_length=30)
        name = serializers.CharField(max_length=100)
        start_date = DateField()
        monthly_wage = MoneyField(max_digits=12, decimal_places=2, min_value=0)
        birth_date = DateField(required=False, help_text="Only for documents without a birth date.")
        sex = ChoiceField(choices=Sex.choices, required=False)

    @extend_schema(request=InputSerializer, responses={201: EventSerializer},
                   summary="Add staff (enrolment, Art. 58)",
                   examples=[OpenApiExample("Add an employee", request_only=True,
                                            value={"document_number": "310101199003151230", "name": "王芳",
                                                   "start_date": "2026-11-02", "monthly_wage": "12000.00"}),
                             OpenApiExample("Enrolled", response_only=True, status_codes=["201"],
                                            value=_EVENT_EXAMPLE)])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The portal's employer as its token's statement read it (with region and terms: no second lookup);
        # the service still checks it is the caller's own.
        own = getattr(request.user, "employer", None)
        event = enrolment_submit(employer=own if own is not None else Employer(pk=self.viewer.employer_id),
                                 actor=self.viewer,
                                 channel=Channel.API, **data.validated_data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class SeparationApi(PortalApiView):
    class InputSerializer(serializers.Serializer):
        document_number = serializers.CharField(max_length=30)
        last_day = DateField()
        reason = ChoiceField(choices=SeparationReason.choices)
        note = serializers.CharField(max_length=2000, required=False, default="")

    class UploadSerializer(InputSerializer, DocumentsUpload):
        """The same fields with the separation certificates (multipart/form-data; the usual kind:
        separation certificate)."""

    class OutputSerializer(serializers.Serializer):
        id = IntegerField()
        state = serializers.CharField()
        last_day = DateField()
        reason = serializers.CharField()
        person_id = IntegerField()
        employment_id = IntegerField()
        request_event_id = IntegerField()
        due_on = serializers.SerializerMethodField()

        def get_due_on(self, obj) -> date | None:
            return deadline_due_on(obj, rule=StaffingRule.STAFF_REDUCTION_REVIEW)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer},
                   summary="Reduce staff (pending until the agency confirms, where the region requires it)",
                   examples=[OpenApiExample("A resignation", request_only=True,
                                            value={"document_number": "310101199003151230",
                                                   "last_day": "2026-11-20", "reason": "resignation"}),
                             OpenApiExample("Pending the agency's confirmation", response_only=True,
                                            status_codes=["201"],
                                            value={"id": 77, "state": "pending", "last_day": "2026-11-20",
                                                   "reason": "resignation", "person_id": 5001,
                                                   "employment_id": 3001, "request_event_id": 1250,
                                                   "due_on": "2026-11-27"})])
    def post(self, request):
        data = self.UploadSerializer(data=request.data)  # JSON has no files: the lists stay empty
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        # The service stores the files once it accepts the request, in its transaction.
        documents = documents_take(fields, StaffDocumentKind.SEPARATION_CERTIFICATE)
        reduction = staff_reduction_submit(employer=Employer(pk=self.viewer.employer_id), actor=self.viewer,
                                           channel=Channel.API, documents=documents, **fields)
        return Response(self.OutputSerializer(reduction).data, status=status.HTTP_201_CREATED)


SeparationUploadApi = with_documents(
    SeparationApi, responses={201: SeparationApi.OutputSerializer},
    summary="Reduce staff, with the separation certificates attached (multipart)")


class StaffListApi(PortalApiView):
    pagination_class = Cursor
    class OutputSerializer(serializers.Serializer):
        employment_id = IntegerField(source="id")
        person_id = IntegerField()
        name = serializers.CharField(source="person.name")
        document_number = serializers.SerializerMethodField()
        start_date = DateField()
        monthly_wage = serializers.DecimalField(max_digits=12, decimal_places=2)
        enrolled_late = serializers.BooleanField()

        def get_document_number(self, obj) -> str:
            return mask_document(obj.person.document_number)

    @extend_schema(parameters=[OpenApiParameter("start_month", str, description="YYYY-MM")],
                   responses=OutputSerializer(many=True), summary="Current staff")
    def get(self, request):
        month = request.query_params.get("start_month")
        if month:
            month_parse(month, field="start_month")  # a plausible YYYY-MM, or a 400
        return _paginated(self, staff_current(self.viewer, start_month=month), self.OutputSerializer)


class EmployerEventsApi(PortalApiView):
    pagination_class = Cursor
    @extend_schema(responses=EventSerializer(many=True), summary="This employer's enrolments and reductions")
    def get(self, request):
        return _paginated(self, events_visible(self.viewer), EventSerializer)


class MyEventsApi(ApiView):
    permission_classes = [IsInsuredPerson]
    pagination_class = Cursor

    @extend_schema(responses=EventSerializer(many=True), summary="The calling person's relationship events")
    def get(self, request):
        return _paginated(self, events_visible(self.viewer), EventSerializer)
