"""Every API operation that shows a person's data to staff writes the access log (issue 25, item 3).

Walked from the OpenAPI schema, so an operation added later is held to it without a new test: each
GET is called as a clerk of the person's region (with the person's id in the path and their document
number as the lookup's query); every answer that shows the person (their name) must have written a
`RecordAccess` row for that person, naming the clerk. The person's own reads (/me) write none: a
person reading their own record is not an access by someone else."""

from __future__ import annotations

import pytest
from django.db import transaction

from insured.models import RecordAccess
from tests.api.openapi import openapi_document, operations
from tests.api.world import STATEMENT_YEAR, World, build_world

pytestmark = pytest.mark.django_db


def _url(w: World, path: str) -> str:
    return path.replace("{id}", str(w.person.pk)).replace("{year}", str(STATEMENT_YEAR))


def _shown(w: World, role: str):
    """(operation, rows it logged for the person) for every GET that answers `role` with the person's name."""
    client = w.client(role)
    shown = []
    for method, path, _operation in operations(openapi_document()):
        if method != "GET":
            continue
        before = RecordAccess.objects.filter(person=w.person).count()
        response = client.get(_url(w, path), {"document": w.person.document_number})
        if response.status_code == 200 and w.person.name in response.content.decode(errors="replace"):
            logged = RecordAccess.objects.filter(person=w.person).order_by("id")[before:]
            shown.append((f"GET {path}", list(logged)))
    return shown


def test_every_operation_that_shows_a_person_to_a_clerk_logs_it_for_that_person():
    with transaction.atomic():
        w = build_world()
    clerk = w.users["clerk"]
    shown = _shown(w, "clerk")
    operations_shown = {operation for operation, _rows in shown}
    # The walk sees what it is about, so it cannot pass by finding nothing.
    assert {"GET /api/v1/agency/persons", "GET /api/v1/agency/persons/{id}"} <= operations_shown
    silent = [operation for operation, rows in shown if not any(r.actor_user_id == clerk.pk for r in rows)]
    assert not silent, f"shown to a clerk without an access-log row: {silent}"


def test_a_persons_own_reads_write_no_access_log():
    with transaction.atomic():
        w = build_world()
    shown = _shown(w, "person")
    assert any(operation.startswith("GET /api/v1/me") for operation, _rows in shown)
    assert [operation for operation, rows in shown if rows] == []
