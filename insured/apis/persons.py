from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from agency.models import Region
from common.apis import ApiView
from common.fields import ChoiceField, DateField
from common.identifiers import mask_document
from common.pagination import Cursor
from common.permissions import IsClerk, IsInsuredPerson
from common.problems import ValidationFailed
from insured.access_log import person_lookup_logged, record_access_log
from insured.models import DocumentType, HukouType, InsuredPerson, RecordAccessKind, Sex, StatementDelivery
from insured.selectors.persons import persons_visible
from insured.services.persons import person_register


class PersonFullSerializer(serializers.ModelSerializer):
    """The whole entry, for callers entitled to the full document number."""

    region_code = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")

    class Meta:
        model = InsuredPerson
        fields = ["id", "document_type", "document_number", "name", "sex", "birth_date", "nationality",
                  "region_code", "region_name", "hukou_region_code", "hukou_type", "phone", "email",
                  "postal_address", "statement_delivery", "created_at"]


class PersonListSerializer(serializers.ModelSerializer):
    """List entries carry the masked number only."""

    document_number = serializers.SerializerMethodField()
    region_code = serializers.CharField(source="region.code")

    class Meta:
        model = InsuredPerson
        fields = ["id", "document_type", "document_number", "name", "sex", "birth_date", "region_code"]

    def get_document_number(self, obj) -> str:
        return mask_document(obj.document_number)


class MeApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(responses=PersonFullSerializer, summary="The calling person's own entry")
    def get(self, request):
        person = get_object_or_404(persons_visible(self.viewer))
        return Response(PersonFullSerializer(person).data)


class AgencyPersonListApi(ApiView):
    """Exact lookup by document number within the clerk's region; clerks also register persons here."""

    permission_classes = [IsClerk]
    pagination_class = Cursor  # the lookup answers the list envelope (one page, at most one entry)

    class InputSerializer(serializers.Serializer):
        document_type = ChoiceField(choices=DocumentType.choices, default=DocumentType.RESIDENT_ID)
        document_number = serializers.CharField(max_length=30)
        name = serializers.CharField(max_length=100)
        birth_date = DateField(required=False)
        sex = ChoiceField(choices=Sex.choices, required=False)
        nationality = serializers.RegexField(r"^[A-Za-z]{3}$", default="CHN")
        region_code = serializers.RegexField(r"^[0-9]{6}$", required=False,
                                             help_text="Defaults to the clerk's own region.")
        hukou_region_code = serializers.RegexField(r"^[0-9]{6}$", required=False, default="")
        hukou_type = ChoiceField(choices=HukouType.choices, default=HukouType.URBAN)
        phone = serializers.CharField(max_length=30, required=False, default="")
        email = serializers.EmailField(required=False, default="")
        postal_address = serializers.CharField(max_length=300, required=False, default="")
        statement_delivery = ChoiceField(choices=StatementDelivery.choices,
                                                     default=StatementDelivery.ONLINE)

    @extend_schema(parameters=[OpenApiParameter("document", str, required=True,
                                                description="Full document number, exact match")],
                   responses=PersonListSerializer(many=True), summary="Find a person by document number")
    def get(self, request):
        document = request.query_params.get("document", "").strip()
        if not document:
            raise ValidationFailed.field("document", "required", _("Give the full document number to look up."))
        # A document number is unique, so the list is one page of at most one entry: the cursor
        # envelope without the paginator's ordering and slicing (a page_size given is still checked).
        self.pagination_class().get_page_size(request)
        rows = person_lookup_logged(self.viewer, document)  # the staff access written in the same statement
        results = [{"id": row["id"], "document_type": row["document_type"],
                    "document_number": mask_document(row["document_number"]), "name": row["name"],
                    "sex": row["sex"], "birth_date": row["birth_date"], "region_code": row["region__code"]}
                   for row in rows]
        return Response({"next": None, "previous": None, "results": results})

    @extend_schema(request=InputSerializer, responses={201: PersonFullSerializer},
                   summary="Register an insured person",
                   examples=[OpenApiExample("A resident at the counter", request_only=True,
                                            value={"document_number": "310101198507020045", "name": "陈静",
                                                   "phone": "13800000000"})])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        region = self._region(fields.pop("region_code", None))
        person = person_register(actor=self.viewer, region=region, **fields)
        return Response(PersonFullSerializer(person).data, status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/agency/persons/{person.pk}"})

    def _region(self, code: str | None) -> Region:
        regions = Region.objects.all()
        if self.viewer.region_id is not None:  # a clerk registers into their own region only
            regions = regions.filter(pk=self.viewer.region_id)
        if code is None:
            region = regions.first() if self.viewer.region_id is not None else None
        else:
            region = regions.filter(code=code).first()
        if region is None:
            raise ValidationFailed.field("region_code", "unknown_region",
                                         _("Unknown region %(code)r, or not one you serve.") % {"code": code} if code else
                                         _("Give the region code."))
        return region


class AgencyPersonDetailApi(ApiView):
    permission_classes = [IsClerk]

    @extend_schema(responses=PersonFullSerializer, summary="A person's full entry")
    def get(self, request, pk: int):
        person = get_object_or_404(persons_visible(self.viewer), pk=pk)
        record_access_log(person_id=person.pk, viewer=self.viewer, kind=RecordAccessKind.PERSON_API)
        return Response(PersonFullSerializer(person).data)
