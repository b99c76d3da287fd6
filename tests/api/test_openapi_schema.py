"""The OpenAPI schema is the portals' contract: it must say what the API does."""

import io

import jsonschema
import pytest
from django.core.management import call_command
from django.test import Client

from tests.api.openapi import json_schema, openapi_document, operations

PROBLEM = "application/problem+json"
LISTS = ["/api/v1/employer/staff", "/api/v1/employer/events", "/api/v1/me/events", "/api/v1/agency/persons"]


@pytest.fixture(scope="module")
def document():
    return openapi_document()


def _ref(schema: dict) -> str:
    return schema["$ref"].rsplit("/", 1)[-1]


def _request_schema(document, path, method="post") -> dict:
    content = document["paths"][path][method]["requestBody"]["content"]
    return document["components"]["schemas"][_ref(content["application/json"]["schema"])]


def _ok_schema(document, path, method="get", status="200") -> dict:
    content = document["paths"][path][method]["responses"][status]["content"]["application/json"]
    return document["components"]["schemas"][_ref(content["schema"])]


def test_the_schema_generates_without_a_warning_and_is_valid_openapi():
    # A collision of component names, an unknown authentication class or an enum clash is a warning.
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("openapi: 3.0")


def test_each_view_documents_its_own_bodies(document):
    assert "start_date" in _request_schema(document, "/api/v1/employer/enrolments")["properties"]
    assert "last_day" in _request_schema(document, "/api/v1/employer/separations")["properties"]
    assert "document_number" in _request_schema(document, "/api/v1/agency/persons")["properties"]
    assert "uscc" in _ok_schema(document, "/api/v1/employer")["properties"]
    separation = _ok_schema(document, "/api/v1/employer/separations", "post", "201")
    assert {"state", "due_on", "request_event_id"} <= set(separation["properties"])
    staff = _ok_schema(document, "/api/v1/employer/staff")["properties"]["results"]["items"]
    assert "employment_id" in document["components"]["schemas"][_ref(staff)]["properties"]
    names = list(document["components"]["schemas"])
    assert not {"Input", "Output", "InputRequest"} & set(names)


@pytest.mark.parametrize("path", LISTS)
def test_lists_are_documented_as_the_cursor_envelope(document, path):
    envelope = _ok_schema(document, path)
    assert envelope["type"] == "object"
    assert set(envelope["required"]) == {"next", "previous", "results"}
    assert envelope["properties"]["results"]["type"] == "array"
    assert envelope["properties"]["next"]["nullable"] is True
    parameters = {p["name"] for p in document["paths"][path]["get"]["parameters"]}
    assert {"cursor", "page_size"} <= parameters


def test_single_objects_are_not_wrapped(document):
    assert "results" not in _ok_schema(document, "/api/v1/me")["properties"]
    assert "results" not in _ok_schema(document, "/api/v1/agency/persons", "post", "201")["properties"]


def test_security_schemes_per_operation(document):
    schemes = document["components"]["securitySchemes"]
    flow = schemes["portalOAuth2"]["flows"]["clientCredentials"]
    assert schemes["portalOAuth2"]["type"] == "oauth2"
    assert flow["tokenUrl"] == "/o/token/" and set(flow["scopes"]) == {"read", "write"}
    assert schemes["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    # The collector's system (issue 22): a client kind of its own, whose one scope no portal obtains.
    assert set(schemes["collectorOAuth2"]["flows"]["clientCredentials"]["scopes"]) == {"collect"}

    security = {(m, p): op.get("security") for m, p, op in operations(document)}
    assert security[("GET", "/api/v1/employer")] == [{"portalOAuth2": ["read"]}]
    assert security[("GET", "/api/v1/employer/staff")] == [{"portalOAuth2": ["read"]}]
    assert security[("POST", "/api/v1/employer/enrolments")] == [{"portalOAuth2": ["write"]}]
    assert security[("POST", "/api/v1/employer/separations")] == [{"portalOAuth2": ["write"]}]
    # Anonymous applicants file new registrations; a portal files changes with `write`.
    assert security[("POST", "/api/v1/registrations")] == [{"portalOAuth2": ["write"]}, {}]
    assert security[("GET", "/api/v1/registrations/{id}")] == [{"portalOAuth2": ["read"]}, {}]
    # Persons: their app's token (authorization code with PKCE) or their browser session; clerks: the session.
    app_flow = schemes["personOAuth2"]["flows"]["authorizationCode"]
    assert (app_flow["authorizationUrl"], app_flow["tokenUrl"]) == ("/o/authorize/", "/o/token/")
    assert set(app_flow["scopes"]) == {"read", "write"} and "clientCredentials" not in schemes["personOAuth2"]["flows"]
    for path in ("/api/v1/me", "/api/v1/me/events", "/api/v1/me/account", "/api/v1/me/statements/{year}/pdf"):
        assert security[("GET", path)] == [{"personOAuth2": ["read"]}, {"cookieAuth": []}], path
    assert security[("POST", "/api/v1/me/refunds")] == [{"personOAuth2": ["write"]}, {"cookieAuth": []}]
    for path in ("/api/v1/agency/persons", "/api/v1/agency/persons/{id}"):
        assert security[("GET", path)] == [{"cookieAuth": []}], path
    assert security[("POST", "/api/v1/agency/persons")] == [{"cookieAuth": []}]
    assert security[("GET", "/api/v1/statements/verify")] in (None, [{}], [])  # a bank asks without a login
    assert security[("POST", "/api/v1/collector/records")] == [{"collectorOAuth2": ["collect"]}]


def test_every_operation_documents_its_problem_responses(document):
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert {"instance", "errors"} <= set(problem["properties"])
    item = document["components"]["schemas"][_ref(problem["properties"]["errors"]["items"])]
    assert set(item["properties"]) == {"field", "code", "message", "row", "expected", "document_number"}
    assert {"total_errors", "existing", "existing_id"} <= set(problem["properties"])

    for method, path, operation in operations(document):
        expected = {"401", "403", "404", "406", "429", "503"}
        if method == "POST":
            expected |= {"400", "409", "413", "415", "422"}
        assert expected <= set(operation["responses"]), (method, path)
        for status in expected:
            response = operation["responses"][status]
            assert _ref(response["content"][PROBLEM]["schema"]) == "Problem", (method, path, status)
        assert "Retry-After" in operation["responses"]["429"]["headers"]
    staff = document["paths"]["/api/v1/employer/staff"]["get"]["responses"]
    assert "400" in staff  # start_month is validated


def test_every_example_validates_against_its_schema(document):
    checked = 0
    for method, path, operation in operations(document):
        bodies = list(operation.get("requestBody", {}).get("content", {}).items())
        for status, response in operation["responses"].items():
            bodies += [(f"{status} {media}", content) for media, content in response.get("content", {}).items()]
        for media, content in bodies:
            schema = json_schema(content["schema"], document)
            for name, example in content.get("examples", {}).items():
                errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(example["value"])]
                assert not errors, (method, path, media, name, errors)
                checked += 1
    assert checked >= 60  # every problem response of every operation, and the bodies' examples


@pytest.mark.django_db
def test_the_served_schema_is_the_generated_one(document):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    served = response.json()
    assert set(served["paths"]) == set(document["paths"])
    assert served["components"]["securitySchemes"] == document["components"]["securitySchemes"]


def test_openapi_spec_validator_accepts_the_schema(document):
    # What HR portals' generators run first: no error at all (a blank default beside minLength was one).
    from openapi_spec_validator import OpenAPIV30SpecValidator

    errors = [f"{list(e.path)}: {e.message}" for e in OpenAPIV30SpecValidator(document).iter_errors()]
    assert errors == []
    assert document["servers"][0]["url"].startswith("http")


def test_every_write_documents_its_headers(document):
    for method, path, operation in operations(document):
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert "X-Request-ID" in headers, (method, path)
        if method == "POST":
            assert "Idempotency-Key" in headers, path
        for status, response in operation["responses"].items():
            assert response["headers"]["X-Request-ID"]["required"] is True, (method, path, status)
            if method == "POST" and status.startswith("2"):
                assert "Idempotent-Replayed" in response["headers"], (path, status)
        for status in ("429", "503"):
            assert "Retry-After" in operation["responses"][status]["headers"], (method, path)


def test_one_request_media_type_per_operation_and_multipart_only_for_files(document):
    multipart = set()
    for method, path, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if not content:
            continue
        assert len(content) == 1, (method, path, list(content))
        media, body = next(iter(content.items()))
        schema = document["components"]["schemas"][_ref(body["schema"])]
        binary = [name for name, prop in schema["properties"].items()
                  if prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary"]
        assert bool(binary) == (media == "multipart/form-data"), (path, media, binary)
        if media == "multipart/form-data":
            multipart.add(path)
    assert multipart == {"/api/v1/employer/declarations/csv", "/api/v1/employer/separations/with-documents",
                         "/api/v1/registrations/with-documents", "/api/v1/registrations/{id}/resubmit/with-documents",
                         "/api/v1/me/refunds/with-documents", "/api/v1/me/suspensions/with-documents", "/api/v1/me/disputes/with-documents",
                         "/api/v1/me/transfers/with-documents"}


def test_documents_are_pdf_operations_and_json_operations_answer_json_only(document):
    pdfs = set()
    for _method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                media = set(response.get("content", {}))
                assert len(media) == 1, (path, media)
                if media == {"application/pdf"}:
                    pdfs.add(path)
                    assert response["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert pdfs == {"/api/v1/me/statements/{year}/pdf", "/api/v1/me/contribution-certificate/pdf",
                    "/api/v1/me/transfers/{id}/letter", "/api/v1/me/transfers/{id}/form", "/api/v1/me/disputes/{id}/letter",
                    "/api/v1/employer/payment-orders/{id}/pdf", "/api/v1/me/pension-determination/pdf"}


def test_bodies_and_query_parameters_are_typed(document):
    rows = _request_schema(document, "/api/v1/employer/declarations")["properties"]["rows"]["items"]
    assert set(document["components"]["schemas"][_ref(rows)]["properties"]) == {"document_number", "wage"}
    separation = _request_schema(document, "/api/v1/employer/separations")["properties"]
    assert "default" not in separation["note"]  # a generated client leaves it out instead of sending ""
    for _method, path, operation in operations(document):
        for parameter in operation["parameters"]:
            if parameter["in"] == "query" and parameter["schema"]["type"] == "string":
                assert {"format", "pattern", "enum", "maxLength"} & set(parameter["schema"]), (path, parameter["name"])
