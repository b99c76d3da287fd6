"""RFC 9457 problem responses: one place turns every API error into one.

Domain code raises ApplicationError (or a kind of it); DRF's own errors and
Django's Http404 / PermissionDenied are mapped here too, so no API path can
answer with an HTML page or a bare 500.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "/problems/"

# slug -> (title, what it means); published at /problems/<slug>.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "validation-error": ("Invalid input", "One or more fields are invalid; see `errors`."),
    "not-found": ("Not found", "The resource does not exist or is not visible to the caller."),
    "not-authenticated": ("Not authenticated", "Credentials are missing or invalid."),
    "permission-denied": ("Permission denied", "The caller may not perform this action."),
    "method-not-allowed": ("Method not allowed", "The HTTP method is not supported here."),
    "not-acceptable": ("Not acceptable", "The requested media type cannot be produced."),
    "unsupported-media-type": ("Unsupported media type", "Send application/json."),
    "throttled": ("Too many requests", "Retry after the indicated time."),
    "conflict": ("Conflict", "The request conflicts with the current state of a record."),
    "duplicate": ("Duplicate record", "A record with this identifier exists; see `existing`."),
    "idempotency-key-reused": (
        "Idempotency key reused",
        "This Idempotency-Key was used before with a different request body.",
    ),
    "idempotency-key-invalid": ("Invalid idempotency key", "An Idempotency-Key is 1-255 printable characters."),
    "name-mismatch": ("Name does not match", "The name differs from the person registered under this number."),
    "already-enrolled": ("Already on your staff", "The person already has an open employment with you."),
    "open-employment": ("Open employment elsewhere",
                        "The person is on another employer's roll; that employer must reduce staff first."),
    "employer-not-registered": ("Employer not registered", "Only a registered employer may do this."),
    "already-decided": ("Already decided", "The request was decided before; nothing was changed."),
    "duplicate-reduction": ("Staff reduction already pending", "A reduction for this person awaits confirmation."),
    "relationship-closed": ("Relationship not open", "The person's insurance relationship cannot take this change."),
    "duplicate-bank-reference": ("Bank reference already recorded",
                                 "A payment with this bank reference was recorded for another employer."),
    "calendar-not-covered": ("Holiday calendar missing",
                             "Working-day deadlines need the year's holidays entered by an administrator."),
    "login-locked": ("Too many failed logins",
                     "The account or the address is locked out for a while after repeated failures; "
                     "see Retry-After. A supervisor can lift it."),
    "unavailable": ("Service unavailable", "A dependency did not answer; retry later."),
    "server-error": ("Internal error", "An unexpected error; the request id identifies it in the logs."),
}


class ApplicationError(Exception):
    """A domain error with a stable problem type."""

    status = 400
    type_slug = "validation-error"

    def __init__(self, detail: str, *, errors: list[dict] | None = None, status: int | None = None,
                 type_slug: str | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra
        if status is not None:
            self.status = status
        if type_slug is not None:
            self.type_slug = type_slug


class ValidationFailed(ApplicationError):
    status = 400
    type_slug = "validation-error"

    @classmethod
    def field(cls, field: str, code: str, message: str, **more: Any) -> "ValidationFailed":
        return cls(message, errors=[{"field": field, "code": code, "message": message, **more}])


class NotFound(ApplicationError):
    status = 404
    type_slug = "not-found"


class Conflict(ApplicationError):
    status = 409
    type_slug = "conflict"


class Duplicate(Conflict):
    type_slug = "duplicate"


class Forbidden(ApplicationError):
    """The caller is known but may not take this decision (a service's own permission check)."""

    status = 403
    type_slug = "permission-denied"


def problem(slug: str, status: int, detail: str, *, instance: str | None = None, **extra: Any) -> dict:
    title = PROBLEM_TYPES.get(slug, (slug.replace("-", " ").capitalize(), ""))[0]
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v not in (None, [], {})})
    return body


def _flatten(detail: Any, prefix: str = "") -> list[dict]:
    """DRF's nested ValidationError detail -> [{field, code, message}]."""
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
    elif isinstance(detail, list):
        for i, item in enumerate(detail):
            if isinstance(item, (dict, list)) and not isinstance(item, drf.ErrorDetail):
                out += _flatten(item, f"{prefix}[{i}]")
            else:
                out += _flatten(item, prefix)
    else:
        out.append({"field": prefix or None, "code": getattr(detail, "code", "invalid"), "message": str(detail)})
    return out


_DRF_SLUGS = {
    drf.NotAuthenticated: ("not-authenticated", 401),
    drf.AuthenticationFailed: ("not-authenticated", 401),
    drf.PermissionDenied: ("permission-denied", 403),
    drf.NotFound: ("not-found", 404),
    drf.MethodNotAllowed: ("method-not-allowed", 405),
    drf.NotAcceptable: ("not-acceptable", 406),
    drf.UnsupportedMediaType: ("unsupported-media-type", 415),
    drf.Throttled: ("throttled", 429),
    drf.ParseError: ("validation-error", 400),
}


def exception_handler(exc: Exception, context: dict) -> Response:
    request = context.get("request")
    instance = request.get_full_path() if request is not None else None
    headers: dict[str, str] = {}

    if isinstance(exc, ApplicationError):
        body = problem(exc.type_slug, exc.status, exc.detail, instance=instance, errors=exc.errors, **exc.extra)
    elif isinstance(exc, drf.ValidationError):
        errors = _flatten(exc.detail)
        body = problem("validation-error", 400, "The request has invalid fields.", instance=instance, errors=errors)
    elif isinstance(exc, drf.APIException):
        slug, status = next(((s, st) for cls, (s, st) in _DRF_SLUGS.items() if isinstance(exc, cls)),
                            ("server-error", exc.status_code))
        status = exc.status_code or status
        body = problem(slug, status, str(exc.detail), instance=instance)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    elif isinstance(exc, Http404):
        body = problem("not-found", 404, "Not found.", instance=instance)
    elif isinstance(exc, PermissionDenied):
        body = problem("permission-denied", 403, "You may not perform this action.", instance=instance)
    elif isinstance(exc, DatabaseError):
        logger.exception("database error on %s", instance)
        body = problem("unavailable", 503, "The database did not complete the request; retry.", instance=instance)
    else:
        logger.exception("unhandled error on %s", instance)
        body = problem("server-error", 500, "An unexpected error occurred.", instance=instance)
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def json_problem(request, slug: str, status: int, detail: str) -> JsonResponse:
    return JsonResponse(problem(slug, status, detail, instance=request.get_full_path()), status=status,
                        content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
