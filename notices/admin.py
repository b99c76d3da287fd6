"""The clerks' read-only screens of notices and alerts (their region's only): what was sent, when,
and what is uncertain (handed to the sender, never confirmed sent)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from notices.models import Alert, MonthlyNotice, NoticeEvent, NoticeRun


class SendingFilter(admin.SimpleListFilter):
    title = _("sending")
    parameter_name = "sending"

    def lookups(self, request, model_admin):
        return [("sent", _("sent")), ("waiting", _("waiting")), ("uncertain", _("uncertain")),
                ("failed", _("failed"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "sent":
            return queryset.filter(sent_at__isnull=False)
        if value == "waiting":
            return queryset.filter(sending_at__isnull=True, sent_at__isnull=True).exclude(channel="none")
        if value == "uncertain":
            return queryset.filter(sending_at__isnull=False, sent_at__isnull=True, error="")
        if value == "failed":
            return queryset.filter(sent_at__isnull=True).exclude(error="")
        return queryset


@admin.register(MonthlyNotice)
class MonthlyNoticeAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["month", "person", "base", "employer_total", "individual_total", "paid", "channel", "sent_at"]
    list_select_related = ["person"]
    list_filter = ["channel", "paid", SendingFilter]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    show_full_result_count = False


@admin.register(Alert)
class AlertAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["month", "kind", "person", "employer", "channel", "created_at", "sent_at"]
    list_select_related = ["person", "employer"]
    list_filter = ["kind", "channel", SendingFilter]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    show_full_result_count = False


@admin.register(NoticeRun)
class NoticeRunAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["month", "generated", "next_person_id", "started_at", "finished_at"]
    name_search_field = None


@admin.register(NoticeEvent)
class NoticeEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "kind", "person", "actor", "detail"]
    list_select_related = ["person"]
    list_filter = ["kind"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
