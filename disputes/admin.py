"""The clerks' screens of disputes and corrections, in Chinese: the dispute queue with its due badge, a
dispute's page with the decision (ServiceForm), the counter filing (also for a proxy), the corrections
(proposal) and the second clerk's approval. Every form calls the same services as the API."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountEntry
from agency.admin import RegionTermsInline, due_badge
from common.access import scope
from common.admin import (
    EventInline,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    ScopedAdminMixin,
    ServiceForm,
    ServiceFormAdminMixin,
)
from common.display import actor_text
from common.problems import ValidationFailed
from disputes.models import (
    OPEN_STATES,
    Correction,
    CorrectionAwaitingApproval,
    CorrectionEvent,
    CorrectionKind,
    CorrectionRequest,
    CorrectionRequestEvent,
    CorrectionRequestState,
    CorrectionState,
    Dispute,
    DisputeEvent,
    DisputeTerms,
    SubjectKind,
)
from disputes.services.corrections import (
    APPROVE_PERMISSION,
    CORRECTION,
    PROPOSE_PERMISSION,
    correction_approve,
    correction_propose,
    correction_reject,
)
from disputes.services.disputes import (
    DECIDE_PERMISSION,
    DISPUTE,
    FILE_PERMISSION,
    Proxy,
    dispute_decide_confirmed,
    dispute_decide_corrected,
    dispute_file,
    dispute_review_start,
    dispute_withdraw,
)
from disputes.services.requests import (
    CORRECTION_REQUEST,
    REQUEST_PERMISSION,
    correction_request_send,
    correction_request_withdraw,
)
from disputes.terms import DisputeRule
from employers.models import Employer
from insured.models import InsuredPerson

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(value: str, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    match = _MONTH.match(value)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValidationFailed.field(field, "invalid", gettext("Give the month as YYYY-MM, e.g. 2025-03."))
    return date(int(match[1]), int(match[2]), 1)


def _person(viewer, number: str) -> InsuredPerson:
    person = scope(InsuredPerson.objects.all(), viewer).filter(document_number=(number or "").strip().upper()).first()
    if person is None:
        raise ValidationFailed.field("document_number", "not_found", gettext("No such person in your region."))
    return person


def _employer(viewer, uscc: str) -> Employer | None:
    uscc = (uscc or "").strip().upper()
    if not uscc:
        return None
    employer = scope(Employer.objects.all(), viewer).filter(uscc=uscc).first()
    if employer is None:
        raise ValidationFailed.field("employer", "not_found", gettext("No such employer in your region."))
    return employer


class HistoryInlinesMixin:
    """The history inlines are read-only: a decision saved on the page changes none of their rows, so the
    change message names the decision alone."""

    def construct_change_message(self, request, form, formsets, add=False):
        return super().construct_change_message(request, form, [], add)


class MonthShownMixin:
    """A contribution month shows as a month (2025-08), never as the first day the DateField holds."""

    @admin.display(description=_("month"), ordering="month")
    def month_shown(self, obj):
        return f"{obj.month:%Y-%m}" if obj.month else "—"


class DisputeEventInline(EventInline):
    model = DisputeEvent


class CorrectionInline(ReadOnlyInline):
    model = Correction
    fields = ["kind", "effect", "state", "reason", "proposed_at"]
    readonly_fields = fields


class DisputeCounterForm(ServiceForm):
    """A dispute filed at the counter, by the person or by a proxy with a written authorisation."""

    document_number = forms.CharField(label=_("document number"), max_length=30)
    subject_kind = forms.ChoiceField(label=_("what is disputed"), choices=SubjectKind.choices)
    month_text = forms.CharField(label=_("month (YYYY-MM)"), max_length=7, required=False)
    employer_uscc = forms.CharField(label=_("employer's USCC"), max_length=18, required=False)
    entry_id = forms.IntegerField(label=_("account entry id"), required=False, min_value=1)
    year = forms.IntegerField(label=_("statement year"), required=False, min_value=1992, max_value=9999)
    account_text = forms.CharField(label=_("the person's account"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.FileField(label=_("evidence"), required=False)
    proxy_name = forms.CharField(label=_("proxy's name"), max_length=100, required=False)
    proxy_document = forms.CharField(label=_("proxy's document number"), max_length=30, required=False)
    proxy_authorisation = forms.FileField(label=_("the proxy's written authorisation"), required=False)

    error_fields = {"month": "month_text", "employer": "employer_uscc", "entry": "entry_id", "proxy": "proxy_name",
                    "proxy.authorisation": "proxy_authorisation"}

    class Meta:
        model = Dispute
        fields: list[str] = []

    def call_service(self, data: dict, viewer):
        person = _person(viewer, data["document_number"])
        proxy = None
        if data.get("proxy_name") or data.get("proxy_document") or data.get("proxy_authorisation"):
            proxy = Proxy(name=data.get("proxy_name", ""), document_number=data.get("proxy_document", ""),
                          authorisation=data.get("proxy_authorisation"))
        evidence = data.get("evidence")
        return dispute_file(person=person, subject_kind=data["subject_kind"],
                            month=_month(data.get("month_text", ""), "month"),
                            employer=_employer(viewer, data.get("employer_uscc", "")),
                            entry=data.get("entry_id"), year=data.get("year"), account_text=data["account_text"],
                            documents=[(evidence, None)] if evidence else [], proxy=proxy, actor=viewer)


DECISIONS = {"review": _("take under review"), "confirm": _("confirm as recorded (letter with the reasons)"),
             "correct": _("corrected (the corrections of this dispute are applied)"),
             "withdraw": _("withdrawn by the person")}


class DisputeDecisionForm(ServiceForm):
    decision = forms.ChoiceField(label=_("decision"), choices=[])
    reasons = forms.CharField(label=_("reasons"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    class Meta:
        model = Dispute
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        state = self.instance.state if self.instance.pk else "filed"
        self.fields["decision"].choices = [(a, DECISIONS[a]) for a in DISPUTE.available(state)]

    def call_service(self, data: dict, viewer):
        dispute, decision = self.instance, data["decision"]
        if decision == "review":
            return dispute_review_start(dispute=dispute, actor=viewer)
        if decision == "confirm":
            return dispute_decide_confirmed(dispute=dispute, reasons=data.get("reasons", ""), actor=viewer)
        if decision == "correct":
            return dispute_decide_corrected(dispute=dispute, reasons=data.get("reasons", ""), actor=viewer)
        return dispute_withdraw(dispute=dispute, actor=viewer)


class DueFirstChangeList(ChangeList):
    """The queue's order, the earliest due first, unless the clerk sorts by a column (the change list
    orders by the admin's ordering, not by the queryset's, and `due_on` is an annotation)."""

    def get_ordering(self, request, queryset):
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["due_on", "-id"]


CHANNELS = {"online": _("online (the person)"), "counter": _("at the counter")}


class OpenFilter(admin.SimpleListFilter):
    title = _("open")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("open")), ("0", _("decided"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(state__in=OPEN_STATES)
        if self.value() == "0":
            return queryset.exclude(state__in=OPEN_STATES)
        return queryset


@admin.register(Dispute)
class DisputeAdmin(MonthShownMixin, HistoryInlinesMixin, ServiceFormAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    service_add_form = DisputeCounterForm
    service_change_form = DisputeDecisionForm
    list_display = ["person", "subject_kind", "subject_shown", "state", "filed_on", "channel_shown", "due"]
    list_filter = [OpenFilter, "state", "subject_kind"]
    list_select_related = ["person", "employer"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    inlines = [CorrectionInline, DisputeEventInline]
    info = ["person", "region", "subject_kind", "month_shown", "employer", "entry", "year", "account_text", "state",
            "filed_on", "filed_by_shown", "channel_shown", "proxy_name", "proxy_document", "documents", "decision_reasons",
            "decided_at", "decided_by", "letter_number", "letter"]
    readonly_fields = info

    def get_queryset(self, request):
        from agency.deadlines import deadline_due_on

        return super().get_queryset(request).annotate(
            due_on=deadline_due_on(Dispute, rule=DisputeRule.DISPUTE_REVIEW)).order_by("due_on", "-id")

    def get_changelist(self, request, **kwargs):
        return DueFirstChangeList

    @admin.display(description=_("channel"), ordering="channel")
    def channel_shown(self, obj):
        return CHANNELS.get(obj.channel, obj.channel)

    @admin.display(description=_("filed by"))
    def filed_by_shown(self, obj):
        return actor_text(obj.filed_by)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["document_number", "subject_kind", "month_text", "employer_uscc", "entry_id",
                                       "year", "account_text", "evidence"]}),
                    (_("Proxy"), {"fields": ["proxy_name", "proxy_document", "proxy_authorisation"]})]
        sets = [(None, {"fields": self.info})]
        if self.has_change_permission(request, obj):
            sets.append((_("Decision"), {"fields": ["decision", "reasons"]}))
        return sets

    def get_readonly_fields(self, request, obj=None):
        return self.info if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_add_permission(self, request):
        return request.user.has_perm(FILE_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(DECIDE_PERMISSION) and (obj is None or obj.state in OPEN_STATES)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("subject"))
    def subject_shown(self, obj):
        return obj.subject_text()

    @admin.display(description=_("due"), ordering="due_on")
    def due(self, obj):
        return due_badge(getattr(obj, "due_on", None)) if obj.state in OPEN_STATES else "—"


class CorrectionProposeForm(ServiceForm):
    document_number = forms.CharField(label=_("document number"), max_length=30)
    dispute_id = forms.IntegerField(label=_("dispute id"), required=False, min_value=1)
    correction_kind = forms.ChoiceField(label=_("what is corrected"), choices=CorrectionKind.choices)
    amount_value = forms.DecimalField(label=_("amount of the correcting entry"), required=False, max_digits=14,
                                      decimal_places=2)
    month_text = forms.CharField(label=_("month (YYYY-MM)"), max_length=7, required=False)
    employer_uscc = forms.CharField(label=_("employer's USCC"), max_length=18, required=False)
    wage_value = forms.DecimalField(label=_("corrected monthly wage"), required=False, max_digits=14, decimal_places=2)
    reason_text = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))

    error_fields = {"month": "month_text", "employer": "employer_uscc", "amount": "amount_value",
                    "wage": "wage_value", "reason": "reason_text", "dispute": "dispute_id", "kind": "correction_kind"}

    class Meta:
        model = Correction
        fields: list[str] = []

    def call_service(self, data: dict, viewer):
        person = _person(viewer, data["document_number"])
        dispute = Dispute(pk=data["dispute_id"]) if data.get("dispute_id") else None
        correction = correction_propose(
            person=person, kind=data["correction_kind"], reason=data["reason_text"], dispute=dispute,
            amount=data.get("amount_value"), month=_month(data.get("month_text", ""), "month"),
            employer=_employer(viewer, data.get("employer_uscc", "")), wage=data.get("wage_value"), actor=viewer)
        if correction.state == CorrectionState.PROPOSED:
            self.message = (25, gettext("Correction proposed; another clerk approves it."))
        return correction


APPROVALS = {"approve": _("approve and apply (second clerk)"), "reject": _("reject")}


class CorrectionDecisionForm(ServiceForm):
    decision = forms.ChoiceField(label=_("decision"), choices=[])
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Correction
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        state = self.instance.state if self.instance.pk else CorrectionState.PROPOSED
        self.fields["decision"].choices = [(a, APPROVALS[a]) for a in CORRECTION.available(state) if a in APPROVALS]

    def call_service(self, data: dict, viewer):
        if data["decision"] == "approve":
            return correction_approve(correction=self.instance, actor=viewer)
        return correction_reject(correction=self.instance, note=data.get("note", ""), actor=viewer)


class CorrectionEventInline(EventInline):
    model = CorrectionEvent


@admin.register(Correction)
class CorrectionAdmin(MonthShownMixin, HistoryInlinesMixin, ServiceFormAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    service_add_form = CorrectionProposeForm
    service_change_form = CorrectionDecisionForm
    list_display = ["person", "kind", "effect", "month_shown", "state", "needs_second", "final_period", "dispute",
                    "proposed_at"]
    list_filter = ["state", "kind", "needs_second", "final_period"]
    list_select_related = ["person", "dispute"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    inlines = [CorrectionEventInline]
    info = ["person", "region", "dispute", "kind", "amount", "wage", "effect", "month_shown", "employer", "reason", "state",
            "needs_second", "final_period", "proposed_by", "proposed_at", "approved_by", "applied_at",
            "written_type", "written_id"]
    approve_permission = APPROVE_PERMISSION

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["document_number", "dispute_id", "correction_kind", "amount_value",
                                       "month_text", "employer_uscc", "wage_value", "reason_text"]})]
        sets = [(None, {"fields": self.info})]
        if self.has_change_permission(request, obj):
            sets.append((_("Approval"), {"fields": ["decision", "note"]}))
        return sets

    def get_readonly_fields(self, request, obj=None):
        return self.info if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_add_permission(self, request):
        return request.user.has_perm(PROPOSE_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return (request.user.has_perm(self.approve_permission)
                and (obj is None or obj.state == CorrectionState.PROPOSED))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CorrectionAwaitingApproval)
class CorrectionAwaitingApprovalAdmin(CorrectionAdmin):
    """The second clerks' list: proposals above the region's amount or of a final period."""

    list_display = ["person", "kind", "effect", "month_shown", "final_period", "dispute", "proposed_by", "proposed_at"]
    list_filter = ["kind", "final_period"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(state=CorrectionState.PROPOSED).order_by("proposed_at")

    def has_add_permission(self, request):
        return False


class CorrectionRequestSendForm(ServiceForm):
    document_number = forms.CharField(label=_("document number"), max_length=30)
    employer_uscc = forms.CharField(label=_("employer's USCC"), max_length=18)
    month_text = forms.CharField(label=_("month (YYYY-MM)"), max_length=7)
    dispute_id = forms.IntegerField(label=_("dispute id"), required=False, min_value=1)
    reason_text = forms.CharField(label=_("what the employer is asked to correct"),
                                  widget=forms.Textarea(attrs={"rows": 3}))

    error_fields = {"month": "month_text", "employer": "employer_uscc", "reason": "reason_text",
                    "dispute": "dispute_id", "person": "document_number"}

    class Meta:
        model = CorrectionRequest
        fields: list[str] = []

    def call_service(self, data: dict, viewer):
        person = _person(viewer, data["document_number"])
        employer = _employer(viewer, data["employer_uscc"])
        return correction_request_send(
            employer=employer, person=person, month=_month(data["month_text"], "month"), reason=data["reason_text"],
            dispute=Dispute(pk=data["dispute_id"]) if data.get("dispute_id") else None, actor=viewer)


class CorrectionRequestWithdrawForm(ServiceForm):
    note = forms.CharField(label=_("reason for withdrawing"), widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = CorrectionRequest
        fields: list[str] = []

    def call_service(self, data: dict, viewer):
        return correction_request_withdraw(request=self.instance, note=data["note"], actor=viewer)


class CorrectionRequestEventInline(EventInline):
    model = CorrectionRequestEvent


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(MonthShownMixin, HistoryInlinesMixin, ServiceFormAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Requests to employers for a correction filing: open ones by deadline; a page withdraws one."""

    service_add_form = CorrectionRequestSendForm
    service_change_form = CorrectionRequestWithdrawForm
    list_display = ["employer", "person", "month_shown", "state", "due", "dispute", "requested_on"]
    list_filter = ["state"]
    list_select_related = ["employer", "person", "dispute"]
    name_search_field = "employer__name"
    exact_search_field = "person__document_number"
    inlines = [CorrectionRequestEventInline]
    info = ["employer", "person", "month_shown", "dispute", "reason", "state", "requested_on", "due_on",
            "sequence_at_request", "declaration", "requested_by", "closed_at"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["document_number", "employer_uscc", "month_text", "dispute_id",
                                       "reason_text"]})]
        sets = [(None, {"fields": self.info})]
        if self.has_change_permission(request, obj):
            sets.append((_("Withdraw"), {"fields": ["note"]}))
        return sets

    def get_readonly_fields(self, request, obj=None):
        return self.info if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_add_permission(self, request):
        return request.user.has_perm(REQUEST_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return (request.user.has_perm(REQUEST_PERMISSION)
                and (obj is None or "withdraw" in CORRECTION_REQUEST.available(obj.state)))

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file by"), ordering="due_on")
    def due(self, obj):
        return due_badge(obj.due_on) if obj.state == CorrectionRequestState.OPEN else obj.due_on


@admin.register(DisputeEvent)
class DisputeEventAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["dispute", "kind", "recorded_at"]
    list_filter = ["kind"]
    name_search_field = None


class DisputeTermsInline(RegionTermsInline):
    """This app's terms on the region's page (registered in its AppConfig.ready())."""

    model = DisputeTerms


__all__ = ["AccountEntry"]  # the entry a dispute names is shown by its id on the page
