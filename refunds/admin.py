"""The clerks' workbench for refunds: the review queue (audit, liquidate), the payouts awaiting the
second approval (supervisors), the counter application (also for heirs) and the nationality notice.
Every action calls the same services as the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agency.admin import RegionTermsInline, due_badge
from agency.deadlines import deadline_due_on
from agency.models import DocumentKind
from common.access import scope, viewer_for_request
from common.admin import EventInline, ReadOnlyInline, ScopedAdminMixin, each_item_run
from common.display import actor_text, official_date, official_document
from common.identifiers import mask_document
from common.pdf import notice_pdf, pdf_response
from common.problems import ApplicationError
from insured.models import InsuredPerson
from refunds.models import (
    ELIGIBLE_REASONS,
    EmployerMerger,
    NationalityNotice,
    PayoutAwaitingApproval,
    Refund,
    RefundDocumentKind,
    RefundEvent,
    RefundHeir,
    RefundReason,
    RefundState,
    RefundTerms,
)
from refunds.services.refunds import (
    APPROVE_PERMISSION,
    STEP_RULE,
    WORK_PERMISSION,
    nationality_notice_serve,
    refund_apply,
    refund_audit,
    refund_liquidate,
    refund_payout_approve,
    refund_reject,
)
from refunds.terms import RefundRule


class HeirInline(ReadOnlyInline):
    model = RefundHeir
    # The second clerk approves payments to these accounts: they are on the page in full.
    fields = ["name", "document_shown", "relation", "share_shown", "amount", "bank_account"]
    readonly_fields = fields

    @admin.display(description=_("document number"))
    def document_shown(self, obj):
        return mask_document(obj.document_number)

    @admin.display(description=_("share"))
    def share_shown(self, obj):
        return f"{obj.share_numerator}/{obj.share_denominator}"


class RefundEventInline(EventInline):
    model = RefundEvent


class ValueForm(forms.Form):
    value = forms.CharField(max_length=64)


class ApplyForm(forms.Form):
    document_number = forms.CharField(label=_("document number"), max_length=30)
    reason = forms.ChoiceField(label=_("reason"), choices=[(r.value, r.label) for r in ELIGIBLE_REASONS])
    bank_account = forms.CharField(label=_("bank account"), max_length=40, required=False)
    heirs = forms.CharField(
        label=_("heirs"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("For a death: one heir a line: name, document number, share (e.g. 1/3), bank account."))
    document = forms.FileField(label=_("written application or certificate"), required=False)

    def heirs_rows(self) -> list[dict]:
        rows = []
        for line in self.cleaned_data["heirs"].splitlines():
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if not any(parts):
                continue
            parts += [""] * (4 - len(parts))
            numerator, _slash, denominator = parts[2].partition("/")
            rows.append({"name": parts[0], "document_number": parts[1], "share_numerator": numerator or "0",
                         "share_denominator": denominator or "1", "bank_account": parts[3]})
        return rows


class NoticeForm(forms.Form):
    document_number = forms.CharField(label=_("document number"), max_length=30)


def _form_page(modeladmin, request, *, title, form, submit_label, items=(), action="", show_payees=False):
    changelist = reverse(f"admin:refunds_{modeladmin.model._meta.model_name}_changelist")
    return TemplateResponse(request, "admin/refunds/form.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "form": form, "items": items,
        "action": action, "submit_label": submit_label, "cancel_url": changelist, "opts": modeladmin.model._meta,
        "show_payees": show_payees})


class RefundAdminBase(ScopedAdminMixin, admin.ModelAdmin):
    list_select_related = ["person", "prepared_by", "approved_by"]
    list_filter = ["state", "reason"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    inlines = [HeirInline, RefundEventInline]
    fields = ["person", "region", "reason", "state", "applied_on", "channel", "applied_by_shown", "payee_name",
              "bank_account", "note",
              "payout_month", "amount", "interest_credited", "prepared_by", "prepared_at", "approved_by",
              "approved_at", "bank_reference", "closed_on", "decision_note"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("due"), ordering="due_on")
    def due(self, obj):
        return due_badge(getattr(obj, "due_on", None))

    @admin.display(description=_("applied by"))
    def applied_by_shown(self, obj):
        return actor_text(obj.applied_by)

    def has_work_permission(self, request):
        return request.user.has_perm(WORK_PERMISSION)

    def has_approve_permission(self, request):
        return request.user.has_perm(APPROVE_PERMISSION)


@admin.register(Refund)
class RefundAdmin(RefundAdminBase):
    """The review queue: applications to audit, audited ones to liquidate."""

    list_display = ["person", "reason", "due", "state", "applied_on", "amount", "prepared_by", "approved_by"]
    actions = ["audit_selected", "reject_selected", "liquidate_selected"]
    change_list_template = "admin/refunds/refund/change_list.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        due = {state: STEP_RULE[state] for state in (RefundState.SUBMITTED, RefundState.AUDITED)}  # this queue's steps
        from django.db.models import Case, When

        return queryset.annotate(due_on=Case(*[When(state=state, then=deadline_due_on(Refund, rule=rule))
                                               for state, rule in due.items()])).order_by("due_on", "-id")

    def get_urls(self):
        return [path("apply/", self.admin_site.admin_view(self.apply_view), name="refunds_refund_apply"),
                *super().get_urls()]

    @admin.action(description=_("Audit: the documents are complete"), permissions=["work"])
    def audit_selected(self, request, queryset):
        viewer = viewer_for_request(request)
        each_item_run(self, request, queryset, lambda r: refund_audit(refund=r, actor=viewer),
              gettext("%(n)d refund(s) audited."))

    @admin.action(description=_("Reject selected refunds…"), permissions=["work"])
    def reject_selected(self, request, queryset):
        form = ValueForm(request.POST if "apply" in request.POST else None)
        form.fields["value"].label = _("Reason (sent to the applicant and kept on record)")
        if form.is_bound and form.is_valid():
            viewer = viewer_for_request(request)
            each_item_run(self, request, queryset,
                  lambda r: refund_reject(refund=r, actor=viewer, note=form.cleaned_data["value"]),
                  gettext("%(n)d refund(s) rejected."))
            return None
        return _form_page(self, request, title=_("Reject refunds"), form=form, items=queryset,
                          action="reject_selected", submit_label=_("Reject"))

    @admin.action(description=_("Liquidate: interest to this month, prepare the payout"), permissions=["work"])
    def liquidate_selected(self, request, queryset):
        viewer = viewer_for_request(request)
        each_item_run(self, request, queryset, lambda r: refund_liquidate(refund=r, actor=viewer),
              gettext("%(n)d refund(s) liquidated; another clerk approves the payout."))

    def changelist_view(self, request, extra_context=None):
        extra = {"may_apply": request.user.has_perm("refunds.add_refund"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def apply_view(self, request):
        if not request.user.has_perm("refunds.add_refund"):
            return HttpResponseRedirect(reverse("admin:refunds_refund_changelist"))
        form = ApplyForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            viewer = viewer_for_request(request)
            number = form.cleaned_data["document_number"].strip().upper()
            person = scope(InsuredPerson.objects.all(), viewer).filter(document_number=number).first()
            if person is None:
                form.add_error("document_number", gettext("No such person in your region."))
            else:
                upload = form.cleaned_data["document"]
                kind = (RefundDocumentKind.DEATH_CERTIFICATE if form.cleaned_data["reason"] == RefundReason.DEATH
                        else DocumentKind.APPLICATION_FORM)
                try:
                    refund = refund_apply(person=person, reason=form.cleaned_data["reason"], actor=viewer,
                                          channel="admin", bank_account=form.cleaned_data["bank_account"],
                                          heirs=form.heirs_rows(), documents=[(upload, kind)] if upload else [])
                except ApplicationError as err:
                    messages.error(request, "; ".join([str(err.detail)] + [str(e.get("message", "")) for e in err.errors]))
                else:
                    self.message_user(request, gettext("Refund application recorded: %(item)s") % {"item": refund},
                                      messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:refunds_refund_change", args=[refund.pk]))
        return _form_page(self, request, title=_("Record a refund application at the counter"), form=form,
                          submit_label=_("Record"))


@admin.register(PayoutAwaitingApproval)
class PayoutAwaitingApprovalAdmin(RefundAdminBase):
    """Supervisors: the payouts that wait for a second clerk, never the one who prepared them."""

    list_display = ["person", "reason", "due", "amount", "payout_month", "prepared_by", "prepared_at"]
    list_filter = ["reason"]
    actions = ["approve_selected"]

    def get_queryset(self, request):
        return (super().get_queryset(request).filter(state=RefundState.LIQUIDATED)
                .annotate(due_on=deadline_due_on(Refund, rule=RefundRule.REFUND_PAYOUT)).order_by("due_on", "id"))

    @admin.action(description=_("Approve the payout (second clerk)…"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        form = ValueForm(request.POST if "apply" in request.POST else None)
        form.fields["value"].label = _("bank reference")
        if form.is_bound and form.is_valid():
            viewer = viewer_for_request(request)
            each_item_run(self, request, queryset,
                  lambda r: refund_payout_approve(refund=r, actor=viewer, bank_reference=form.cleaned_data["value"]),
                  gettext("%(n)d payout(s) approved; the accounts are closed."))
            return None
        return _form_page(self, request, title=_("Approve payouts"), form=form,
                          items=queryset.select_related("person", "prepared_by").prefetch_related("heirs"),
                          action="approve_selected", submit_label=_("Approve"), show_payees=True)


@admin.register(NationalityNotice)
class NationalityNoticeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "person", "served_on", "served_by_shown", "print_link"]
    list_select_related = ["person"]
    fields = ["reference", "person", "served_on", "served_by_shown", "text"]
    readonly_fields = fields
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    change_list_template = "admin/refunds/nationalitynotice/change_list.html"

    @admin.display(description=_("served by"))
    def served_by_shown(self, obj):
        return actor_text(obj.served_by)

    @admin.display(description=_("letter"))
    def print_link(self, obj):
        from django.utils.html import format_html

        return format_html('<a href="{}">{}</a>', reverse("admin:refunds_nationalitynotice_pdf", args=[obj.pk]),
                           gettext("Print the letter"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("serve/", self.admin_site.admin_view(self.serve_view), name="refunds_nationalitynotice_serve"),
                path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="refunds_nationalitynotice_pdf"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"may_serve": request.user.has_perm("refunds.add_refund"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def serve_view(self, request):
        form = NoticeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            viewer = viewer_for_request(request)
            number = form.cleaned_data["document_number"].strip().upper()
            person = scope(InsuredPerson.objects.all(), viewer).filter(document_number=number).first()
            if person is None:
                form.add_error("document_number", gettext("No such person in your region."))
            else:
                try:
                    notice = nationality_notice_serve(person=person, actor=viewer)
                except ApplicationError as err:
                    messages.error(request, str(err.detail))
                else:
                    self.message_user(request, gettext("Notice %(ref)s served.") % {"ref": notice.reference},
                                      messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:refunds_nationalitynotice_changelist"))
        return _form_page(self, request, title=_("Serve the notice of the right to keep the account"), form=form,
                          submit_label=_("Serve"))

    def pdf_view(self, request, pk: int):
        notice = get_object_or_404(self.get_queryset(request), pk=pk)
        body = official_document(notice_pdf)(agency=notice.region.name, title="保留个人账户权利告知书", reference=notice.reference,
                          fields=[("姓名", notice.person.name),
                                  ("证件号码", mask_document(notice.person.document_number)),
                                  ("送达日期", official_date(notice.served_on))],
                          paragraphs=[notice.text])
        return pdf_response(body, f"{notice.reference}.pdf")


class MergerForm(forms.Form):
    predecessor = forms.CharField(label=_("merged employer"), max_length=18,
                                  help_text=_("Unified Social Credit Code"))
    successor = forms.CharField(label=_("successor employer"), max_length=18,
                                help_text=_("Unified Social Credit Code"))
    last_month = forms.DateField(label=_("last month at the merged employer"),
                                 help_text=_("Any day of the month; the successor pays from the next month."))


@admin.register(EmployerMerger)
class EmployerMergerAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["predecessor", "successor", "last_month", "staff_moved", "charges_moved", "recorded_at"]
    list_select_related = ["predecessor", "successor"]
    readonly_fields = list_display
    fields = list_display
    name_search_field = "predecessor__name"
    change_list_template = "admin/refunds/employermerger/change_list.html"

    def get_urls(self):
        return [path("merge/", self.admin_site.admin_view(self.merge_view), name="refunds_employermerger_merge"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"may_merge": request.user.has_perm("refunds.add_employermerger"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def merge_view(self, request):
        from employers.models import Employer
        from refunds.services.mergers import employer_merge

        form = MergerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            viewer = viewer_for_request(request)
            employers = {e.uscc: e for e in scope(Employer.objects.all(), viewer).filter(
                uscc__in=[form.cleaned_data["predecessor"].upper(), form.cleaned_data["successor"].upper()])}
            old = employers.get(form.cleaned_data["predecessor"].upper())
            new = employers.get(form.cleaned_data["successor"].upper())
            if old is None or new is None:
                form.add_error("predecessor" if old is None else "successor",
                               gettext("No such employer in your region."))
            else:
                try:
                    merger = employer_merge(predecessor=old, successor=new, last_month=form.cleaned_data["last_month"],
                                            actor=viewer)
                except ApplicationError as err:
                    messages.error(request, str(err.detail))
                else:
                    self.message_user(request, gettext("Merger recorded: %(n)d staff and %(c)d open charge(s) moved.")
                                      % {"n": merger.staff_moved, "c": merger.charges_moved}, messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:refunds_employermerger_changelist"))
        return _form_page(self, request, title=_("Record an employer merger"), form=form, submit_label=_("Record"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundTermsInline(RegionTermsInline):
    """This app's terms on the region's page (registered in its AppConfig.ready())."""

    model = RefundTerms
