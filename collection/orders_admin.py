"""The counter's screen of payment orders (issue 22, item 1): a clerk issues an order for an employer
of the region (all open charges, or chosen months), prints its Chinese PDF for the payer, and
withdraws an open one. Every write is a service call (collection/services/orders.py); the list is
scoped to the clerk's region."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from collection.documents import order_pdf
from collection.models import PaymentOrder, PaymentOrderCharge
from collection.services.orders import payment_order_cancel, payment_order_issue
from common.access import viewer_for_request
from common.admin import ReadOnlyInline, ScopedAdminMixin, ServiceForm, ServiceFormAdminMixin, each_item_run
from common.display import actor_text
from common.pdf import pdf_response
from common.problems import ValidationFailed

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PaymentOrderIssueForm(ServiceForm):
    """Issues through payment_order_issue: the amount, account, reference and validity are the service's."""

    periods = forms.CharField(label=_("months"), required=False,
                              help_text=_("YYYY-MM, separated by spaces or commas; empty: every open charge."))
    error_fields = {"employer_id": "employer"}

    class Meta:
        model = PaymentOrder
        fields = ["employer"]

    def clean_periods(self) -> list[date]:
        months = []
        for value in re.split(r"[\s,，]+", self.cleaned_data.get("periods") or ""):
            if not value:
                continue
            match = _MONTH.match(value)
            if match is None:
                raise forms.ValidationError(_("Use YYYY-MM."))
            months.append(date(int(match[1]), int(match[2]), 1))
        return months

    def call_service(self, data, viewer):
        try:
            return payment_order_issue(actor=viewer, employer_id=data["employer"].pk, periods=data["periods"] or None)
        except ValidationFailed as err:  # each month's error names "periods"
            for error in err.errors:
                if error.get("field", "").startswith("periods"):
                    error["field"] = "periods"
            raise


class PaymentOrderLineInline(ReadOnlyInline):
    model = PaymentOrderCharge
    fields = ["period", "kind", "due_on", "amount", "late_fee"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("collection.view_paymentorder")  # the lines are part of the order

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("charge")

    @admin.display(description=_("period"))
    def period(self, obj):
        return f"{obj.charge.period:%Y-%m}"

    @admin.display(description=_("kind"))
    def kind(self, obj):
        return obj.charge.get_kind_display()

    @admin.display(description=_("due on"))
    def due_on(self, obj):
        return obj.charge.due_on


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "employer", "amount", "issued_on", "valid_until", "state", "pdf_link"]
    list_select_related = ["employer"]
    list_filter = ["state", "issued_on"]
    name_search_field = "employer__name"
    exact_search_field = "reference"
    date_hierarchy = "issued_on"
    actions = ["cancel_orders"]
    detail_fields = ["reference", "employer", "state", "amount", "late_fee_per_day", "account", "issued_on",
                     "valid_until", "acted_by", "created_at", "pdf_link"]
    export_fields = ("reference", "employer__uscc", "employer__name", "amount", "issued_on", "valid_until", "state")
    service_add_form = PaymentOrderIssueForm

    def get_fields(self, request, obj=None):
        return ["employer", "periods"] if obj is None else self.detail_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.detail_fields

    def get_inlines(self, request, obj):
        return [PaymentOrderLineInline] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False  # an order is not edited; it is withdrawn (the action) and issued anew

    def has_delete_permission(self, request, obj=None):
        return False

    def has_cancel_permission(self, request):
        return request.user.has_perm("collection.change_paymentorder")

    def response_add(self, request, obj, post_url_continue=None):
        # The clerk hands the payer the order: show it (with its PDF link) rather than the list.
        return HttpResponseRedirect(reverse("admin:collection_paymentorder_change", args=[obj.pk]))

    @admin.action(description=_("Withdraw the selected open payment orders"), permissions=["cancel"])
    def cancel_orders(self, request, queryset):
        viewer = viewer_for_request(request)
        each_item_run(self, request, queryset.order_by("id"),
                      lambda order: payment_order_cancel(order_id=order.pk, actor=viewer),
                      _("%(n)s payment order(s) withdrawn."))

    @admin.display(description=_("requested by"))
    def acted_by(self, obj):
        return actor_text(obj.actor)

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        if obj.pk is None:
            return "-"
        return format_html('<a href="{}" target="_blank">{}</a>',
                           reverse("admin:collection_paymentorder_pdf", args=[obj.pk]), _("print the order"))

    def get_urls(self):
        return [path("<path:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view),
                     name="collection_paymentorder_pdf")] + super().get_urls()

    def pdf_view(self, request, object_id):
        order = (self.get_queryset(request).select_related("employer", "employer__region", "account")
                 .filter(pk=unquote(object_id)).first())
        if order is None or not self.has_view_permission(request, order):
            raise Http404
        return pdf_response(order_pdf(order), f"payment-order-{order.reference}.pdf")
