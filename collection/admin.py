"""Clerks' screens of collection: the region's collection accounts (reference data); the feed's
import page, its files, records, conflicts and applications (read-only), the collector's API clients."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collection.models import (
    Application,
    CollectionAccount,
    CollectorClient,
    CollectorFile,
    CollectorRecord,
    FeedFormat,
    RecordConflict,
)
from collection.services.feed import feed_import
from common.access import scope, viewer_for_request
from common.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    ReferenceDataAdminMixin,
    ScopedAdminMixin,
    ServiceForm,
    ServiceFormAdminMixin,
)
from common.display import actor_text
from common.problems import ValidationFailed


@admin.register(CollectionAccount)
class CollectionAccountAdmin(ReferenceDataAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("account_number", "bank_name", "account_name", "region", "opened_on", "closed_on")
    list_filter = ("region",)
    search_fields = ("account_number", "account_name")


# --- the feed (issue 22, item 2) ---------------------------------------------------------------------

class CollectorFileImportForm(ServiceForm):
    """A clerk imports a collector's file: the whole file through feed_import, or nothing with every
    bad line named above the form."""

    upload = forms.FileField(label=_("collector's file"),
                             help_text=_("The CSV layout or a camt.053 bank statement (see the README)."))

    class Meta:
        model = CollectorFile
        fields = ["format"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(FeedFormat.CSV, FeedFormat.CSV.label),
                                         (FeedFormat.CAMT053, FeedFormat.CAMT053.label)]

    def call_service(self, data, viewer):
        upload = data["upload"]
        if upload.size > settings.COLLECTOR_FILE_MAX_BYTES:
            raise ValidationFailed.field("upload", "too_large", gettext("The file is larger than %(n)s bytes.")
                                         % {"n": settings.COLLECTOR_FILE_MAX_BYTES})
        result = feed_import(content=upload.read(), format=data["format"], name=upload.name, actor=viewer)
        if not result.created:
            self.message = (messages.WARNING, gettext("This file was imported before: nothing was changed."))
        elif result.pending:  # a large file: stored now, applied by a worker a chunk per transaction
            from collection.tasks import feed_apply_all

            file_id = result.file.pk
            transaction.on_commit(lambda: feed_apply_all.delay(file_id))
            self.message = (messages.SUCCESS, gettext(
                "%(stored)s new record(s) stored; they are being applied in the background (the file's records "
                "show each application as it is made).") % {"stored": result.stored})
        else:
            self.message = (messages.SUCCESS, gettext(
                "%(stored)s new record(s): %(applied)s applied, %(suspense)s to suspense, %(reversals)s "
                "reversal(s); %(seen)s seen before; %(conflicts)s conflict(s) for a clerk.")
                % {"stored": result.stored, "applied": result.applied, "suspense": result.to_suspense,
                   "reversals": result.reversals, "seen": result.seen_before, "conflicts": result.conflicts})
        return result.file


class CollectorRecordInline(ReadOnlyInline):
    model = CollectorRecord
    fields = ["line", "account", "transaction_id", "kind", "value_date", "amount", "payer_name", "reference_text"]
    readonly_fields = fields

    def get_queryset(self, request):
        return scope(super().get_queryset(request), viewer_for_request(request)).select_related("account")


@admin.register(CollectorFile)
class CollectorFileAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ["name", "format", "records", "total", "received_at", "acted_by"]
    list_filter = ["format"]
    name_search_field = "name"
    service_add_form = CollectorFileImportForm
    change_fields = ["name", "format", "sha256", "records", "total", "received_at", "acted_by"]
    inlines = [CollectorRecordInline]

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    def get_fields(self, request, obj=None):
        return ["upload", "format"] if obj is None else self.change_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.change_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("received from"))
    def acted_by(self, obj):
        return actor_text(obj.actor)


@admin.register(CollectorRecord)
class CollectorRecordAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["transaction_id", "account", "kind", "value_date", "amount", "payer_name", "file"]
    list_select_related = ["account", "file"]
    list_filter = ["kind", "value_date"]
    name_search_field = "payer_name"
    exact_search_field = "transaction_id"
    date_hierarchy = "value_date"
    fields = ["account", "file", "line", "transaction_id", "kind", "reverses", "value_date", "amount",
              "payer_account", "payer_name", "reference_text", "received_at"]
    readonly_fields = fields


@admin.register(RecordConflict)
class RecordConflictAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """A known record sent again with other figures: nothing was applied; a clerk asks the collector."""

    list_display = ["record", "amount", "value_date", "file", "line", "received_at"]
    list_select_related = ["record", "file"]
    name_search_field = None
    exact_search_field = "record__transaction_id"
    fields = ["record", "amount", "value_date", "file", "line", "received_at"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["record", "employer", "amount", "matched_by", "order", "payment", "applied_at"]
    list_select_related = ["record", "employer", "order", "payment"]
    list_filter = ["matched_by"]
    name_search_field = "employer__name"
    exact_search_field = "employer__uscc"
    fields = ["record", "employer", "amount", "matched_by", "order", "payment", "applied_at"]
    readonly_fields = fields


@admin.register(CollectorClient)
class CollectorClientAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The collector's API clients (issued by an operator: `manage.py collector_client_issue`)."""

    list_display = ["label", "region", "client_id", "issued_at", "revoked_at"]
    list_select_related = ["region", "application"]
    name_search_field = "label"
    fields = ["label", "region", "client_id", "issued_by", "issued_at", "revoked_at"]
    readonly_fields = fields

    @admin.display(description=_("client id"))
    def client_id(self, obj):
        return obj.application.client_id


# The screens of suspense and reconciliation, and the counter's payment orders (issue 22, item 1), have
# their own modules; importing them registers them.
from collection import orders_admin, suspense_admin  # noqa: E402, F401
