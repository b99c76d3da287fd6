"""The clerks' file pages, written once: a person's file (insured) and an employer's file (employers).

A file page is mounted under its model's admin at `find/`, `<id>/file/` and `<id>/file/act/`; it shows a
header (name, number, one detail, the edit button, a search for another file) and the panels its
`PanelRegistry` holds (`common.panels`). The page's app supplies what differs: how to find, what the
header shows, what its buttons do, and any notice above the panels (`admin/file_page.html`'s
`file_notice` block, as the employer's issued portal secret).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import Promise

from common.access import viewer_for_request
from common.panels import PanelRegistry


@dataclass(frozen=True)
class FileHeader:
    """What the page's header says of its file, and how it offers to find another."""

    name: str
    number: str
    detail: object
    find_label: str | Promise  # the search field's label
    find_placeholder: str | Promise
    find_again: str | Promise  # the search button


def file_page_urls(model_admin, *, find: Callable, show: Callable, act: Callable) -> list:
    """`find(model_admin, request)`, `show(model_admin, request, object_id)` and `act(...)` as the
    admin's `<app>_<model>_find`, `_file` and `_file_act` URLs."""
    wrap = model_admin.admin_site.admin_view
    prefix = f"{model_admin.model._meta.app_label}_{model_admin.model._meta.model_name}"
    return [
        path("find/", wrap(lambda request: find(model_admin, request)), name=f"{prefix}_find"),
        path("<int:object_id>/file/", wrap(lambda request, object_id: show(model_admin, request, object_id)),
             name=f"{prefix}_file"),
        path("<int:object_id>/file/act/", wrap(lambda request, object_id: act(model_admin, request, object_id)),
             name=f"{prefix}_file_act"),
    ]


def admin_context(model_admin, request, **extra) -> dict:
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta, **extra}


def file_object_or_404(model_admin, request, object_id, *, missing: str | Promise):
    """The file's row, if the clerk's admin shows it (scoped to the region); otherwise a 404 saying `missing`."""
    obj = model_admin.get_queryset(request).filter(pk=object_id).first()
    if obj is None or not model_admin.has_view_permission(request, obj):
        raise Http404(missing)
    return obj


def file_page_render(model_admin, request, obj, *, panels: PanelRegistry, title: str | Promise,
                     header: FileHeader, template: str = "admin/file_page.html", **extra) -> TemplateResponse:
    """The file page of `obj`: its header, then every panel the clerk may see."""
    opts = model_admin.model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    can_change = model_admin.has_change_permission(request, obj)
    return TemplateResponse(request, template, admin_context(
        model_admin, request, title=title, subtitle=header.name, header=header,
        file_class=f"{panels.page}-file",
        changelist_url=reverse(f"{prefix}_changelist"), find_url=reverse(f"{prefix}_find"),
        change_url=reverse(f"{prefix}_change", args=[obj.pk]) if can_change else None,
        panels=panels.render(request, obj, viewer_for_request(request)), **extra))


def panel_html(template: str, request, **context):
    """A panel's HTML from its template, with the request in its context."""
    return render_to_string(template, {"request": request, **context}, request=request)
