"""Clerks' screens for money: a payment (collected money, issue 22) and its receipt, read the
charges and allocations, the employers in arrears (largest first) with each one's arrears, and
confirm the months determined for late enrolments. All scoped to the clerk's region; every write
goes through the services."""

from __future__ import annotations

from datetime import date

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agency.deadlines import today_in_shanghai
from common.access import scope, viewer_for_request
from common.admin import ReadOnlyAdminMixin, ReadOnlyInline, ScopedAdminMixin, ServiceFormAdminMixin, problem_text
from common.display import actor_text
from common.problems import ApplicationError
from contributions.models import Allocation, Charge, ChargeKind, Payment
from contributions.models.payments import (
    Determination,
    DeterminationState,
    DeterminedMonth,
    EmployerArrears,
)
from contributions.selectors.payments import arrears_of, employers_in_arrears_visible, payment_receipt
from contributions.services.determinations import determination_confirm, determination_reject
from employers.models import Employer

# --- payments ---------------------------------------------------------------------------------------

class AllocationInline(ReadOnlyInline):
    model = Allocation
    fk_name = "payment"
    fields = ["charge", "charge_period", "amount", "effective_on", "settles_charge", "releases"]
    readonly_fields = fields

    @admin.display(description=_("period"))
    def charge_period(self, obj):
        return f"{obj.charge.period:%Y-%m}"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Payments are read here, never added: money counts when the collector reports it (issue 22,
    collection's feed); the form that recorded what a payer said is gone."""

    list_display = ["bank_reference", "employer", "amount", "paid_on", "channel", "recorded_at", "receipt_link"]
    list_select_related = ["employer"]
    list_filter = ["channel", "paid_on"]
    name_search_field = "employer__name"
    exact_search_field = "bank_reference"
    date_hierarchy = "paid_on"
    inlines = [AllocationInline]
    change_fields = ["employer", "bank_reference", "amount", "paid_on", "channel", "voucher", "note", "recorded_at",
                     "acted_by", "receipt_link"]
    export_fields = ("bank_reference", "employer__uscc", "employer__name", "amount", "paid_on", "channel")

    fields = change_fields
    readonly_fields = change_fields

    @admin.display(description=_("receipt"))
    def receipt_link(self, obj):
        if obj.pk is None:
            return "-"
        return format_html('<a href="{}" target="_blank">{}</a>',
                           reverse("admin:contributions_payment_receipt", args=[obj.pk]), _("print receipt"))

    def get_urls(self):
        return [path("<path:object_id>/receipt/", self.admin_site.admin_view(self.receipt_view),
                     name="contributions_payment_receipt")] + super().get_urls()

    @admin.display(description=_("recorded by"))
    def acted_by(self, obj):
        return actor_text(obj.actor)  # by name, never as its code

    def receipt_view(self, request, object_id):
        payment = self.get_queryset(request).select_related("employer", "employer__region").filter(
            pk=unquote(object_id)).first()
        if payment is None or not self.has_view_permission(request, payment):
            raise Http404
        receipt = payment_receipt(payment)
        for allocation in receipt.allocations:
            allocation["kind"] = ChargeKind(allocation["kind"]).label  # shown in words, not as the code
        return TemplateResponse(request, "admin/contributions/payment/receipt.html",
                                {"receipt": receipt, "payment": payment,
                                 "title": _("Payment receipt")})


# --- charges and allocations (read-only records) ----------------------------------------------------

class ChargeAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["employer", "period_month", "kind", "amount", "due_on", "fee_from", "created_at"]
    list_select_related = ["employer"]
    list_filter = ["kind", "period"]
    name_search_field = "employer__name"
    exact_search_field = "employer__uscc"
    export_fields = ("employer__uscc", "period", "kind", "amount", "due_on", "fee_from")
    # The actor is shown by name (common.display.actor_text), never as its code.
    fields = ["employer", "period_month", "kind", "declaration", "parent", "amount", "due_on", "fee_from",
              "created_at", "acted_by"]
    readonly_fields = fields

    @admin.display(description=_("acted by"))
    def acted_by(self, obj):
        return actor_text(obj.actor)

    @admin.display(description=_("period"), ordering="period")
    def period_month(self, obj):
        return f"{obj.period:%Y-%m}"


if not admin.site.is_registered(Charge):
    admin.site.register(Charge, ChargeAdmin)


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "employer", "charge", "payment", "credit", "amount", "effective_on", "settles_charge"]
    list_select_related = ["employer", "charge", "payment", "credit"]
    list_filter = ["settles_charge", "effective_on"]
    name_search_field = "employer__name"
    exact_search_field = "employer__uscc"
    fields = ["employer", "charge", "payment", "credit", "amount", "effective_on", "releases", "settles_charge",
              "created_at", "acted_by"]
    readonly_fields = fields

    @admin.display(description=_("recorded by"))
    def acted_by(self, obj):
        return actor_text(obj.actor)  # by name, never as its code


# --- employers in arrears -----------------------------------------------------------------------------

def _day(request) -> date:
    try:
        return date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return today_in_shanghai()


@admin.register(EmployerArrears)
class EmployerArrearsAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The clerk's list of employers in arrears, largest first, and each employer's arrears page."""

    def changelist_view(self, request, extra_context=None):
        viewer = viewer_for_request(request)
        on = _day(request)
        rows = employers_in_arrears_visible(viewer, on=on)[:500]
        names = {e.pk: e for e in scope(Employer.objects.filter(pk__in=[r["employer_id"] for r in rows]), viewer)}
        rows = [dict(r, employer=names[r["employer_id"]]) for r in rows if r["employer_id"] in names]
        context = {**self.admin_site.each_context(request), "title": _("Employers in arrears"), "rows": rows,
                   "on": on, "opts": self.model._meta, "has_view_permission": self.has_view_permission(request)}
        return TemplateResponse(request, "admin/contributions/employerarrears/change_list.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        viewer = viewer_for_request(request)
        employer = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if employer is None or not self.has_view_permission(request, employer):
            raise Http404
        on = _day(request)
        context = {
            **self.admin_site.each_context(request), "title": _("Arrears of %(name)s") % {"name": employer.name},
            "employer": employer, "on": on, "opts": self.model._meta,
            "arrears": arrears_of(viewer, employer_id=employer.pk, on=on),
            "charges": scope(Charge.objects.filter(employer=employer), viewer).order_by("-period", "-id")[:240],
            "payments": scope(Payment.objects.filter(employer=employer), viewer).order_by("-paid_on", "-id")[:120],
            "allocations": scope(Allocation.objects.filter(employer=employer), viewer)
                           .select_related("charge", "payment", "credit").order_by("-id")[:240],
        }
        return TemplateResponse(request, "admin/contributions/employerarrears/detail.html", context)


# --- Art. 58 determinations ---------------------------------------------------------------------------

class DeterminedMonthInline(admin.TabularInline):
    model = DeterminedMonth
    fields = ["period", "base", "employer_amount", "individual_amount", "pension_individual", "charge"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Determination)
class DeterminationAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ["person", "employer", "monthly_wage", "months_count", "state", "proposed_at"]
    list_select_related = ["person", "employer"]
    list_filter = ["state"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    inlines = [DeterminedMonthInline]
    readonly_fields = ["employment", "employer", "person", "region", "monthly_wage", "state", "proposed_at",
                       "decided_at", "decided_by", "decision_note", "decision_panel"]
    fields = readonly_fields
    actions = ["confirm_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("months"))
    def months_count(self, obj):
        return obj.months.count()

    @admin.display(description=_("decide"))
    def decision_panel(self, obj):
        if obj.state != DeterminationState.PENDING:
            return "-"
        url = reverse("admin:contributions_determination_decide", args=[obj.pk])
        return format_html(
            '<textarea name="note" rows="2" cols="80" placeholder="{}"></textarea><div style="margin-top:8px">'
            '<button type="submit" formaction="{}" name="decision" value="confirm" class="default" '
            'style="padding:6px 14px">{}</button> '
            '<button type="submit" formaction="{}" name="decision" value="reject" style="padding:6px 14px">{}</button>'
            '</div>', _("Note: required to reject"), url, _("Confirm: charge these months"), url, _("Reject"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [path("<path:object_id>/decide/", self.admin_site.admin_view(self.decide_view),
                     name="contributions_determination_decide")] + super().get_urls()

    def decide_view(self, request, object_id):
        determination = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if determination is None or request.method != "POST" or not self.has_change_permission(request, determination):
            raise Http404
        viewer = viewer_for_request(request)
        try:
            if request.POST.get("decision") == "reject":
                determination_reject(determination=determination, actor=viewer, note=request.POST.get("note", ""))
                self.message_user(request, _("%(item)s: rejected.") % {"item": determination}, messages.SUCCESS)
            else:
                charges = determination_confirm(determination=determination, actor=viewer,
                                                note=request.POST.get("note", ""))
                self.message_user(request, _("%(item)s: confirmed, %(count)d month(s) charged.") %
                                  {"item": determination, "count": len(charges)}, messages.SUCCESS)
        except ApplicationError as err:
            self.message_user(request, f"{determination}: {problem_text(err)}", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:contributions_determination_change", args=[determination.pk]))

    @admin.action(description=_("Confirm the selected determinations (charge the months)"),
                  permissions=["change"])
    def confirm_selected(self, request, queryset):
        viewer = viewer_for_request(request)
        for determination in queryset.filter(state=DeterminationState.PENDING):
            try:
                charges = determination_confirm(determination=determination, actor=viewer)
                self.message_user(request, _("%(item)s: confirmed, %(count)d month(s) charged.") %
                                  {"item": determination, "count": len(charges)}, messages.SUCCESS)
            except ApplicationError as err:
                self.message_user(request, f"{determination}: {problem_text(err)}", messages.WARNING)
