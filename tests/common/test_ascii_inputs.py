"""Every date, amount, month, year and whole number an API operation takes is written in ASCII digits
(issue 25, item 6): walked from the OpenAPI schema, each is sent in full-width (`２０２６-０１-０５`) and in
Arabic-Indic digits (`٢٠٢٦-٠١-٠٥`) by a caller the operation admits, and each is refused with a 400
problem naming the field. A new operation's date or number is walked the same way; one this test
cannot build a body for fails until it is given one below."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tests.api.openapi import openapi_document, operations
from tests.api.world import World, build_world

pytestmark = pytest.mark.django_db

SCRIPTS = {"full-width": str.maketrans("0123456789", "０１２３４５６７８９"),
           "arabic-indic": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")}
MONTH_PATTERN = "^(19[4-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])$"
REGION_PATTERNS = (r"^\d{6}$", "^[0-9]{6}$")


def _example(schema: dict) -> str | None:
    """The ASCII text of a valid value of the schema, when it is a date or a number; else None."""
    if schema.get("format") == "date":
        return "2026-01-05"
    if schema.get("format") == "decimal":
        return "9000.00"
    if schema.get("type") == "integer":
        return "2025"
    if schema.get("pattern") == MONTH_PATTERN:
        return "2026-01"
    if schema.get("pattern") in REGION_PATTERNS:
        return "310101"
    return None


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _fields(schema: dict, document: dict, path: tuple = ()):
    """(path to the field, its schema) for every property, nested objects and arrays included."""
    schema = _resolve(schema, document)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            yield from _fields(sub, document, path)
    if schema.get("type") == "array" and "items" in schema:
        yield from _fields(schema["items"], document, (*path, 0))
    for name, sub in schema.get("properties", {}).items():
        sub = _resolve(sub, document)
        if not sub.get("readOnly"):
            yield (*path, name), sub
            yield from _fields(sub, document, (*path, name))


def _caller(path: str) -> str:
    for prefix, role in (("/api/v1/employer/", "portal_write"), ("/api/v1/me/", "person"),
                         ("/api/v1/agency/", "clerk"), ("/api/v1/registrations/{id}/", "portal_write")):
        if path.startswith(prefix):
            return role
    return "anonymous"


def _url(w: World, path: str) -> str:
    return path.replace("{id}", str(w.change_application.pk)) if "{id}" in path else path


# The rest of a request that reaches the field's check: what an operation checks before its fields
# (a required query value, the CSV file, a declaration's period before its rows) must be right.
BASES = {
    ("GET", "/api/v1/agency/persons"): lambda w: {"document": w.person.document_number},
    ("GET", "/api/v1/employer/contributions"): lambda w: {"period": "2026-01"},
    ("POST", "/api/v1/employer/declarations"): lambda w: {
        "period": "2026-01", "rows": [{"document_number": w.person.document_number}]},
    ("POST", "/api/v1/employer/declarations/csv"): lambda w: {
        "file": SimpleUploadedFile("roll.csv", f"document_number,wage\n{w.person.document_number},8000.00\n".encode(),
                                   content_type="text/csv")},
    ("POST", "/api/v1/registrations"): lambda w: {"kind": "new"},
    ("POST", "/api/v1/registrations/with-documents"): lambda w: {"kind": "new"},
}


def _body(body: dict, where: tuple, value: str) -> dict:
    node = body
    for step, following in zip(where, (*where[1:], None), strict=True):
        if following is None:
            node[step] = value
        elif isinstance(step, int):
            while len(node) <= step:
                node.append({})
            node = node[step]
        else:
            node = node.setdefault(step, [] if isinstance(following, int) else {})
    return body


def _cases(document: dict):
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query" and _example(parameter.get("schema", {})):
                yield method, path, "query", (parameter["name"],), _example(parameter["schema"])
        for content_type, media in operation.get("requestBody", {}).get("content", {}).items():
            for where, schema in _fields(media.get("schema", {}), document):
                if _example(schema):
                    yield method, path, content_type, where, _example(schema)


def test_the_walk_finds_the_known_dates_and_amounts():
    """The walk itself sees the inputs it is about (so it cannot pass by finding none)."""
    found = {(path, where[-1]) for _m, path, _c, where, _v in _cases(openapi_document())}
    assert {("/api/v1/employer/enrolments", "monthly_wage"), ("/api/v1/employer/enrolments", "start_date"),
            ("/api/v1/employer/declarations", "wage"), ("/api/v1/agency/persons", "birth_date"),
            ("/api/v1/registrations", "established_on"), ("/api/v1/employer/arrears", "on"),
            ("/api/v1/me/account", "year"), ("/api/v1/employer/contributions", "period")} <= found


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_date_and_number_in_other_digits_is_refused_naming_the_field(script):
    with transaction.atomic():
        w = build_world()
    refused, accepted = [], []
    for method, path, content_type, where, ascii_value in _cases(openapi_document()):
        value = ascii_value.translate(SCRIPTS[script])
        client = w.client(_caller(path), HTTP_ACCEPT_LANGUAGE="en")
        url = _url(w, path)
        base = BASES.get((method, path), lambda _w: {})(w)
        if content_type == "query":
            response = client.get(url, {**base, where[0]: value})
        else:
            body = _body(base, where, value)
            if content_type == "application/json":
                response = client.post(url, data=json.dumps(body), content_type="application/json")
            else:  # multipart/form-data: its flat fields and files
                response = client.post(url, {k: v for k, v in body.items() if not isinstance(v, (list, dict))})
        fields = [e.get("field") for e in response.json().get("errors", [])] \
            if response["Content-Type"].startswith("application/problem+json") else []
        case = f"{method} {path} {'.'.join(map(str, where))}={value}"
        (refused if response.status_code == 400 and where[-1] in fields else accepted).append(
            case if response.status_code == 400 and where[-1] in fields else f"{case}: {response.status_code} {fields}")
    assert not accepted, "\n".join(accepted)
    assert len(refused) >= 10
