"""Idempotency-Key on POST: the same key and body replays the stored response.

The key row is claimed (INSERT .. ON CONFLICT DO NOTHING, then SELECT .. FOR
UPDATE) inside the POST's own transaction, so a concurrent retry waits for the
first attempt and then replays it; a failed attempt rolls back with its key,
and a retry runs afresh.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.http import QueryDict
from django.utils.translation import gettext as _

from common.models import IdempotencyRecord
from common.problems import ApplicationError

HEADER = "Idempotency-Key"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def _canonical(value: Any) -> Any:
    """What a parsed value means, in a form that json.dumps writes the same way every time."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if isinstance(value, QueryDict):
        return {key: [_canonical(v) for v in values] for key, values in value.lists()}
    if isinstance(value, dict):
        return {str(key): _canonical(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)  # Decimal and the like, as a parser would give them


def request_fingerprint(method: str, path: str, query: QueryDict | dict, data: Any) -> str:
    """A hash of what the request means, not of its bytes (as Stripe compares parameters): the
    parsed fields in a canonical form and each file's SHA-256. A retry with another multipart
    boundary, or the same JSON spaced or ordered differently, has the same fingerprint."""
    canonical = {"method": method, "path": path, "query": _canonical(query), "data": _canonical(data)}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_claim(*, owner: str, key: str, method: str, path: str, fingerprint: str) -> IdempotencyRecord:
    """Lock the key's row, creating it; raise Replay when it already holds a response."""
    if not _VALID_KEY.match(key):
        raise ApplicationError(_("An Idempotency-Key is 1-255 printable ASCII characters."),
                               type_slug="idempotency-key-invalid",
                               errors=[{"field": HEADER, "code": "invalid", "message": _("1-255 printable characters")}])
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (owner, key, method, path, request_hash, content_type, location, created_at)"
            " VALUES (%s, %s, %s, %s, %s, '', '', now()) ON CONFLICT (owner, key) DO NOTHING RETURNING id",
            [owner, key, method, path, fingerprint],
        )
        inserted = cursor.fetchone()
    if inserted is not None:  # a new key: the row is ours (and locked) until this transaction ends
        return IdempotencyRecord.from_db(connection.alias, ["id", "owner", "key", "method", "path", "request_hash",
                                                            "status_code", "content_type", "body", "location"],
                                         [inserted[0], owner, key, method, path, fingerprint, None, "", None, ""])
    record = IdempotencyRecord.objects.select_for_update().get(owner=owner, key=key)
    if record.status_code is None:
        return record
    if record.request_hash != fingerprint:
        raise ApplicationError(
            _("This Idempotency-Key was already used with a different request."),
            status=422, type_slug="idempotency-key-reused",
            errors=[{"field": HEADER, "code": "reused", "message": _("Use a new key for a different request.")}],
        )
    raise Replay(record)


def idempotency_store(record: IdempotencyRecord, *, status: int, content_type: str, body: bytes,
                      location: str = "") -> None:
    record.status_code = status
    record.content_type = content_type
    record.body = body
    record.location = location
    with connection.cursor() as cursor:  # every POST ends here: a plain UPDATE, not a compiled save()
        cursor.execute(f"UPDATE {IdempotencyRecord._meta.db_table} SET status_code = %s, content_type = %s,"
                       " body = %s, location = %s WHERE id = %s", [status, content_type, body, location, record.pk])
