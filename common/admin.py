"""What every clerks' admin screen shares: rows scoped to the clerk's region,
exact identifier search, and a CSV export of what the clerk may see."""

from __future__ import annotations

import re

from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from common.access import scope, viewer_for_request
from common.person_views import person_path, person_views_log
from common.spreadsheet import csv_writer

_IDENTIFIER = re.compile(r"^[0-9A-Za-z]{8,30}$")


class _Echo:
    def write(self, value):
        return value


class ScopedAdminMixin:
    """Lists, searches, detail pages, choices and exports all pass through `scope()`."""

    exact_search_field: str | None = None  # an identifier field searched by exact match
    name_search_field: str | None = "name"  # searched with ILIKE (trigram-indexed)
    export_fields: tuple[str, ...] = ()
    show_full_result_count = False  # no COUNT(*) over the whole table on every page

    def get_queryset(self, request):
        return scope(super().get_queryset(request), viewer_for_request(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related, "scope_paths") and "queryset" not in kwargs:
            kwargs["queryset"] = scope(related._default_manager.all(), viewer_for_request(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if self.exact_search_field and _IDENTIFIER.match(term) and any(ch.isdigit() for ch in term):
            return queryset.filter(**{self.exact_search_field: term.upper()}), False
        if self.name_search_field:
            return queryset.filter(**{f"{self.name_search_field}__icontains": term}), False
        return super().get_search_results(request, queryset, search_term)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.export_fields and self.has_view_permission(request):
            actions["export_csv"] = (ScopedAdminMixin.export_csv, "export_csv", _("Export selected as CSV"))
        return actions

    # The detail page logs the person whose data it shows (common.person_views); an admin that
    # logs its own, more precise kind sets this to False.
    logs_person_views = True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        path = person_path(self.model)
        if self.logs_person_views and path and request.method == "GET" and response.status_code == 200:
            ids = self.get_queryset(request).filter(pk=object_id).values_list(path, flat=True) \
                if str(object_id).isdigit() else []
            person_views_log(person_ids=ids, viewer=viewer_for_request(request), kind="record_page",
                             detail=str(self.model._meta.verbose_name))
        return response

    def export_csv(self, request, queryset):
        # `queryset` comes from get_queryset(), so an export never reaches past the clerk's region.
        path = person_path(self.model)
        if path:  # every person in the file is logged before it is written
            person_views_log(person_ids=queryset.values_list(path, flat=True), viewer=viewer_for_request(request),
                             kind="exported", detail=str(self.model._meta.verbose_name_plural))
        writer = csv_writer(_Echo())
        fields = self.export_fields

        def rows():
            yield writer.writerow(fields)
            for obj in queryset.iterator(chunk_size=2000):
                yield writer.writerow([self.export_value(obj, f) for f in fields])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.model._meta.model_name}.csv"'
        return response

    def export_value(self, obj, field: str):
        value = obj
        for part in field.split("__"):
            value = getattr(value, part, "")
        return "" if value is None else value


class ReadOnlyAdminMixin:
    """Screens of rows written only by services (append-only records, runs): no add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AppendOnlyAdminMixin:
    """Policy rows are never edited or deleted: a change is a new row with its own effective date."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
