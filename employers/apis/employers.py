from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import TokenHasReadWriteScope
from rest_framework import serializers
from rest_framework.response import Response

from common.apis import ApiView
from common.permissions import IsEmployerPortal
from employers.auth import EmployerClientAuthentication
from employers.models import Employer
from employers.selectors.employers import employers_visible


class PortalApiView(ApiView):
    """Base for employers' portals: client-credentials token; GET needs `read`, writes need `write`."""

    authentication_classes = [EmployerClientAuthentication]
    permission_classes = [IsEmployerPortal, TokenHasReadWriteScope]


class EmployerProfileApi(PortalApiView):
    class OutputSerializer(serializers.ModelSerializer):
        region_code = serializers.CharField(source="region.code")
        region_name = serializers.CharField(source="region.name")

        class Meta:
            model = Employer
            fields = ["id", "uscc", "name", "kind", "region_code", "region_name", "established_on",
                      "registration_status", "registration_number", "registered_on", "risk_class",
                      "risk_float_percent", "contact_name", "contact_phone", "contact_email", "address"]

    @extend_schema(responses=OutputSerializer, summary="The calling employer's own profile and registration")
    def get(self, request):
        return Response(self.OutputSerializer(get_object_or_404(employers_visible(self.viewer))).data)
