"""Storing vouchers (凭证): hashed, content-addressed, never altered."""

from __future__ import annotations

import hashlib

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from agency.models import Document, Region
from agency.vocabulary import document_kinds
from common.files import file_stored
from common.problems import ValidationFailed

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

# A stored voucher is reported to common.files: a service entry point (common.services.entry) or an
# admin service form deletes it again when the write is refused and its transaction rolls back.


def _kind_unknown(kind, field: str) -> ValidationFailed:
    return ValidationFailed.field(field, "invalid_choice",
                                  _("Unknown document kind %(kind)r; one of: %(choices)s.")
                                  % {"kind": kind, "choices": ", ".join(kind.value for kind in document_kinds)})


def documents_store(documents, *, region: Region, uploaded_by: str, default_kind: str | None = None) -> list[Document]:
    """Each (file, kind) pair of a request stored as a voucher, in order; an unknown kind is refused
    at `document_kinds[i]`, a bad file at `documents[i]` (inside a service entry point, which removes them on failure)."""
    stored = []
    for i, (file, kind) in enumerate(documents):
        kind = kind or default_kind
        if kind not in document_kinds:
            raise _kind_unknown(kind, f"document_kinds[{i}]")
        stored.append(document_store(file=file, kind=kind, region=region, uploaded_by=uploaded_by[:100],
                                     field=f"documents[{i}]"))
    return stored


def document_store(*, file: UploadedFile, kind: str, region: Region, uploaded_by: str,
                   field: str = "documents") -> Document:
    if kind not in document_kinds:
        raise _kind_unknown(kind, f"{field}.kind")
    if file.size is None or file.size == 0:
        raise ValidationFailed.field(field, "empty", _("%(name)s is empty.") % {"name": file.name})
    if file.size > MAX_DOCUMENT_BYTES:
        raise ValidationFailed.field(field, "too_large", _("%(name)s is larger than 20 MiB.") % {"name": file.name})
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    document = Document(original_name=file.name[:255], content_type=(file.content_type or "")[:100],
                        size=file.size, sha256=digest.hexdigest(), kind=kind, region=region,
                        uploaded_by=uploaded_by)
    document.file.save(file.name, file, save=False)
    file_stored(document.file.storage, document.file.name)
    document.save()
    return document
