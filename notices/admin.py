"""The clerks' read-only screens of notices and alerts (their region's only): what was sent, when,
and what is uncertain (handed to the sender, never confirmed sent)."""

from __future__ import annotations

from django.contrib import admin

from common.admin import OutboxStateFilter, ReadOnlyAdminMixin, ScopedAdminMixin
from notices.models import Alert, MonthlyNotice, NoticeEvent, NoticeRun


@admin.register(MonthlyNotice)
class MonthlyNoticeAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["month", "person", "base", "employer_total", "individual_total", "paid", "channel", "sent_at"]
    list_select_related = ["person"]
    list_filter = ["channel", "paid", OutboxStateFilter]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    show_full_result_count = False


@admin.register(Alert)
class AlertAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["month", "kind", "person", "employer", "channel", "created_at", "sent_at"]
    list_select_related = ["person", "employer"]
    list_filter = ["kind", "channel", OutboxStateFilter]
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
