"""Clerks' screens for employer registration applications (Art. 57) and their vouchers.

A reviewer works the queue ordered by due date: the application page shows what was filed,
the vouchers (downloaded through a scope-checked view, never from MEDIA_URL) and a reason box
with the decisions the application's state allows; after a decision the next application in
the queue opens. A clerk at the counter enters an application on an applicant's behalf with
the add form, which files it through the same service as the API.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from agency.admin import due_badge
from agency.deadlines import deadline_due_on
from agency.models import Document, DocumentKind, Region
from agency.workbench_admin import due_filter, state_with_due
from common.access import scope, viewer_for_request
from common.admin import ScopedAdminMixin, ServiceForm, ServiceFormAdminMixin, problem_text
from common.display import actor_text, date_text, datetime_text, late_html, size_text
from common.problems import ApplicationError
from employers.hooks import employer_cancellation_blockers
from employers.models import (
    ApplicationKind,
    ApplicationState,
    Employer,
    EmployerDocumentKind,
    EmployerKind,
    RegistrationApplication,
)
from employers.services.registrations import (
    CHANGEABLE,
    TRANSITIONS,
    registration_approve,
    registration_reject,
    registration_return,
    registration_submit,
)
from employers.terms import RegistrationRule

SAFE_INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


_LABELS = {"employer_kind": _("kind of employer"), "established_on": _("establishment date"),
           "changed_on": _("date of the change or dissolution"), "reason": _("reason"),
           "uscc_override_reason": _("check character override reason")}


def _label(key: str):
    if key in _LABELS:
        return _LABELS[key]
    try:
        return Employer._meta.get_field(key).verbose_name
    except FieldDoesNotExist:
        return key


_DATE_KEYS = {"established_on", "changed_on", "event_date"}


def _shown(key: str, value):
    if key in ("employer_kind", "kind") and value in EmployerKind.values:
        return EmployerKind(value).label
    if key in _DATE_KEYS and value:
        return date_text(value)
    return "—" if value in ("", None) else value


def _decision_log(reason: str) -> list:
    """The history entry of a decision, in Django's structured form: the changed fields' names are
    msgids, so the history page reads in the reader's language ("已修改 状态 和 原因。")."""
    fields = ["state", "reason"] if reason.strip() else ["state"]
    return [{"changed": {"fields": fields}}]


# --- the counter: a clerk files on an applicant's behalf -----------------------------------------

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


_DOCUMENT_FIELDS = {"business_licence": EmployerDocumentKind.BUSINESS_LICENCE,
                    "application_form": DocumentKind.APPLICATION_FORM,
                    "cancellation_certificate": EmployerDocumentKind.CANCELLATION_CERTIFICATE}
# Form field -> field name the service reports errors under.
_ERROR_FIELDS = {"region_code": "region",
                 **{f"data.{f}": ("employer_kind" if f == "kind" else f) for f in CHANGEABLE}}


class RegistrationEntryForm(ServiceForm):
    """Filed through registration_submit with the clerk as actor; a refusal (duplicate, unknown
    employer, wrong check character) shows on the form, and no voucher stays behind."""

    error_fields = _ERROR_FIELDS

    kind = forms.ChoiceField(label=_("kind of application"), choices=ApplicationKind.choices,
                             initial=ApplicationKind.NEW)
    uscc = forms.CharField(label=_("unified social credit code"), max_length=40,
                           help_text=_("For a change or cancellation: the registered employer's code."))
    uscc_override_reason = forms.CharField(
        label=_("check character override reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("New registrations only: a real early code that fails the check character is accepted "
                    "with the reason recorded here."))
    region = forms.ModelChoiceField(label=_("pooling region"), queryset=Region.objects.none(), required=False,
                                    help_text=_("New registrations only."))
    name = forms.CharField(label=_("name"), max_length=200, required=False,
                           help_text=_("New: the registered name. Change: the new name, if it changes."))
    employer_kind = forms.ChoiceField(label=_("kind of employer"), required=False,
                                      choices=[("", "---------"), *EmployerKind.choices])
    established_on = forms.DateField(label=_("establishment date"), required=False, widget=AdminDateWidget)
    changed_on = forms.DateField(label=_("date of the change or dissolution"), required=False,
                                 widget=AdminDateWidget, help_text=_("Change and cancellation only."))
    contact_name = forms.CharField(label=_("contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("contact e-mail"), required=False)
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    risk_class = forms.IntegerField(label=_("work-injury risk class"), min_value=1, max_value=8, required=False)
    reason = forms.CharField(label=_("reason for cancellation"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    business_licence = forms.FileField(label=_("business licence"), required=False)
    application_form = forms.FileField(label=_("application form"), required=False)
    cancellation_certificate = forms.FileField(label=_("cancellation certificate"), required=False)
    other_documents = MultipleFileField(label=_("other documents"), required=False)

    class Meta:
        model = RegistrationApplication
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = scope(Region.objects.all(), viewer_for_request(self.request))
        self.fields["region"].queryset = regions
        if len(regions[:2]) == 1:
            self.fields["region"].initial = regions[0].pk

    def call_service(self, data, viewer):
        kind = data["kind"]
        documents = [(data[field], doc_kind) for field, doc_kind in _DOCUMENT_FIELDS.items() if data.get(field)]
        documents += [(file, DocumentKind.OTHER) for file in data.get("other_documents") or []]
        arguments = {"kind": kind, "actor": viewer, "uscc": data["uscc"],
                     "documents": documents}
        if kind == ApplicationKind.NEW:
            region = data.get("region")
            arguments.update(
                name=data["name"], employer_kind=data["employer_kind"], region_code=region.code if region else "",
                established_on=data.get("established_on"), contact_name=data["contact_name"],
                contact_phone=data["contact_phone"], contact_email=data["contact_email"], address=data["address"],
                risk_class=data.get("risk_class"), uscc_override_reason=data["uscc_override_reason"])
        elif kind == ApplicationKind.CHANGE:
            changes = {("kind" if field == "employer_kind" else field): data.get(field)
                       for field in ("name", "employer_kind", "contact_name", "contact_phone", "contact_email",
                                     "address", "risk_class")}
            arguments.update(changed_on=data.get("changed_on"),
                             changes={k: v for k, v in changes.items() if v not in (None, "")})
        else:
            arguments.update(changed_on=data.get("changed_on"), reason=data["reason"])
        application, token = registration_submit(**arguments)
        # The applicant needs the token to follow the application online.
        self.message = (messages.WARNING, _("Filed. Give the applicant the tracking token %(token)s with the "
                                            "application number %(id)s; it is shown only once.") %
                        {"token": token, "id": application.pk})
        return application


# --- the review queue -----------------------------------------------------------------------------

@admin.register(RegistrationApplication)
class RegistrationApplicationAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    # What is due and its state come right after the name: on screen even on a 1366-pixel display.
    list_display = ["name", "due", "state_now", "kind", "uscc", "received_at", "late_shown", "submissions", "region"]
    list_display_links = ["name"]
    list_select_related = ["region"]
    list_filter = [due_filter(RegistrationRule.REGISTRATION_REVIEW), "state", "kind", "late"]
    name_search_field = "name"
    exact_search_field = "uscc"
    actions = ["approve_selected"]
    change_fields = ["kind", "state", "uscc", "name", "region", "employer", "event_date", "received_at", "late_shown",
                     "submissions", "applicant_name", "due"]
    @admin.display(description=_("late"), ordering="late")
    def late_shown(self, obj):
        return late_html(obj.late)

    add_fieldsets = [
        (None, {"fields": ["kind", "uscc", "uscc_override_reason"]}),
        (_("New registration"), {"fields": ["region", "name", "employer_kind", "established_on"]}),
        (_("Change or cancellation"), {"fields": ["changed_on", "reason"],
                                       "description": _("For a change, fill in only the fields that change "
                                                        "(name, kind, contacts, address, risk class).")}),
        (_("Contacts and risk class"), {"fields": ["contact_name", "contact_phone", "contact_email", "address",
                                                   "risk_class"]}),
        (_("Vouchers"), {"fields": ["business_licence", "application_form", "cancellation_certificate",
                                    "other_documents"]}),
    ]

    # Rows: scoped, with the open deadline's due date, the nearest first.
    def get_queryset(self, request):
        return super().get_queryset(request).annotate(due_on=deadline_due_on(RegistrationApplication, rule=RegistrationRule.REGISTRATION_REVIEW))

    def get_ordering(self, request):
        return [F("due_on").asc(nulls_last=True), "received_at", "id"]

    @admin.display(description=_("due"), ordering="due_on")
    def due(self, obj):
        return due_badge(getattr(obj, "due_on", None))

    @admin.display(description=_("state"), ordering="state")
    def state_now(self, obj):
        """Overdue as soon as the due date passes, not only after the nightly sweep."""
        return state_with_due(obj.get_state_display(), getattr(obj, "due_on", None))

    # Permissions: applications are records; they change only through decisions.
    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return request.user.has_perm("employers.change_registrationapplication")

    # Add (the counter) and change (the review page) are two different forms.
    service_add_form = RegistrationEntryForm

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        fieldsets = [
            (None, {"fields": self.change_fields}),
            (_("Filed"), {"fields": ["filed_data", "vouchers"]}),
            (_("Decision"), {"fields": ["decided_by", "decided_at", "decision_reason", "history"]}),
        ]
        if obj.state in (ApplicationState.SUBMITTED, ApplicationState.RETURNED) and \
                self.has_change_permission(request, obj):
            fieldsets.append((_("Decide"), {"fields": ["decision_panel"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.change_fields, "filed_data", "vouchers", "decided_by", "decided_at", "decision_reason",
                "history", "decision_panel"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing on the page is edited in place: the decision buttons replace Save.
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    # What the reviewer reads.
    @admin.display(description=_("filed data"))
    def filed_data(self, obj):
        data = obj.data
        if obj.kind == ApplicationKind.CHANGE:
            employer = obj.employer
            rows = [(_label(field), _shown(field, getattr(employer, field, "")), _shown(field, value))
                    for field, value in data.get("changes", {}).items()]
            return format_html(
                '<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table><p>{}: {}</p>',
                _("field"), _("now"), _("requested"),
                format_html_join("", "<tr><td>{}</td><td>{}</td><td><strong>{}</strong></td></tr>", rows),
                _label("changed_on"), date_text(data.get("changed_on")))
        rows = [(_label(key), _shown(key, value)) for key, value in data.items() if key != "uscc_override_by"]
        table = format_html('<table>{}</table>', format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))
        if obj.kind == ApplicationKind.CANCELLATION and obj.employer_id:
            blockers = employer_cancellation_blockers(obj.employer_id)
            table = format_html('{}{}', table, format_html_join(
                "", '<p style="color:#ba2121">{}: {}</p>', ((b.label, b.count) for b in blockers)))
            if not blockers:
                table = format_html('{}<p>{}</p>', table, _("nothing open: the cancellation may be approved"))
        return table

    @admin.display(description=_("vouchers"))
    def vouchers(self, obj):
        documents = obj.documents.order_by("uploaded_at", "id")
        if not documents:
            return _("none filed")
        return format_html("<ul>{}</ul>", format_html_join(
            "", '<li><a href="{}">{}</a> — {}, {}, SHA-256 <code>{}</code>, {} {}</li>',
            ((reverse("admin:agency_document_download", args=[d.pk]), d.original_name, d.get_kind_display(),
              size_text(d.size), d.sha256, actor_text(d.uploaded_by), datetime_text(d.uploaded_at))
             for d in documents)))

    @admin.display(description=_("applicant"))
    def applicant_name(self, obj):
        return actor_text(obj.applicant)

    @admin.display(description=_("history"))
    def history(self, obj):
        """Every step, oldest first, from the append-only registration events."""
        steps = obj.registration_events.select_related("actor_user").order_by("recorded_at", "id")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("when"), _("step"), _("by"), _("reason"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
                (datetime_text(e.recorded_at), e.get_kind_display(),
                 str(e.actor_user) if e.actor_user else actor_text(e.actor), e.reason or "—") for e in steps)))

    @admin.display(description=_("decision"))
    def decision_panel(self, obj):
        url = reverse("admin:employers_registrationapplication_decide", args=[obj.pk])
        labels = {"approve": _("Approve"), "return": _("Return for correction"), "reject": _("Reject")}
        buttons = [(url, action, "default" if action == "approve" else "", label)
                   for action, label in labels.items() if action in TRANSITIONS[obj.state]]
        return format_html(
            '<textarea name="decision_reason" rows="3" cols="80" placeholder="{}"></textarea>'
            '<div style="margin-top:8px">{}</div>',
            _("Reason: required to reject or return (the applicant reads it); optional note on approval"),
            format_html_join(" ", '<button type="submit" formaction="{}" name="decision" value="{}" class="{}" '
                                  'style="padding:6px 14px">{}</button>', buttons))

    # Deciding.
    def get_urls(self):
        return [path("<path:object_id>/decide/", self.admin_site.admin_view(self.decide_view),
                     name="employers_registrationapplication_decide"), *super().get_urls()]

    def decide_view(self, request, object_id):
        application = self.get_object(request, unquote(object_id))
        if application is None or request.method != "POST" or not self.has_change_permission(request, application):
            raise Http404("No such application in your queue.")
        decision = request.POST.get("decision", "")
        reason = request.POST.get("decision_reason", "")
        here = reverse("admin:employers_registrationapplication_change", args=[application.pk])
        try:
            decided = self._decide(request, application, decision, reason)
        except ApplicationError as err:
            self.message_user(request, f"{application}: {problem_text(err)}", messages.ERROR)
            return HttpResponseRedirect(here)
        if decided is None:
            self.message_user(request, _("Choose approve, return or reject."), messages.ERROR)
            return HttpResponseRedirect(here)
        self.log_change(request, decided, _decision_log(reason))
        next_up = (self.get_queryset(request).filter(state=ApplicationState.SUBMITTED)
                   .order_by(*self.get_ordering(request)).first())
        if next_up is not None:
            self.message_user(request, _("Next in your queue: %(item)s") % {"item": next_up}, messages.INFO)
            return HttpResponseRedirect(reverse("admin:employers_registrationapplication_change",
                                                args=[next_up.pk]))
        return HttpResponseRedirect(reverse("admin:employers_registrationapplication_changelist"))

    def _decide(self, request, application, decision: str, reason: str):
        viewer = viewer_for_request(request)
        if decision == "approve":
            decided = registration_approve(application=application, actor=viewer, note=reason)
            self.message_user(request, self._approved_message(decided), messages.SUCCESS)
        elif decision == "reject":
            decided = registration_reject(application=application, actor=viewer, reason=reason)
            self.message_user(request, _("%(item)s: rejected.") % {"item": decided}, messages.SUCCESS)
        elif decision == "return":
            decided = registration_return(application=application, actor=viewer, reason=reason)
            self.message_user(request, _("%(item)s: returned for correction.") % {"item": decided},
                              messages.SUCCESS)
        else:
            return None
        return decided

    @staticmethod
    def _approved_message(application) -> str:
        employer = application.employer
        if application.kind == ApplicationKind.NEW:
            return _("%(item)s: approved; registration number %(number)s.") % {
                "item": application, "number": employer.registration_number}
        return _("%(item)s: approved.") % {"item": application}

    @admin.action(description=_("Approve selected applications"), permissions=["review"])
    def approve_selected(self, request, queryset):
        viewer = viewer_for_request(request)
        for application in queryset.order_by("pk"):
            try:
                decided = registration_approve(application=application, actor=viewer)
            except ApplicationError as err:
                self.message_user(request, f"{application}: {problem_text(err)}", messages.WARNING)
                continue
            self.log_change(request, decided, _decision_log(""))
            self.message_user(request, self._approved_message(decided), messages.SUCCESS)


# --- vouchers -------------------------------------------------------------------------------------

@admin.register(Document)
class DocumentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Original vouchers: read-only here and in the database (a trigger refuses UPDATE and DELETE)."""

    list_display = ["original_name", "kind", "region", "size_shown", "short_sha256", "uploader", "uploaded_at",
                    "download"]
    list_select_related = ["region"]
    list_filter = ["kind"]
    name_search_field = "original_name"
    exact_search_field = None
    fields = ["original_name", "kind", "region", "content_type", "size_shown", "sha256", "uploader", "uploaded_at",
              "download", "applications"]
    readonly_fields = fields

    @admin.display(description=_("size"), ordering="size")
    def size_shown(self, obj):
        return size_text(obj.size)

    @admin.display(description=_("uploaded by"), ordering="uploaded_by")
    def uploader(self, obj):
        return actor_text(obj.uploaded_by)

    def has_add_permission(self, request):
        return False  # vouchers arrive with what they support (an application, a declaration)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("SHA-256"))
    def short_sha256(self, obj):
        return format_html('<code title="{}">{}…</code>', obj.sha256, obj.sha256[:12])

    @admin.display(description=_("file"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:agency_document_download", args=[obj.pk]),
                           _("download"))

    @admin.display(description=_("registration applications"))
    def applications(self, obj):
        # A voucher and the applications it supports share their region, so the clerk sees them all.
        return format_html_join(", ", '<a href="{}">{}</a>', (
            (reverse("admin:employers_registrationapplication_change", args=[a.pk]), a)
            for a in obj.registration_applications.filter(region_id=obj.region_id))) or "—"

    def get_urls(self):
        return [path("<int:pk>/download/", self.admin_site.admin_view(self.download_view),
                     name="agency_document_download"), *super().get_urls()]

    def download_view(self, request, pk: int):
        document = self.get_queryset(request).filter(pk=pk).first()
        if document is None or not self.has_view_permission(request, document):
            raise Http404("No such voucher in your region.")
        digest = hashlib.sha256()
        with document.file.open("rb") as handle:
            for chunk in handle.chunks():
                digest.update(chunk)
        if digest.hexdigest() != document.sha256:
            self.message_user(request, _("The stored file of %(doc)s no longer matches its recorded SHA-256; report "
                                         "this to the administrator.") % {"doc": document}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:agency_document_change", args=[document.pk]))
        content_type = document.content_type if document.content_type in SAFE_INLINE_TYPES \
            else "application/octet-stream"
        response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                                content_type=content_type)
        response["X-Voucher-SHA256"] = document.sha256
        return response
