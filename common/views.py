from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error

from common.problems import PROBLEM_TYPES, json_problem


def home(request):
    return render(request, "home.html")


def problem_type(request, slug: str):
    if slug not in PROBLEM_TYPES:
        raise Http404
    title, text = PROBLEM_TYPES[slug]
    return render(request, "problem_type.html", {"slug": slug, "title": title, "text": text})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_problem(request, "not-found", 404, "No such endpoint.")
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return json_problem(request, "server-error", 500, "An unexpected error occurred.")
    return html_server_error(request)


@require_GET
def bench_constant(request):
    """The benchmark's yardstick: a bare Django view returning a constant."""
    return JsonResponse({"ok": True})
