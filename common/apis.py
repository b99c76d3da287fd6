"""The base of every API view: POSTs run in one transaction and honour Idempotency-Key; and the
`.../with-documents` twin of an operation that takes files."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from common.access import viewer_for_request
from common.idempotency import HEADER, Replay, idempotency_claim, idempotency_store, request_fingerprint
from common.parsers import MultiPartParser
from common.problems import ValidationFailed


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


# --- the `.../with-documents` twin of a JSON operation ---------------------------------------------

class DocumentsUpload(serializers.Serializer):
    """Files sent with a `.../with-documents` operation (multipart/form-data), each with its kind. The
    service stores them and checks the kinds (`agency.documents.documents_store`), in its transaction."""

    documents = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                      help_text="The files (multipart), one `documents` part each.")
    document_kinds = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                           help_text="One kind per `documents` file, in the same order; none: "
                                                     "the operation's usual kind for every file.")


def documents_take(fields: dict, default_kind: str) -> list[tuple]:
    """Take the files and their kinds off validated `DocumentsUpload` fields: (file, kind) pairs,
    `default_kind` for every file when no kinds are given."""
    files, kinds = fields.pop("documents"), fields.pop("document_kinds")
    if len(kinds) not in (0, len(files)):
        raise ValidationFailed.field("document_kinds", "length", _("Give one kind per document, or none."))
    return [(file, kinds[i] if kinds else default_kind) for i, file in enumerate(files)]


def with_documents(view: type, *, summary: str, responses) -> type:
    """The multipart twin of a JSON view whose `post` reads `view.UploadSerializer` (its fields plus
    `DocumentsUpload`): the same operation with files attached, mounted at `.../with-documents`."""

    class Upload(view):
        parser_classes = [MultiPartParser]
        request_media_type = "multipart/form-data"
        http_method_names = ["post", "options"]

        @extend_schema(request=view.UploadSerializer, responses=responses, summary=summary)
        def post(self, request, *args, **kwargs):
            return super().post(request, *args, **kwargs)

    Upload.__name__ = Upload.__qualname__ = view.__name__.removesuffix("Api") + "UploadApi"
    Upload.__module__ = view.__module__
    return Upload
