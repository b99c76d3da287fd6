"""The base of every API view: POSTs run in one transaction and honour Idempotency-Key."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from rest_framework.views import APIView

from common.access import viewer_for_request
from common.idempotency import HEADER, Replay, idempotency_claim, idempotency_store, request_fingerprint


class ApiView(APIView):
    _idempotency = None
    #: Response fields that are secrets shown once (a tracking token): they are not kept under the
    #: Idempotency-Key, so a replay, whoever sends it, answers them as null.
    idempotency_withheld_fields: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                # Nothing partial is written, and the key stays free for a corrected retry.
                transaction.set_rollback(True)
            elif self._idempotency is not None:
                response.render()
                idempotency_store(self._idempotency, status=response.status_code,
                                  content_type=response.get("Content-Type", ""), body=self._kept_body(response),
                                  location=response.get("Location", ""))
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        if request.method == "POST" and key is not None:
            # Parsed here (a malformed body is its 400 before any key is claimed): DRF's
            # request.data holds the fields and, for multipart, the files.
            fingerprint = request_fingerprint(request.method, request.path, request.query_params, request.data)
            self._idempotency = idempotency_claim(
                owner=self.idempotency_owner(request), key=key, method=request.method,
                path=request.path, fingerprint=fingerprint)

    def _kept_body(self, response) -> bytes:
        data = getattr(response, "data", None)
        withheld = [f for f in self.idempotency_withheld_fields if isinstance(data, dict) and f in data]
        if not withheld:
            return response.content
        kept = {k: (None if k in withheld else v) for k, v in data.items()}
        return response.accepted_renderer.render(kept, response.accepted_media_type, response.renderer_context)

    def idempotency_owner(self, request) -> str:
        """Whose key space an Idempotency-Key lives in; views open to anonymous callers narrow it."""
        return viewer_for_request(request).label()

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            record = exc.record
            response = HttpResponse(bytes(record.body or b""), status=record.status_code,
                                    content_type=record.content_type or "application/json")
            if record.location:
                response["Location"] = record.location
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)

    @property
    def viewer(self):
        return viewer_for_request(self.request)
