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

from common.problems import PROBLEM_CONTENT_TYPE, TYPE_BASE, problem


class ProblemFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The field at fault (dotted for nested fields); "
                                                             "null when the error concerns the request as a whole.")
    code = serializers.CharField(help_text="Stable, machine-readable reason, e.g. `required`, `invalid`.")
    message = serializers.CharField(help_text="For people; may be translated.")


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem document; some types add members (e.g. `existing` for a duplicate)."""

    type = serializers.CharField(help_text=f"Stable URI reference `{TYPE_BASE}<slug>`, described at that path.")
    title = serializers.CharField(help_text="Short summary of the type.")
    status = serializers.IntegerField(min_value=400, max_value=599, help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request.")
    instance = serializers.CharField(required=False, help_text="The path of the request.")
    errors = ProblemFieldErrorSerializer(many=True, required=False,
                                         help_text="For invalid input: one entry per fault "
                                                   "(a wrong check character adds `expected`).")


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
_PAGINATION_PARAMETERS = {"cursor", "page_size"}


def problem_statuses(method: str, operation: dict) -> list[int]:
    """The problem statuses an operation can answer.

    Every operation: 401, 403, 404 (not visible, or an invalid cursor), 429 and 503. Writes also
    400, 409, 413, 415 and 422 (an Idempotency-Key reused); reads 400 when they take parameters
    of their own to validate (a path id beyond the database's integers included).
    """
    statuses = {401, 403, 404, 429, 503}
    if method.upper() in _WRITE_METHODS:
        statuses |= {400, 409, 413, 415, 422}
    elif any(p.get("in") in ("query", "header", "path") and p.get("name") not in _PAGINATION_PARAMETERS
             for p in operation.get("parameters", [])):
        statuses.add(400)
    return sorted(statuses)


class AgencyAutoSchema(AutoSchema):
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
        return operation
