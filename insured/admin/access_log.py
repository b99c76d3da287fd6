from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import ScopedAdminMixin
from common.display import actor_text
from insured.models import RecordAccess


@admin.register(RecordAccess)
class RecordAccessAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Who looked at whose record (supervisors and auditors): the same rows the person reads at
    /api/v1/me/access-log."""

    list_display = ["at", "person", "kind", "who", "office", "detail"]
    list_select_related = ["person", "office"]
    list_filter = ["kind"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    readonly_fields = ["at", "person", "kind", "who", "office", "detail"]
    fields = readonly_fields

    @admin.display(description=_("who"))
    def who(self, obj):
        return actor_text(obj.actor)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
