"""Requests refused before they are read, and dependencies that do not answer.

RequestLimitsMiddleware refuses a body over REQUEST_MAX_BYTES (413) from its Content-Length,
before reading a byte of it. DependencyFailureMiddleware turns a view's Redis or database
connection failure into a 503 with Retry-After, on every path: the API's views do this
themselves through common.problems.exception_handler; this covers the admin and the rest.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from common.problems import DEPENDENCY_ERRORS, problem, problem_for, problem_response


def is_api_path(path: str) -> bool:
    return path.startswith(("/api/", "/o/"))


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return _refuse(request, problem("malformed-request", 400, _("The Content-Length header is not a "
                                                                        "number."), instance=request.path))
        if length > settings.REQUEST_MAX_BYTES:
            return _refuse(request, problem("payload-too-large", 413,
                                            _("The request is larger than %(limit)s bytes with its files; send "
                                              "smaller scans, or bring the originals to the office.")
                                            % {"limit": settings.REQUEST_MAX_BYTES}, instance=request.path))
        return self.get_response(request)


def _refuse(request, body: dict, headers: dict | None = None):
    if is_api_path(request.path):
        return problem_response(body, headers=headers)
    return HttpResponse(f"{body['title']}: {body['detail']}\n", status=body["status"], headers=headers,
                        content_type="text/plain; charset=utf-8")


class DependencyFailureMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DEPENDENCY_ERRORS):
            return None
        body, headers = problem_for(exception, instance=request.get_full_path())
        return _refuse(request, body, headers)
