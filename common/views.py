import sys

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error

from common.problems import (
    DEPENDENCY_ERRORS,
    RETRY_AFTER_SECONDS,
    json_problem,
    problem_for,
    problem_response,
    problem_type_lookup,
)


def home(request):
    return render(request, "home.html")


def problem_type(request, slug: str):
    found = problem_type_lookup(slug)
    if found is None:
        raise Http404
    title, text = found
    return render(request, "problem_type.html", {"slug": slug, "title": title, "text": text})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_problem(request, "not-found", 404, _("No such endpoint."))
    return page_not_found(request, exception)


def bad_request(request, exception=None):
    """Django's 400 (a SuspiciousOperation raised outside DRF, e.g. while reading the body)."""
    if request.path.startswith(("/api/", "/o/")):
        mapped = problem_for(exception, instance=request.get_full_path()) if exception is not None else None
        if mapped is not None:
            return problem_response(mapped[0], headers=mapped[1])
        return json_problem(request, "malformed-request", 400, _("The request could not be read."))
    return html_bad_request(request, exception)


def server_error(request):
    # Called inside Django's except block: an error raised in a middleware (outside any view)
    # still has its exception at hand. A dependency that does not answer is a 503, not a 500.
    exception = sys.exc_info()[1]
    if isinstance(exception, DEPENDENCY_ERRORS):
        body, headers = problem_for(exception, instance=request.get_full_path())
        if request.path.startswith(("/api/", "/o/")):
            return problem_response(body, headers=headers)
        return HttpResponse(f"{body['title']}: {body['detail']}\n", status=503, headers=headers,
                            content_type="text/plain; charset=utf-8")
    if request.path.startswith("/api/"):
        return json_problem(request, "server-error", 500, _("An unexpected error occurred."))
    return html_server_error(request)


@require_GET
def health(request):
    """Readiness for a load balancer or `docker compose`: 200 when PostgreSQL and Redis answer,
    else 503 with Retry-After and which one is down. Never cached, no authentication."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "unavailable"
    try:
        cache.get("health-probe")
        checks["redis"] = "ok"
    except DEPENDENCY_ERRORS:
        checks["redis"] = "unavailable"
    ok = all(v == "ok" for v in checks.values())
    response = JsonResponse({"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503)
    if not ok:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def bench_constant(request):
    """The benchmark's yardstick: a bare Django view returning a constant."""
    return JsonResponse({"ok": True})
