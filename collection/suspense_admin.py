"""Clerks' screens of suspense and of the daily reconciliation (issue 22, items 4 and 7), imported by
collection/admin.py. The suspense list shows the region's items with their age; an item's page
takes the clerk's decision (assign, approve or refuse a proposed assignment, return to the payer)
through one ServiceForm that calls the services of collection/services/suspense.py. The
reconciliation list shows each day's figures as the nightly check recorded them."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collection.models import ReconciliationDay, SuspenseItem, SuspenseReason, SuspenseState
from collection.reconciliation import days_with_difference, latest_checks
from collection.services.suspense import (
    APPROVE_PERMISSION,
    WORK_PERMISSION,
    suspense_approve,
    suspense_assign,
    suspense_refuse,
    suspense_return,
)
from collection.suspense import OPEN_STATES, SUSPENSE
from common.access import scope, viewer_for_request
from common.admin import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceForm, ServiceFormAdminMixin
from common.problems import ValidationFailed
from employers.models import Employer

DECISIONS = {"assign": _("assign to the employer (a second clerk approves above the region's sum)"),
             "approve": _("approve the proposed assignment"),
             "refuse": _("refuse the proposed assignment"),
             "return": _("return the money to the payer")}


class SuspenseDecisionForm(ServiceForm):
    """One decision on a suspense item; the steps offered are those the SUSPENSE machine allows."""

    decision = forms.ChoiceField(label=_("decision"), choices=[])
    employer_uscc = forms.CharField(label=_("employer's USCC"), max_length=18, required=False,
                                    help_text=_("For an assignment: the employer the money belongs to."))
    return_transfer = forms.CharField(label=_("reference of the return transfer"), max_length=64, required=False,
                                      help_text=_("For a return: the bank's reference of the transfer to the payer."))
    decision_note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    error_fields = {"employer": "employer_uscc", "note": "decision_note", "return_reference": "return_transfer"}

    class Meta:
        model = SuspenseItem
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        state = self.instance.state if self.instance.pk else SuspenseState.WAITING
        offered = [action for action in SUSPENSE.available(state) if action in DECISIONS]
        if self.instance.pk and self.instance.reason == SuspenseReason.REVERSAL_UNAPPLIED:
            offered = [action for action in offered if action == "return"]
        self.fields["decision"].choices = [(action, DECISIONS[action]) for action in offered]

    def call_service(self, data: dict, viewer):
        item, decision, note = self.instance, data["decision"], data.get("decision_note", "")
        if decision == "assign":
            uscc = (data.get("employer_uscc") or "").strip().upper()
            employer = scope(Employer.objects.all(), viewer).filter(uscc=uscc).first() if uscc else None
            if uscc and employer is None:
                raise ValidationFailed.field("employer", "not_found", gettext("No such employer in your region."))
            item = suspense_assign(item=item, employer=employer, actor=viewer, note=note)
            if item.state == SuspenseState.ASSIGNMENT_PROPOSED:
                self.message = (25, gettext("Assignment proposed; another clerk approves it."))
            return item
        if decision == "approve":
            return suspense_approve(item=item, actor=viewer, note=note)
        if decision == "refuse":
            return suspense_refuse(item=item, actor=viewer, note=note)
        return suspense_return(item=item, return_reference=data.get("return_transfer", ""), actor=viewer, note=note)


class OpenFilter(admin.SimpleListFilter):
    title = _("still in suspense")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("waiting or proposed")), ("0", _("decided"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(state__in=OPEN_STATES)
        if self.value() == "0":
            return queryset.exclude(state__in=OPEN_STATES)
        return queryset


@admin.register(SuspenseItem)
class SuspenseItemAdmin(ServiceFormAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    service_change_form = SuspenseDecisionForm
    list_display = ("transaction_id", "value_date", "amount", "age", "reason", "state", "payer_name",
                    "reference_text", "proposed_employer")
    list_filter = (OpenFilter, "state", "reason", ("account", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("record", "account", "proposed_employer")
    name_search_field = "record__payer_name"
    exact_search_field = "record__transaction_id"
    info = ("account", "transaction_id", "value_date", "amount", "reason", "state", "entered_on", "payer_name",
            "payer_account", "reference_text", "proposed_employer", "proposed_by", "proposed_at",
            "assigned_to", "decided_by", "decided_at", "return_reference", "note")
    readonly_fields = info

    def get_fieldsets(self, request, obj=None):
        sets = [(None, {"fields": self.info})]
        if obj is not None and self.has_change_permission(request, obj):
            sets.append((_("Decision"), {"fields": ("decision", "employer_uscc", "return_transfer",
                                                    "decision_note")}))
        return sets

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        user = request.user
        if not (user.has_perm(WORK_PERMISSION) or user.has_perm(APPROVE_PERMISSION)):
            return False
        return obj is None or obj.state in OPEN_STATES

    @admin.display(description=_("collector's transaction id"), ordering="record__transaction_id")
    def transaction_id(self, obj):
        return obj.record.transaction_id

    @admin.display(description=_("value date"), ordering="record__value_date")
    def value_date(self, obj):
        return obj.record.value_date

    @admin.display(description=_("payer's name"))
    def payer_name(self, obj):
        return obj.record.payer_name

    @admin.display(description=_("payer's account"))
    def payer_account(self, obj):
        return obj.record.payer_account

    @admin.display(description=_("reference text"))
    def reference_text(self, obj):
        return obj.record.reference_text

    @admin.display(description=_("assigned to"))
    def assigned_to(self, obj):
        return obj.application.employer if obj.application_id else ""

    @admin.display(description=_("age (days)"), ordering="entered_on")
    def age(self, obj):
        days = (timezone.localdate() - obj.entered_on).days
        if obj.state in OPEN_STATES:
            return days
        return "–"


class CheckFilter(admin.SimpleListFilter):
    title = _("check")
    parameter_name = "check"

    def lookups(self, request, model_admin):
        return [("latest", _("latest check of each day")), ("difference", _("days that do not reconcile"))]

    def queryset(self, request, queryset):
        viewer = viewer_for_request(request)
        if self.value() == "latest":
            return queryset.filter(pk__in=latest_checks(viewer).values("pk"))
        if self.value() == "difference":
            return queryset.filter(pk__in=days_with_difference(viewer).values("pk"))
        return queryset


@admin.register(ReconciliationDay)
class ReconciliationDayAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The day's figures: collected = allocated + employer credit + suspense + returned + reversed."""

    list_display = ("value_date", "account", "collected", "allocated", "credit", "suspense", "returned", "reversed",
                    "difference_shown", "checked_at")
    list_filter = (CheckFilter, ("account", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "value_date"
    name_search_field = None
    list_select_related = ("account",)

    @admin.display(description=_("difference"), ordering="difference")
    def difference_shown(self, obj):
        if obj.difference:
            return format_html('<span class="overdue">{}</span>', obj.difference)
        return obj.difference


