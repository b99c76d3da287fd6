"""RFC 9457 problem responses: one place turns every API error into one.

Domain code raises ApplicationError (or a kind of it); DRF's own errors and
Django's Http404 / PermissionDenied are mapped here too, so no API path can
answer with an HTML page or a bare 500.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf
from rest_framework.response import Response

from common.registry import Registry

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "/problems/"

# slug -> (title, what it means); published at /problems/<slug>. Titles are translated into the
# caller's language (Accept-Language); the slug, and so the `type`, stays the same in every language.
# Only the types of every API are here; each app declares its own in its `problems.py` and registers them.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "validation-error": (_("Invalid input"), _("One or more fields are invalid; see `errors`.")),
    "malformed-request": (_("Malformed request"),
                          _("The body or the query could not be read: not valid JSON, nested too deeply, "
                            "or a value the registry cannot keep.")),
    "payload-too-large": (_("Request too large"),
                          _("The body, its files or its fields exceed the limits; send less.")),
    "not-found": (_("Not found"), _("The resource does not exist or is not visible to the caller.")),
    "not-authenticated": (_("Not authenticated"), _("Credentials are missing or invalid.")),
    "permission-denied": (_("Permission denied"), _("The caller may not perform this action.")),
    "method-not-allowed": (_("Method not allowed"), _("The HTTP method is not supported here.")),
    "not-acceptable": (_("Not acceptable"), _("The requested media type cannot be produced.")),
    "unsupported-media-type": (_("Unsupported media type"), _("Send application/json.")),
    "throttled": (_("Too many requests"), _("Retry after the indicated time.")),
    "conflict": (_("Conflict"), _("The request conflicts with the current state of a record.")),
    "duplicate": (_("Duplicate record"), _("A record with this identifier exists; see `existing`.")),
    "idempotency-key-reused": (
        _("Idempotency key reused"),
        _("This Idempotency-Key was used before with a different request."),
    ),
    "idempotency-key-invalid": (_("Invalid idempotency key"),
                                _("An Idempotency-Key is 1-255 printable characters.")),
    "already-decided": (_("Already decided"), _("The request was decided before; nothing was changed.")),
    "unavailable": (_("Service unavailable"),
                    _("A dependency (the database, Redis) did not answer; retry after the time in Retry-After.")),
    "server-error": (_("Internal error"), _("An unexpected error; the request id identifies it in the logs.")),
}

# Problem types of the apps above common, registered from their AppConfig.ready() (common.registry):
# (slug, title, what it means). A slug of PROBLEM_TYPES cannot be taken over.
problem_types: Registry[tuple[str, Any, Any]] = Registry("common.problem_types", key=lambda entry: entry[0])


def problem_type_register(slug: str, title, text) -> None:
    if slug not in PROBLEM_TYPES:
        problem_types.register((slug, title, text))


def problem_types_register(types: dict[str, tuple[Any, Any]]) -> None:
    """An app's own problem types, {slug: (title, what it means)} (its `problems.py`)."""
    for slug, (title, text) in types.items():
        problem_type_register(slug, title, text)


def problem_type_lookup(slug: str) -> tuple[Any, Any] | None:
    """(title, text) of a problem type, common or registered; None when there is no such type."""
    if slug in PROBLEM_TYPES:
        return PROBLEM_TYPES[slug]
    entry = problem_types.get(slug)
    return (entry[1], entry[2]) if entry is not None else None


# Seconds a client is asked to wait (Retry-After) when a dependency is down.
RETRY_AFTER_SECONDS = 5


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


def one_of_message(values) -> str:
    """The reason a value outside a fixed set is refused, listing the set, in the caller's language."""
    return gettext("One of: %(choices)s.") % {"choices": ", ".join(values)}


class ValidationFailed(ApplicationError):
    status = 400
    type_slug = "validation-error"

    @classmethod
    def field(cls, field: str, code: str, message: str, **more: Any) -> "ValidationFailed":
        return cls(message, errors=[{"field": field, "code": code, "message": message, **more}])


class MalformedRequest(ApplicationError):
    status = 400
    type_slug = "malformed-request"


class PayloadTooLarge(ApplicationError):
    status = 413
    type_slug = "payload-too-large"


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
    title = (problem_type_lookup(slug) or (slug.replace("-", " ").capitalize(), ""))[0]
    body = {"type": TYPE_BASE + slug, "title": str(title), "status": status, "detail": str(detail)}
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
    drf.ParseError: ("malformed-request", 400),
}

# Redis (cache, sessions' cache, Celery's broker) not answering: the caller may retry.
try:
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    DEPENDENCY_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, BrokerError,
                                                          OperationalError, InterfaceError)
except ImportError:  # pragma: no cover - both are dependencies of the project
    DEPENDENCY_ERRORS = (OperationalError, InterfaceError)


def problem_for(exc: BaseException, *, instance: str | None) -> tuple[dict, dict[str, str]] | None:
    """The problem (and headers) for an error raised outside the domain code: bad input that
    Django refuses while reading the request, and dependencies that do not answer. None when
    `exc` is not one of those."""
    if isinstance(exc, RequestDataTooBig):
        return problem("payload-too-large", 413, gettext("The request body is larger than the server accepts "
                                                     "(fields %(fields)s bytes, whole request %(whole)s bytes).")
                       % {"fields": settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "whole": settings.REQUEST_MAX_BYTES},
                       instance=instance), {}
    if isinstance(exc, TooManyFilesSent):
        return problem("payload-too-large", 413, gettext("The request has more than %(n)s files.")
                       % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FILES}, instance=instance), {}
    if isinstance(exc, TooManyFieldsSent):
        return problem("payload-too-large", 413, gettext("The request has more than %(n)s fields.")
                       % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}, instance=instance), {}
    if isinstance(exc, SuspiciousOperation):
        return problem("malformed-request", 400, gettext("The request could not be read."), instance=instance), {}
    if isinstance(exc, RecursionError):
        return problem("malformed-request", 400, gettext("The request nests too deeply to be read."),
                       instance=instance), {}
    if isinstance(exc, DataError):
        # A value PostgreSQL refuses to store (a NUL character, a number or date out of range):
        # the caller's input, not the database's health.
        return problem("malformed-request", 400, gettext("A value in the request cannot be stored (an invalid "
                                                     "character, or a number or date out of range)."),
                       instance=instance), {}
    if isinstance(exc, IntegrityError):
        # A constraint caught a change racing this one; the services turn the ones they expect into
        # their own problems, so this is rare and a retry sees the other change.
        return problem("conflict", 409, gettext("The request conflicts with a change made at the same time; "
                                           "reload and retry."), instance=instance), {}
    if isinstance(exc, DEPENDENCY_ERRORS):
        logger.warning("dependency unavailable on %s: %r", instance, exc)
        return (problem("unavailable", 503, gettext("A service the request needs is not answering; retry shortly."),
                        instance=instance), {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return None


def exception_handler(exc: Exception, context: dict) -> Response:
    request = context.get("request")
    instance = request.get_full_path() if request is not None else None
    headers: dict[str, str] = {}

    if isinstance(exc, ApplicationError):
        body = problem(exc.type_slug, exc.status, exc.detail, instance=instance, errors=exc.errors, **exc.extra)
    elif isinstance(exc, drf.ValidationError):
        errors = _flatten(exc.detail)
        body = problem("validation-error", 400, gettext("The request has invalid fields."), instance=instance,
                       errors=errors)
    elif isinstance(exc, drf.ParseError):
        body = problem("malformed-request", 400, gettext("The request body could not be parsed."), instance=instance)
    elif isinstance(exc, drf.APIException):
        slug, status = next(((s, st) for cls, (s, st) in _DRF_SLUGS.items() if isinstance(exc, cls)),
                            ("server-error", exc.status_code))
        status = exc.status_code or status
        detail = str(exc.detail)
        if isinstance(exc, drf.NotAuthenticated) and request is not None \
                and request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer "):
            # A token was sent: it is unknown, expired or revoked, not missing.
            detail = gettext("The access token is not valid (unknown, expired or revoked): take a new one at "
                             "/o/token/.")
        body = problem(slug, status, detail, instance=instance)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    elif isinstance(exc, Http404):
        body = problem("not-found", 404, gettext("Not found."), instance=instance)
    elif isinstance(exc, PermissionDenied):
        body = problem("permission-denied", 403, gettext("You may not perform this action."), instance=instance)
    elif (mapped := problem_for(exc, instance=instance)) is not None:
        body, headers = mapped
    elif isinstance(exc, DatabaseError):  # ProgrammingError, InternalError...: a defect, not the caller's
        logger.exception("database error on %s", instance)
        body = problem("server-error", 500, gettext("An unexpected error occurred."), instance=instance)
    else:
        logger.exception("unhandled error on %s", instance)
        body = problem("server-error", 500, gettext("An unexpected error occurred."), instance=instance)
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def json_problem(request, slug: str, status: int, detail: str, *, headers: dict | None = None) -> JsonResponse:
    return problem_response(problem(slug, status, detail, instance=request.get_full_path()), headers=headers)


def problem_response(body: dict, *, headers: dict | None = None) -> JsonResponse:
    """A problem outside DRF (middleware, Django's error handlers)."""
    return JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE, headers=headers,
                        json_dumps_params={"ensure_ascii": False})
