"""Idempotency-Key on POST: the same key and body replays the stored response.

The key row is claimed (INSERT .. ON CONFLICT DO NOTHING, then SELECT .. FOR
UPDATE) inside the POST's own transaction, so a concurrent retry waits for the
first attempt and then replays it; a failed attempt rolls back with its key,
and a retry runs afresh.
"""

from __future__ import annotations

import hashlib
import re

from django.db import connection

from common.models import IdempotencyRecord
from common.problems import ApplicationError

HEADER = "Idempotency-Key"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\n", path.encode(), b"\n", body):
        digest.update(part)
    return digest.hexdigest()


def idempotency_claim(*, owner: str, key: str, method: str, path: str, fingerprint: str) -> IdempotencyRecord:
    """Lock the key's row, creating it; raise Replay when it already holds a response."""
    if not _VALID_KEY.match(key):
        raise ApplicationError("An Idempotency-Key is 1-255 printable ASCII characters.",
                               type_slug="idempotency-key-invalid",
                               errors=[{"field": HEADER, "code": "invalid", "message": "1-255 printable characters"}])
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
            "This Idempotency-Key was already used with a different request.",
            status=422, type_slug="idempotency-key-reused",
            errors=[{"field": HEADER, "code": "reused", "message": "Use a new key for a different request."}],
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
