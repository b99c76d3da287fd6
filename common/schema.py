"""The OpenAPI schema is the portals' contract: what drf-spectacular cannot see, said here.

- Component names are unique: a view's nested `InputSerializer` / `OutputSerializer` is named
  after its view (`EnrolmentApi.InputSerializer` -> `EnrolmentInput`), so no two bodies collapse
  into one component.
- Every operation documents the problem responses it can answer (RFC 9457, `Problem`), with
  `application/problem+json`, an example per status and the headers that go with them.
- List views declare `pagination_class`, so their 200 is the cursor envelope (`next`, `previous`,
  `results`) and the `cursor` / `page_size` parameters are documented.

The security schemes per operation come from the authentication extensions of the apps that own
the authentication classes (`employers/schema.py`).
"""

from __future__ import annotations

import inspect

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from common.dates import MONTH_PATTERN
from common.problems import PROBLEM_CONTENT_TYPE, TYPE_BASE, problem


class ProblemFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The field at fault (dotted for nested fields); "
                                                             "null when the error concerns the request as a whole.")
    code = serializers.CharField(help_text="Stable, machine-readable reason, e.g. `required`, `invalid`.")
    message = serializers.CharField(help_text="For people; may be translated.")
    row = serializers.IntegerField(required=False, min_value=1, allow_null=True,
                                   help_text="A declaration's row at fault (1 = the first row after a CSV header); "
                                             "null for a fault of the whole declaration.")
    expected = serializers.CharField(required=False, help_text="The check character an identifier should end with.")
    document_number = serializers.CharField(required=False, help_text="The row's document number, as sent.")


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem document; some types add members (documented here, all optional)."""

    type = serializers.CharField(help_text=f"Stable URI reference `{TYPE_BASE}<slug>`, described at that path.")
    title = serializers.CharField(help_text="Short summary of the type.")
    status = serializers.IntegerField(min_value=400, max_value=599, help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request.")
    instance = serializers.CharField(required=False, help_text="The path of the request.")
    errors = ProblemFieldErrorSerializer(many=True, required=False,
                                         help_text="For invalid input: one entry per fault "
                                                   "(a wrong check character adds `expected`).")
    total_errors = serializers.IntegerField(required=False, min_value=0,
                                            help_text="A declaration's faults in all (`errors` lists the first ones).")
    existing = serializers.CharField(required=False, help_text="A duplicate's existing record (its API path).")
    existing_id = serializers.IntegerField(required=False, help_text="A duplicate's existing record id.")


def _example(slug: str, status: int, detail: str, path: str, **extra) -> dict:
    return problem(slug, status, detail, instance=path.replace("{id}", "42"), **extra)


# status -> (description, example type slug, example detail, extra members of the example)
PROBLEM_STATUSES: dict[int, tuple[str, str, str, dict]] = {
    400: ("Invalid input: the fields at fault are in `errors`.", "validation-error",
          "The request has invalid fields.",
          {"errors": [{"field": "start_date", "code": "invalid",
                       "message": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."}]}),
    401: ("No credentials, or credentials that are invalid, expired or revoked.", "not-authenticated",
          "Authentication credentials were not provided.", {}),
    403: ("Authenticated, but not allowed: the wrong kind of caller, a missing scope or permission.",
          "permission-denied", "You do not have permission to perform this action.", {}),
    404: ("Not found, or not visible to the caller (other employers', persons' and regions' records "
          "answer 404, never 403).", "not-found", "Not found.", {}),
    409: ("Conflicts with the current state of a record (duplicate, open employment elsewhere, ...).",
          "conflict", "The request conflicts with the current state of a record.", {}),
    406: ("The `Accept` header names no media type this operation answers (JSON, or the PDF of a `.../pdf` "
          "operation).", "not-acceptable", 'Could not satisfy the request Accept header.', {}),
    413: ("The request body is larger than the server accepts.", "payload-too-large",
          "The request body is too large.", {}),
    415: ("The request body's media type is not accepted here.", "unsupported-media-type",
          'Unsupported media type "text/plain" in request.', {}),
    422: ("The Idempotency-Key was used before with a different request body.", "idempotency-key-reused",
          "This Idempotency-Key was used before with a different request body.", {}),
    429: ("Too many requests: retry after `Retry-After` seconds.", "throttled",
          "Request was throttled. Expected available in 60 seconds.", {}),
    503: ("A dependency (database, cache) did not answer: retry after `Retry-After` seconds.", "unavailable",
          "The database did not complete the request; retry.", {}),
}

_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer", "minimum": 0},
                                "description": "Seconds to wait before retrying."}}
_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"},
                               "description": "The authentication scheme to use (e.g. `Bearer`)."}},
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_REQUEST_ID = {"X-Request-ID": {"schema": {"type": "string", "pattern": r"^[A-Za-z0-9._:-]{1,128}$"},
                                "required": True,
                                "description": "The request's id: the caller's own `X-Request-ID` when it is 1-128 "
                                               "of `A-Za-z0-9._:-`, else one made by the server. Every log line "
                                               "shows it."}}
_REPLAYED = {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]},
                                     "description": "Present (`true`) when this is the stored response of an "
                                                    "earlier request with the same `Idempotency-Key`."}}
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,255}$", "minLength": 1, "maxLength": 255},
    "description": "Makes the write safe to retry: the same key with the same request answers the stored "
                   "response (with `Idempotent-Replayed: true`) and writes nothing; with another request it is a "
                   "422 `/problems/idempotency-key-reused`. Use a new key (e.g. a UUID) for each new write.",
}
REQUEST_ID_PARAMETER = {
    "in": "header", "name": "X-Request-ID", "required": False,
    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9._:-]{1,128}$"},
    "description": "Your id for this request, echoed in the response's `X-Request-ID` and in the server's logs.",
}
# Query parameters named alike mean alike: their schema when the view gives no format, pattern or enum.
_QUERY_SCHEMAS = {
    "cursor": {"type": "string", "pattern": r"^[A-Za-z0-9_=%-]{1,512}$",
               "description": "Opaque: copy it from `next` or `previous`; anything else is a 400."},
    "page_size": {"type": "integer", "minimum": 1, "maximum": 200},
    "start_month": {"type": "string", "pattern": MONTH_PATTERN},
    "on": {"type": "string", "format": "date"},
    "year": {"type": "integer", "minimum": 1949, "maximum": 2200},
    "region": {"type": "string", "pattern": r"^\d{6}$"},
    "code": {"type": "string", "pattern": r"^[0-9A-Fa-f -]{25,60}$"},
    "document": {"type": "string", "minLength": 1, "maxLength": 30},
}


def problem_statuses(method: str, operation: dict) -> list[int]:
    """The problem statuses an operation can answer.

    Every operation: 401, 403, 404 (not visible), 406 (an `Accept` it cannot answer), 429 and 503. Writes also
    400, 409, 413, 415 and 422 (an Idempotency-Key reused); reads 400 when they take parameters
    to validate (a cursor not made by us, a path id beyond the database's integers included).
    """
    statuses = {401, 403, 404, 406, 429, 503}
    if method.upper() in _WRITE_METHODS:
        statuses |= {400, 409, 413, 415, 422}
    elif any(p.get("in") in ("query", "header", "path") for p in operation.get("parameters", [])):
        statuses.add(400)
    return sorted(statuses)


class AgencyAutoSchema(AutoSchema):
    def map_parsers(self):
        """One request media type per operation: JSON, or what the view declares (`request_media_type`,
        multipart/form-data where a file is uploaded). The parsers may accept more; the contract is one."""
        return [getattr(self.view, "request_media_type", "application/json")]

    def map_renderers(self, attribute):
        """What the operation answers: JSON, or what the view declares (`response_media_type`, a PDF)."""
        if attribute == "media_type":
            return [getattr(self.view, "response_media_type", "application/json")]
        return ["pdf" if getattr(self.view, "response_media_type", "") == "application/pdf" else "json"]

    def get_serializer_name(self, serializer, direction):
        """`SomeApi.InputSerializer` -> `SomeInput`: a view's nested serializers are named after it."""
        qualname = type(serializer).__qualname__
        if "." in qualname:
            outer, inner = qualname.split(".")[-2:]
            return outer.removesuffix("Api") + inner.removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)

    def get_description(self) -> str:
        """The view's own docstring only: a base class's (e.g. PortalApiView's) describes no operation."""
        if "__doc__" in vars(type(self.view)) and type(self.view).__doc__:
            return super().get_description()
        method = getattr(self.view, self.method.lower(), None)
        return inspect.cleandoc(method.__doc__) if method is not None and method.__doc__ else ""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        problem_ref = self.resolve_serializer(ProblemSerializer, "response").ref
        responses = operation.setdefault("responses", {})
        # A read that can conflict with a record's state (a document not issued yet) names the status
        # on its view: `extra_problem_statuses = (409,)`.
        extra_statuses = set(getattr(self.view, "extra_problem_statuses", ()))
        for status in sorted(set(problem_statuses(self.method, operation)) | extra_statuses):
            description, slug, detail, extra = PROBLEM_STATUSES[status]
            response = {
                "description": description,
                "content": {PROBLEM_CONTENT_TYPE: {
                    "schema": problem_ref,
                    "examples": {slug.replace("-", "_"): {"value": _example(slug, status, detail, self.path, **extra)}},
                }},
            }
            if status in _HEADERS:
                response["headers"] = _HEADERS[status]
            responses.setdefault(str(status), response)
        write = self.method.upper() in _WRITE_METHODS
        for code, response in responses.items():
            headers = response.setdefault("headers", {})
            headers.update(_REQUEST_ID)
            if write and code.startswith("2"):
                headers.update(_REPLAYED)
        parameters = operation.setdefault("parameters", [])
        for parameter in parameters:
            if parameter.get("in") == "query" and parameter["name"] in _QUERY_SCHEMAS:
                schema = parameter["schema"]
                if not ({"format", "pattern", "enum"} & set(schema)) or parameter["name"] in ("page_size", "cursor"):
                    extra = dict(_QUERY_SCHEMAS[parameter["name"]])
                    description = extra.pop("description", None)
                    schema.update(extra)
                    if description and not parameter.get("description"):
                        parameter["description"] = description
            if parameter.get("in") == "path" and parameter["schema"].get("type") == "integer":
                parameter["schema"].setdefault("minimum", 1)
                parameter["schema"].setdefault("maximum", 2**63 - 1)
        if write:
            parameters.append(dict(IDEMPOTENCY_KEY_PARAMETER))
        parameters.append(dict(REQUEST_ID_PARAMETER))
        return operation


def defaults_valid(result, generator, request, public):
    """Postprocessing hook: drop a property's `default` that its own schema refuses (a `default: ""`
    beside `minLength: 1`, a pattern or `format: email`): the server supplies it when the field is
    left out, and a generated client must not send it."""
    import jsonschema

    for component in result.get("components", {}).get("schemas", {}).values():
        for prop in component.get("properties", {}).values():
            if "default" not in prop or "type" not in prop:
                continue  # a reference (an enum) holds its own values
            rest = {k: v for k, v in prop.items() if k not in ("default", "example", "nullable", "readOnly",
                                                               "writeOnly")}
            if prop["default"] is None and prop.get("nullable"):
                continue
            checker = jsonschema.Draft7Validator(rest, format_checker=jsonschema.FormatChecker())
            if not checker.is_valid(prop["default"]):
                del prop["default"]
    return result
