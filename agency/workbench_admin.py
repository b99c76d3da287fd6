"""Admin pieces of the workbench that every queue shares: the `due` list filter the home page's
counts link to, and the state a clerk reads (overdue as soon as the due date has passed)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agency.workbench import DUE_OVERDUE, DUE_SOON, DUE_UNDECIDED, due_condition, undecided_deadlines
from common.access import viewer_for_request


def due_lookups():
    return [(DUE_OVERDUE, _("overdue")), (DUE_SOON, _("due within the reminder window")),
            (DUE_UNDECIDED, _("all under review"))]


def due_filter(rule: str):
    """A list filter `?due=overdue|soon|undecided` for the queue of the items under `rule`: it keeps
    the items whose undecided deadline matches, found through the partial index on undecided
    deadlines (a subquery on subject ids), never by reading every item's deadline."""

    class DueFilter(admin.SimpleListFilter):
        title = _("due")
        parameter_name = "due"

        def lookups(self, request, model_admin):
            return due_lookups()

        def queryset(self, request, queryset):
            value = self.value()
            if value not in (DUE_OVERDUE, DUE_SOON, DUE_UNDECIDED):
                return queryset
            subjects = (undecided_deadlines(viewer_for_request(request))
                        .filter(rule=rule, subject_type=ContentType.objects.get_for_model(queryset.model))
                        .filter(due_condition(value, today=timezone.localdate())).values("subject_id"))
            return queryset.filter(pk__in=subjects)

    DueFilter.__name__ = f"DueFilter_{rule}"
    return DueFilter


def overdue_tag():
    return format_html('<span class="state-overdue">{}</span>', _("overdue"))


def state_with_due(label, due_on, today=None):
    """A state label, followed by an 'overdue' tag when the item is undecided past its due date
    (`due_on` is the undecided deadline's date, None once decided)."""
    today = today or timezone.localdate()
    if due_on is not None and due_on < today:
        return format_html("{} {}", label, overdue_tag())
    return label
