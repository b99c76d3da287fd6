"""The clerks' workbench for suspensions and transfers: review queues, each step decided on its page.

Every button calls the same service as the API; the services check scope, permission and the step's
region themselves. The deadlines of the steps also appear in the deadlines' review queue (agency).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agency.admin import RegionTermsInline, due_badge
from agency.deadlines import deadline_due_on
from agency.models import DocumentKind
from agency.workbench import DUE_OVERDUE, DUE_SOON, DUE_UNDECIDED, due_condition, undecided_deadlines
from agency.workbench_admin import due_filter, due_lookups, state_with_due
from common.access import viewer_for_request
from common.admin import ReadOnlyAdminMixin, ScopedAdminMixin, each_item_run
from common.display import actor_text
from common.money import MoneyFormField
from common.problems import ApplicationError
from insured.models import Decision
from transfers.amounts import region_months
from transfers.documents import form_pdf, letter_pdf
from transfers.models import Suspension, SuspensionTerms, TemporaryAccount, Transfer, TransferEvent, TransferState
from transfers.rules import STEP_RULE, step_number, step_region
from transfers.services.suspensions import suspension_approve, suspension_reject
from transfers.services.transfers import (
    transfer_accept,
    transfer_complete,
    transfer_form_record,
    transfer_funds_record,
    transfer_out,
    transfer_refuse,
)
from transfers.terms import TransferRule


@admin.register(Suspension)
class SuspensionAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person", "due", "state_now", "reason", "region", "created_at", "decided_by"]
    list_select_related = ["person", "region", "decided_by"]
    list_filter = [due_filter(TransferRule.SUSPENSION_REVIEW), "state", "reason"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    actions = ["approve_selected", "reject_selected"]
    fields = ["person", "region", "relationship", "reason", "note", "state", "request_event", "documents",
              "decided_by", "decided_at", "decision_note", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            due_on=deadline_due_on(Suspension, rule=TransferRule.SUSPENSION_REVIEW)).order_by("due_on", "id")

    @admin.display(description=_("due"), ordering="due_on")
    def due(self, obj):
        return due_badge(obj.due_on)

    @admin.display(description=_("state"), ordering="state")
    def state_now(self, obj):
        return state_with_due(obj.get_state_display(), obj.due_on)

    def has_review_permission(self, request):
        return request.user.has_perm("transfers.change_suspension")

    @admin.action(description=_("Approve selected suspensions"), permissions=["review"])
    def approve_selected(self, request, queryset):
        viewer = viewer_for_request(request)
        each_item_run(self, request, queryset.filter(state=Decision.PENDING),
              lambda s: suspension_approve(suspension=s, actor=viewer, channel="admin"),
              _("%(n)d suspension(s) approved."))

    @admin.action(description=_("Reject selected suspensions…"), permissions=["review"])
    def reject_selected(self, request, queryset):
        pending = queryset.filter(state=Decision.PENDING)
        note = request.POST.get("note", "").strip()
        if "apply" in request.POST and note:
            viewer = viewer_for_request(request)
            each_item_run(self, request, pending,
                  lambda s: suspension_reject(suspension=s, actor=viewer, channel="admin", note=note),
                  _("%(n)d suspension(s) rejected."))
            return None
        return TemplateResponse(request, "admin/reason_form.html", {
            **self.admin_site.each_context(request), "title": _("Reject suspensions"), "items": pending,
            "action": "reject_selected", "opts": self.model._meta, "missing": "apply" in request.POST and not note})


class TransferEventInline(admin.TabularInline):
    model = TransferEvent
    extra = 0
    can_delete = False
    fields = ["recorded_at", "kind", "region", "actor_name", "note_text"]
    readonly_fields = fields

    @admin.display(description=_("actor"))
    def actor_name(self, obj):
        return actor_text(obj.actor)

    @admin.display(description=_("note"))
    def note_text(self, obj):
        return gettext(obj.note) if obj.note else "-"  # a system note is stored untranslated

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StepForm(forms.Form):
    """The inputs any step may take; each button uses the ones it needs, the service checks them."""

    reason = forms.CharField(label=_("reason for refusal"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    letter_number = forms.CharField(label=_("letter number"), required=False, max_length=40)
    account_amount = MoneyFormField(label=_("individual account (yuan)"), required=False, decimal_places=2)
    pooled_amount = MoneyFormField(label=_("pooled fund (yuan)"), required=False, decimal_places=2)
    months = forms.IntegerField(label=_("months of contribution"), required=False, min_value=0)
    bank_reference = forms.CharField(label=_("bank reference"), required=False, max_length=60)
    received_on = forms.DateField(label=_("funds received on"), required=False)
    resolution = forms.CharField(label=_("resolution of the difference"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(label=_("voucher (scanned document)"), required=False)


class TransferDueFilter(admin.SimpleListFilter):
    """`?due=overdue|soon|undecided` over the open step of each transfer (any of the three rules), through
    the partial index on undecided deadlines, as every queue's `due` filter."""

    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return due_lookups()

    def queryset(self, request, queryset):
        value = self.value()
        if value not in (DUE_OVERDUE, DUE_SOON, DUE_UNDECIDED):
            return queryset
        subjects = (undecided_deadlines(viewer_for_request(request))
                    .filter(rule__in=list(STEP_RULE.values()), subject_type=ContentType.objects.get_for_model(Transfer))
                    .filter(due_condition(value, today=timezone.localdate())).values("subject_id"))
        return queryset.filter(pk__in=subjects)


@admin.register(Transfer)
class TransferAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person", "due", "state_now", "step_here", "from_region", "to_region", "kind", "filed_on",
                    "step_link"]
    list_select_related = ["person", "from_region", "to_region"]
    list_filter = [TransferDueFilter, "state", "kind"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    inlines = [TransferEventInline]
    fields = ["person", "from_region", "to_region", "kind", "state", "filed_on", "channel", "letter_number",
              "letter_on", "decision_rule", "refusal_reason", "account_amount", "pooled_amount", "months",
              "pooled_months", "transferred_out_on", "received_account_amount", "received_pooled_amount",
              "bank_reference", "received_on", "difference_text", "difference_resolution", "completed_on",
              "documents", "step_link"]
    readonly_fields = ["difference_text", "step_link"]
    # Filled in step by step: a field still empty is left off the page (no wall of "-").
    ALWAYS_SHOWN = ("person", "from_region", "to_region", "kind", "state", "filed_on", "channel", "step_link")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            return fields
        shown = []
        for name in fields:
            if name in self.ALWAYS_SHOWN:
                shown.append(name)
            elif name == "documents":
                if obj.documents.exists():
                    shown.append(name)
            elif name == "difference_text":
                if obj.difference is not None:
                    shown.append(name)
            elif getattr(obj, name, None) not in (None, ""):
                shown.append(name)
        return shown

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-id")

    @admin.display(description=_("due"))
    def due(self, obj):
        rule = STEP_RULE.get(obj.state)
        return due_badge(deadline_due_on(obj, rule=rule)) if rule else "-"

    @admin.display(description=_("state"), ordering="state")
    def state_now(self, obj):
        rule = STEP_RULE.get(obj.state)
        return state_with_due(obj.get_state_display(), deadline_due_on(obj, rule=rule) if rule else None)

    @admin.display(description=_("step decided by"))
    def step_here(self, obj):
        region = step_region(obj)
        return f"{step_number(obj)}: {region}" if region else "-"

    @admin.display(description=_("difference received - announced"))
    def difference_text(self, obj):
        return "-" if obj.difference is None else f"{obj.difference:.2f}"

    @admin.display(description=_("decide the step"))
    def step_link(self, obj):
        if obj.pk is None:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("admin:transfers_transfer_step", args=[obj.pk]),
                           _("Open the step"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:object_id>/step/", view(self.step_view), name="transfers_transfer_step"),
                path("<int:object_id>/letter.pdf", view(self.letter_view), name="transfers_transfer_letter"),
                path("<int:object_id>/form.pdf", view(self.form_view), name="transfers_transfer_form"),
                *super().get_urls()]

    def _visible(self, request, object_id) -> Transfer:
        transfer = self.get_queryset(request).filter(pk=object_id).first()
        if transfer is None:
            raise Http404
        return transfer

    def letter_view(self, request, object_id):
        transfer = self._visible(request, object_id)
        if not transfer.letter_on:
            raise Http404
        return HttpResponse(letter_pdf(transfer), content_type="application/pdf")

    def form_view(self, request, object_id):
        transfer = self._visible(request, object_id)
        if not transfer.form:
            raise Http404
        return HttpResponse(form_pdf(transfer), content_type="application/pdf")

    def step_view(self, request, object_id):
        transfer = self._visible(request, object_id)
        form = StepForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                self._decide(request, transfer, request.POST.get("op", ""), form.cleaned_data)
                self.message_user(request, _("The step is recorded."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:transfers_transfer_step", args=[transfer.pk]))
            except ApplicationError as err:
                self.message_user(request, err.detail, messages.ERROR)
        transfer = self._visible(request, object_id)
        preview = None
        if transfer.state == TransferState.ACCEPTED and not transfer.from_region.external:
            preview = region_months(person_id=transfer.person_id, region_id=transfer.from_region_id,
                                    until=transfer.filed_on.replace(day=1))
        return TemplateResponse(request, "admin/transfers/step.html", {
            **self.admin_site.each_context(request), "title": _("Transfer step"), "transfer": transfer,
            "opts": self.model._meta, "form": form, "step": step_number(transfer), "step_region": step_region(transfer),
            "preview": preview, "may_decide": request.user.has_perm("transfers.change_transfer")})

    def _decide(self, request, transfer: Transfer, op: str, data: dict) -> None:
        viewer = viewer_for_request(request)
        documents = [(data["document"], DocumentKind.OTHER)] if data.get("document") else []
        common = {"transfer": transfer, "actor": viewer, "channel": "admin"}
        if op == "accept":
            transfer_accept(**common, letter_number=data.get("letter_number") or "", documents=documents)
        elif op == "refuse":
            transfer_refuse(**common, reason=data.get("reason") or "")
        elif op == "out":
            transfer_out(**common)
        elif op == "form":
            transfer_form_record(**common, account_amount=data.get("account_amount") or 0,
                                 pooled_amount=data.get("pooled_amount") or 0, months=data.get("months") or 0,
                                 documents=documents)
        elif op == "funds":
            from common.problems import ValidationFailed

            if data.get("received_on") is None or data.get("account_amount") is None:
                raise ValidationFailed.field("received_on", "required",
                                             str(_("Give the amounts, the bank reference and the day received.")))
            transfer_funds_record(**common, account_amount=data["account_amount"],
                                  pooled_amount=data.get("pooled_amount") or 0,
                                  bank_reference=data.get("bank_reference") or "", received_on=data["received_on"],
                                  documents=documents)
        elif op == "complete":
            transfer_complete(**common, resolution=data.get("resolution") or "")
        else:
            raise Http404


@admin.register(TemporaryAccount)
class TemporaryAccountAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person", "region", "rule", "opened_on", "closed_on"]
    list_select_related = ["person", "region"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"


class SuspensionTermsInline(RegionTermsInline):
    """This app's terms on the region's page (registered in its AppConfig.ready())."""

    model = SuspensionTerms
