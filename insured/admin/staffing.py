"""Clerks' review queues for staffing (staff reductions, pending enrolments) and the read-only records."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agency.admin import RegionTermsInline, due_badge
from agency.deadlines import deadline_due_on
from agency.workbench_admin import due_filter, state_with_due
from common.access import viewer_for_request
from common.admin import ReadOnlyAdminMixin, ScopedAdminMixin, each_item_run
from common.display import actor_text, late_html
from insured.models import (
    Decision,
    Employment,
    EventKind,
    InsuranceRelationship,
    RelationshipEvent,
    SeparationReason,
    StaffingTerms,
    StaffReduction,
)
from insured.services.staffing import enrolment_confirm, staff_reduction_confirm, staff_reduction_reject
from insured.terms import StaffingRule


@admin.register(StaffReduction)
class StaffReductionAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # What is due and its state come first: on screen even on a 1366-pixel display.
    list_display = ["person", "employer", "due", "state_now", "last_day", "reason", "created_at", "decided_by"]
    list_select_related = ["person", "employer", "decided_by"]
    list_filter = [due_filter(StaffingRule.STAFF_REDUCTION_REVIEW), "state", "reason",
                   ("employer", admin.RelatedOnlyFieldListFilter)]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    actions = ["confirm_selected", "reject_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(due_on=deadline_due_on(StaffReduction, rule=StaffingRule.STAFF_REDUCTION_REVIEW)).order_by("due_on", "id")

    @admin.display(description=_("due"), ordering="due_on")
    def due(self, obj):
        return due_badge(obj.due_on)

    @admin.display(description=_("state"), ordering="state")
    def state_now(self, obj):
        """Overdue as soon as the due date passes, not only after the nightly sweep."""
        return state_with_due(obj.get_state_display(), obj.due_on)

    def has_review_permission(self, request):
        return request.user.has_perm("insured.change_staffreduction")

    @admin.action(description=_("Confirm selected staff reductions"), permissions=["review"])
    def confirm_selected(self, request, queryset):
        viewer = viewer_for_request(request)
        # Read before confirming: afterwards the confirmed ones would look "already decided" too.
        decided_before = list(queryset.exclude(state=Decision.PENDING))
        each_item_run(self, request, queryset.filter(state=Decision.PENDING),
              lambda r: staff_reduction_confirm(reduction=r, actor=viewer, channel="admin"),
              _("%(n)d staff reduction(s) confirmed."))
        for decided in decided_before:
            self.message_user(request, _("%(item)s was already %(state)s.") %
                              {"item": decided, "state": decided.get_state_display()}, messages.WARNING)

    @admin.action(description=_("Reject selected staff reductions…"), permissions=["review"])
    def reject_selected(self, request, queryset):
        pending = queryset.filter(state=Decision.PENDING)
        note = request.POST.get("note", "").strip()
        if "apply" in request.POST and note:
            viewer = viewer_for_request(request)
            each_item_run(self, request, pending,
                  lambda r: staff_reduction_reject(reduction=r, actor=viewer, channel="admin", note=note),
                  _("%(n)d staff reduction(s) rejected."))
            return None
        return TemplateResponse(request, "admin/reason_form.html", {
            **self.admin_site.each_context(request), "title": _("Reject staff reductions"), "items": pending,
            "action": "reject_selected", "opts": self.model._meta,
            "missing": "apply" in request.POST and not note})


@admin.register(RelationshipEvent)
class RelationshipEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # No region column: a clerk sees one region; the detail page names it. (Fits 1366 pixels.)
    list_display = ["recorded_at", "kind", "decision", "person", "employer", "effective_date", "late_shown", "channel",
                    "actor_name"]
    list_select_related = ["person", "employer", "region"]
    list_filter = [due_filter(StaffingRule.ENROLMENT_REVIEW), "kind", "decision", "late", "channel"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    actions = ["confirm_enrolments"]
    fields = ["kind", "person", "employer", "region", "employment", "relationship", "decides", "effective_date",
              "recorded_at", "actor_name", "channel", "decision", "reason_text", "note_text", "late_shown", "details_text",
              "documents"]
    readonly_fields = ["actor_name", "reason_text", "note_text", "details_text", "late_shown"]

    @admin.display(description=_("filed late"), ordering="late")
    def late_shown(self, obj):
        return late_html(obj.late)
    DETAIL_LABELS = {"monthly_wage": _("monthly wage")}

    @admin.display(description=_("actor"), ordering="actor")
    def actor_name(self, obj):
        return actor_text(obj.actor)

    @admin.display(description=_("reason"))
    def reason_text(self, obj):
        if obj.reason in SeparationReason.values:
            return SeparationReason(obj.reason).label
        return obj.reason or "—"

    @admin.display(description=_("note"))
    def note_text(self, obj):
        # The notes the system writes are msgids (gettext_noop in insured/services/staffing.py), rows
        # before that included: shown in the reader's language. A clerk's own note is shown as typed.
        return gettext(obj.note) if obj.note else "—"

    @admin.display(description=_("details"))
    def details_text(self, obj):
        if not obj.details:
            return "—"
        return format_html_join(format_html("<br>"), "{}: {}", (
            (self.DETAIL_LABELS.get(key, key), value) for key, value in obj.details.items()))

    def has_review_permission(self, request):
        return request.user.has_perm("insured.change_staffreduction")

    @admin.action(description=_("Confirm selected pending enrolments"), permissions=["review"])
    def confirm_enrolments(self, request, queryset):
        viewer = viewer_for_request(request)
        each_item_run(self, request, queryset.filter(kind=EventKind.ENROLMENT, decision=Decision.PENDING),
              lambda e: enrolment_confirm(event=e, actor=viewer, channel="admin"),
              _("%(n)d enrolment(s) confirmed."))


@admin.register(Employment)
class EmploymentAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person", "employer", "start_date", "end_date", "monthly_wage", "enrolled_late_shown"]
    list_select_related = ["person", "employer"]
    list_filter = [("end_date", admin.EmptyFieldListFilter), "enrolled_late"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"

    @admin.display(description=_("enrolled more than 30 days after the start"), ordering="enrolled_late")
    def enrolled_late_shown(self, obj):
        return late_html(obj.enrolled_late)


@admin.register(InsuranceRelationship)
class InsuranceRelationshipAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person", "region", "state", "opened_on", "state_since"]
    list_select_related = ["person", "region"]
    list_filter = ["state"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"


class StaffingTermsInline(RegionTermsInline):
    """This app's terms on the region's page (registered in its AppConfig.ready())."""

    model = StaffingTerms
