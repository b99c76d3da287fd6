"""One representation per concept (issue 24, item 6): a month is "YYYY-MM", a timestamp carries
Shanghai's offset ("+08:00"), in the schema and in every answer the API gives.

The answer walk calls every GET operation of the schema that answers JSON, as the caller it is for,
on the records of the API's world, and checks every value the schema calls a date-time or a month.
"""

from __future__ import annotations

import re

import pytest

from common.dates import MONTH_PATTERN
from tests.api.openapi import openapi_document, operations
from tests.api.world import STATEMENT_YEAR, World, build_world

pytestmark = pytest.mark.django_db

SHANGHAI_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$")
MONTHLIKE = re.compile(r"(^|_)(month|period)$")


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _walk(schema: dict, value, document: dict, found: dict, where: str) -> None:
    """Collect (where, value) for every date-time and every month the schema describes in `value`."""
    schema = _resolve(schema, document)
    if value is None:
        return
    for alternative in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
        _walk(alternative, value, document, found, where)
    if schema.get("format") == "date-time":
        found["timestamps"].append((where, value))
    if schema.get("pattern") == MONTH_PATTERN:
        found["months"].append((where, value))
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                _walk(sub, value[name], document, found, f"{where}.{name}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _walk(schema["items"], item, document, found, f"{where}[{index}]")


def _schema_nodes(node, where=""):
    """Every (where, schema) in the document that describes a property or a parameter."""
    if isinstance(node, dict):
        if "properties" in node:
            for name, sub in node["properties"].items():
                yield f"{where}.{name}", name, sub
        if "in" in node and "name" in node and "schema" in node:
            yield f"{where}?{node['name']}", node["name"], node["schema"]
        for key, sub in node.items():
            yield from _schema_nodes(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for index, sub in enumerate(node):
            yield from _schema_nodes(sub, f"{where}[{index}]")


def test_every_month_in_the_schema_is_one_documented_format():
    document = openapi_document()
    months = {}
    for where, name, schema in _schema_nodes(document):
        if MONTHLIKE.search(name) and schema.get("type") == "string":
            months[where] = schema
    # The months an integrator meets: the declaration's period, the notice's, the statement's, the
    # account entry's contribution month, a refund's payout month, the staff list's filter.
    assert len(months) >= 10, sorted(months)
    wrong = {where: schema for where, schema in months.items()
             if schema.get("pattern") != MONTH_PATTERN or "format" in schema}
    assert wrong == {}


CALLERS = (("/api/v1/employer", "portal_read"), ("/api/v1/me", "person"), ("/api/v1/agency", "clerk"),
           ("/api/v1/registrations", "portal_read"), ("/api/v1/statements", "anonymous"),
           ("/.well-known", "anonymous"))


def _url(world: World, path: str, transfer) -> str | None:
    """The operation's URL on a record of the world, with the query its answer needs (None: no record)."""
    records = {"/api/v1/employer/declarations/{id}": world.declaration.pk,
               "/api/v1/registrations/{id}": world.change_application.pk,
               "/api/v1/me/transfers/{id}": transfer.pk}
    url = path.replace("{year}", str(STATEMENT_YEAR))
    if "{id}" in url:
        if path not in records:
            return None  # the world has none (a payment, a refund): their apps' tests read them
        url = url.replace("{id}", str(records[path]))
    queries = {"/api/v1/employer/contributions": "?period=2026-01", "/api/v1/me/account": "?year=2025",
               "/api/v1/agency/persons": f"?document={world.person.document_number}",
               "/api/v1/statements/verify": f"?code={world.statement.verification_code}"}
    return url + queries.get(path, "")


def test_every_answer_gives_months_as_yyyy_mm_and_times_in_shanghai():
    world = build_world()
    from tests.api.test_authorization_matrix import world_transfer

    transfer = world_transfer(world)
    document = openapi_document()
    found = {"timestamps": [], "months": []}
    called, refused = [], []
    for method, path, operation in operations(document):
        if method != "GET" or "application/json" not in operation["responses"].get("200", {}).get("content", {}):
            continue
        role = next(role for prefix, role in CALLERS if path.startswith(prefix))
        url = _url(world, path, transfer)
        if url is None:
            continue
        response = world.client(role).get(url, HTTP_ACCEPT="application/json")
        if response.status_code != 200:
            refused.append((path, response.status_code))
            continue
        called.append(path)
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        _walk(schema, response.json(), document, found, f"GET {path}")
    # the world's person is on staff (no certificate of a closed relationship), pays as no flexible
    # worker and has no pension determined
    assert sorted(refused) == [("/api/v1/me/contribution-certificate", 400), ("/api/v1/me/flexible-enrolment", 404),
                               ("/api/v1/me/pension-determination", 404)]
    assert len(found["timestamps"]) >= 5 and len(found["months"]) >= 5, found
    assert [(where, value) for where, value in found["timestamps"]
            if not SHANGHAI_TIMESTAMP.match(str(value))] == []
    assert [(where, value) for where, value in found["months"]
            if not re.fullmatch(MONTH_PATTERN, str(value))] == []
