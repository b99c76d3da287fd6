"""The collector's system sends its records (issue 22, item 2): `POST /api/v1/collector/records`,
authenticated as a collector client (collection.auth) with the `collect` scope that no portal obtains."""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import TokenHasScope
from rest_framework import serializers, status
from rest_framework.response import Response

from collection.auth import CollectorClientAuthentication
from collection.feeds import Faults, Parsed, line_read
from collection.models import FeedFormat
from collection.services.feed import feed_import
from common.apis import ApiView
from common.permissions import IsCollector

BATCH_MAX = 10000


class CollectorRecord(serializers.Serializer):
    """One record of the collector."""

    account = serializers.CharField(max_length=34, help_text="The collection account's number.")
    transaction_id = serializers.CharField(max_length=64)
    value_date = serializers.CharField(max_length=10, help_text="YYYY-MM-DD: the day that counts.")
    amount = serializers.CharField(max_length=16, help_text="Yuan, e.g. 1234.50; a reversal negative.")
    payer_account = serializers.CharField(max_length=34, required=False, allow_blank=True)
    payer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                      help_text="The transfer's free text (a payment reference, a USCC).")
    reverses = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                     help_text="For a reversal: the transaction id of the record it takes back.")


class CollectorRecordsApi(ApiView):
    """Records of money that arrived on (or was taken back from) the region's collection accounts.
    The same batch again answers the first import (200) and changes nothing; a record already received
    changes nothing; one received with other figures waits for a clerk as a conflict. A batch with any
    fault is refused whole, each fault with its `row` (the record's position, from 1)."""

    authentication_classes = [CollectorClientAuthentication]
    permission_classes = [IsCollector, TokenHasScope]
    required_scopes = ["collect"]

    class InputSerializer(serializers.Serializer):
        records = CollectorRecord(many=True, min_length=1, max_length=BATCH_MAX)

    class OutputSerializer(serializers.Serializer):
        file = serializers.IntegerField(help_text="The batch as stored (a collector file of format `api`).")
        received_before = serializers.BooleanField()
        stored = serializers.IntegerField()
        seen_before = serializers.IntegerField()
        conflicts = serializers.IntegerField()
        applied = serializers.IntegerField()
        to_suspense = serializers.IntegerField()
        reversals = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 200: OutputSerializer},
                   summary="Send the collector's records (the collector's system, scope `collect`)")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        records = data.validated_data["records"]
        faults = Faults()
        parsed = Parsed([])
        for row, raw in enumerate(records, start=1):
            line = line_read({**raw, "reference_text": raw.get("reference", "")}, row=row, faults=faults)
            if line is not None:
                parsed.add(line)
        canonical = json.dumps(records, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        if faults.total:
            faults.raise_if_any()
        result = feed_import(content=canonical, format=FeedFormat.API, parsed=parsed, actor=self.viewer,
                             name=f"api {request.headers.get('X-Request-ID', '')}".strip())
        body = {"file": result.file.pk, "received_before": not result.created, "stored": result.stored,
                "seen_before": result.seen_before, "conflicts": result.conflicts, "applied": result.applied,
                "to_suspense": result.to_suspense, "reversals": result.reversals}
        return Response(self.OutputSerializer(body).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
