"""What every clerks' admin screen shares: rows scoped to the clerk's region,
exact identifier search, a CSV export of what the clerk may see, and the one way an admin
screen writes: a `ServiceForm` whose `save` calls a service (`ServiceFormAdminMixin`)."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.access import Viewer, scope, viewer_for_request
from common.display import actor_text
from common.fields import ASCII_DIGITS_HINT, ascii_text
from common.files import files_removed_on_error
from common.outbox import outbox_state_q
from common.person_views import person_path, person_views_log
from common.problems import ApplicationError
from common.replicas import replica_reads, sticky_primary, sticky_primary_mark
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


class ReferenceDataAdminMixin:
    """Reference data (regions, offices, policy tables, the holiday calendar, staff users): a
    superuser adds and edits it on the plain admin form; every other user only reads it."""

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


# --- forms that call a service ---------------------------------------------------------------------

ERRORS_SHOWN = 50  # a refusal's lines listed above a form; the rest are counted


def _error_line(error: dict) -> str:
    if error.get("row"):
        return gettext("row %(row)s, %(field)s: %(message)s") % error
    return error.get("message") or ""


def each_item_run(modeladmin, request, items, service, done_message) -> int:
    """A bulk action: one service call per item, each refusal reported with its item, then how many
    were done (`done_message % {"n": ...}`), as a clerk expects of a bulk action."""
    done = 0
    for item in items:
        try:
            service(item)
            done += 1
        except ApplicationError as err:
            modeladmin.message_user(request, f"{item}: {err.detail}", messages.WARNING)
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)
    return done


def problem_text(err: ApplicationError) -> str:
    """A refusal in one line (for a message above a list): its detail and its errors' messages."""
    details = "; ".join(e["message"] for e in err.errors if e.get("message") and e["message"] != err.detail)
    return f"{err.detail} {details}".strip()


class ServiceRefused(Exception):
    """Raised out of the admin's transaction when a ServiceForm's service refuses, so nothing it
    wrote stays; the admin shows the form again with the refusal on its fields."""

    def __init__(self, placed: list[tuple[str | None, object]]):
        super().__init__("refused")
        self.placed = placed


class ServiceForm(forms.ModelForm):
    """A clerk's form whose `save` is one service call (`call_service`). A refusal
    (ApplicationError) lands on the fields it names, the rest above the form, in one place
    (`refusal_place`); files stored before or by the service are removed again; nothing the
    service or the form wrote stays. The admin's own `save_model` never writes
    (`ServiceFormAdminMixin`)."""

    request = None  # set per request by ServiceFormAdminMixin.get_form
    error_fields: dict[str, str] = {}  # a field the service names -> this form's field, where they differ
    message: tuple[int, str] | None = None  # (level, text) the admin shows after a save

    def call_service(self, data: dict, viewer: Viewer):
        """Call the service with the cleaned data; return the instance it wrote."""
        raise NotImplementedError

    def save(self, commit=True):
        try:
            with files_removed_on_error(), transaction.atomic():
                self.instance = self.call_service(self.cleaned_data, viewer_for_request(self.request))
        except ApplicationError as err:
            raise ServiceRefused(self.refusal_place(err)) from err
        return self.instance

    def save_m2m(self):
        pass  # the service wrote what belongs to the row

    def _clean_fields(self):
        """Numbers and dates as a clerk types them are ASCII digits (issue 25): Python reads
        full-width and other scripts' digits as numbers, so such a value is refused on its field
        rather than stored (as `common.fields` does for the API)."""
        super()._clean_fields()
        numbers = (forms.DecimalField, forms.IntegerField, forms.DateField)  # no float field: money and rates are Decimal
        for name, bound in self._bound_items():
            if isinstance(bound.field, numbers) and not bound.field.disabled and name not in self._errors \
                    and not ascii_text(bound.data):
                self.add_error(name, forms.ValidationError(ASCII_DIGITS_HINT, code="ascii"))

    def _post_clean(self):
        pass  # no model validation of an unsaved instance here: the service checks, and refuses

    def refusal_place(self, err: ApplicationError) -> list[tuple[str | None, object]]:
        """Where each of a refusal's errors shows: at the field it names, else above the form with
        the problem's detail and at most ERRORS_SHOWN lines."""
        placed: list[tuple[str | None, object]] = []
        above: list[str] = []
        for error in err.errors:
            field = self.error_fields.get(error.get("field") or "", error.get("field"))
            if field in self.fields:
                placed.append((field, error.get("message") or err.detail))
            elif _error_line(error) and _error_line(error) != err.detail:
                above.append(_error_line(error))
        if above or not placed:
            total = err.extra.get("total_errors", len(above))
            lines = above[:ERRORS_SHOWN]
            if total > len(lines) and len(err.errors) > ERRORS_SHOWN:
                lines.append(gettext("... %(n)s error(s) in all.") % {"n": total})
            placed.append((None, [err.detail, *lines]))
        return placed

    def full_clean(self):
        super().full_clean()
        for field, message in getattr(self.request, "_service_refused", None) or ():
            self.add_error(field, message)


class ServiceFormAdminMixin:
    """The one way an admin screen saves a row: through its ServiceForm (`service_form`, or
    `service_add_form` / `service_change_form` where adding and changing differ). The admin's own
    writes are closed: `save_model` refuses any other form, and nothing is deleted here. When the
    service refuses, the admin's transaction rolls back and the same form shows again with the
    refusal on its fields."""

    service_form: type[ServiceForm] | None = None
    service_add_form: type[ServiceForm] | None = None
    service_change_form: type[ServiceForm] | None = None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = (self.service_add_form if obj is None else self.service_change_form) or self.service_form
        if form is not None:  # the admin's own field handling (scoped choices, widgets) still applies
            kwargs["form"] = type(form.__name__, (form,), {"request": request})
        return super().get_form(request, obj, change=change, **kwargs)

    def changelist_view(self, request, extra_context=None):
        """A list (GET) may be read from the replica (common.replicas), unless this session just wrote
        through the admin; its actions (POST) run on the primary."""
        if request.method != "GET" or sticky_primary(request):
            return super().changelist_view(request, extra_context)
        with replica_reads():
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # the lazy template reads the rows: render inside the block
            return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            sticky_primary_mark(request)  # its own change shows in the list it is sent back to
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # Rolled back; the same POST again, validated only: the refusal goes onto the form.
            request._service_refused = refused.placed
            for upload in request.FILES.values():
                upload.seek(0)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not isinstance(form, ServiceForm):
            raise PermissionDenied  # no admin form saves a row itself
        if form.message:
            self.message_user(request, form.message[1], form.message[0])

    def save_related(self, request, form, formsets, change):
        pass  # the service wrote what belongs to the row

    def save_formset(self, request, form, formset, change):
        raise PermissionDenied

    def delete_model(self, request, obj):
        raise PermissionDenied

    def delete_queryset(self, request, queryset):
        raise PermissionDenied


class ReadOnlyAdminMixin(ServiceFormAdminMixin):
    """Screens of rows written only by services (append-only records, runs): no add, change or
    delete. A screen that allows "change" for its actions still saves nothing itself."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows of a record shown on its page, written only by services: no add, change or delete."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    """A record's append-only events on its page: when, what, and who by name. Set `model`."""

    fields = ["recorded_at", "kind", "actor_shown"]
    readonly_fields = fields

    @admin.display(description=_("actor"))
    def actor_shown(self, obj):
        return actor_text(obj.actor)


class AppendOnlyAdminMixin(ReferenceDataAdminMixin):
    """Policy rows (reference data a superuser enters) are never edited or deleted: a change is a
    new row with its own effective date."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class OutboxStateFilter(admin.SimpleListFilter):
    """Where the messages of an outbox (common/outbox.py) are: the same filter on every screen that lists them."""

    title = _("sending")
    parameter_name = "sending"

    def lookups(self, request, model_admin):
        return [("sent", _("sent")), ("waiting", _("waiting")), ("uncertain", _("uncertain")),
                ("failed", _("failed"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "waiting":
            return queryset.filter(outbox_state_q("pending")).exclude(channel="none")  # "none": read online
        if value in ("sent", "uncertain", "failed"):
            return queryset.filter(outbox_state_q(value))
        return queryset
