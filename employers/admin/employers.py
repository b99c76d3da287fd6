from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agency.admin import RegionTermsInline
from common.access import viewer_for_request
from common.admin import ScopedAdminMixin, ServiceForm, ServiceFormAdminMixin
from common.display import user_text
from employers.employer_file import employer_file_urls
from employers.models import Employer, EmployerClient, PortalScopes, RegistrationTerms
from employers.services.clients import employer_client_issue, employer_client_revoke
from employers.services.employers import CONTACT_FIELDS, employer_update


class EmployerContactForm(ServiceForm):
    """The only fields edited on an employer's page, through employer_update; everything the
    registration decides is read-only (it changes through a registration application, Art. 57)."""

    contact_name = forms.CharField(label=_("contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("contact e-mail"), required=False)
    address = forms.CharField(label=_("address"), max_length=300, required=False)

    class Meta:
        model = Employer
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in CONTACT_FIELDS:
            self.initial.setdefault(field, getattr(self.instance, field))

    def call_service(self, data, viewer):
        if not self.has_changed():
            return self.instance
        return employer_update(employer=self.instance, actor=viewer,
                               **{field: data.get(field) or "" for field in self.changed_data})


class EmployerClientIssueForm(ServiceForm):
    """A clerk issues a portal client with the scopes they choose (employer_client_issue); the
    secret is shown once, in the message after the save."""

    scopes = forms.ChoiceField(label=_("scopes"), choices=PortalScopes.choices, initial=PortalScopes.READ,
                               widget=forms.RadioSelect,
                               help_text=_("Read only: the portal reads the employer's records and files nothing. "
                                           "Read and write: it also files enrolments, reductions and declarations."))

    class Meta:
        model = EmployerClient
        fields = ["employer", "label", "scopes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].initial = _("issued by %(name)s") % {"name": user_text(self.request.user)}

    def call_service(self, data, viewer):
        client, secret = employer_client_issue(employer=data["employer"], actor=viewer, label=data.get("label") or "",
                                               scopes=data["scopes"])
        self.message = (messages.WARNING, _(
            "%(employer)s: client_id %(id)s, client_secret %(secret)s — give it to the employer now; it cannot be "
            "shown again.") % {"employer": client.employer.name, "id": client.application.client_id,
                                 "secret": secret})
        return client


@admin.register(Employer)
class EmployerAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ["name", "uscc", "kind", "region", "registration_status", "registration_number",
                    "established_on", "file_link"]
    list_select_related = ["region"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter), "registration_status", "kind"]
    search_fields = ["name"]
    exact_search_field = "uscc"
    actions = ["issue_client"]
    export_fields = ("uscc", "name", "kind", "region__code", "registration_status", "registration_number",
                     "established_on", "contact_name", "contact_phone")
    registration_fields = ["uscc", "name", "kind", "region", "established_on", "registration_status",
                           "registration_number", "registered_on", "risk_class", "risk_float_percent",
                           "uscc_override_reason", "uscc_override_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["uscc", "name", "kind", "region", "established_on"]}),
        (_("Registration"), {"fields": ["registration_status", "registration_number", "registered_on"],
                             "description": _("Registered, changed and cancelled only through a registration "
                                              "application and its review (Employers → Registration "
                                              "applications).")}),
        (_("Work injury"), {"fields": ["risk_class", "risk_float_percent"]}),
        (_("Contacts"), {"fields": ["contact_name", "contact_phone", "contact_email", "address"]}),
        (_("Check character override"), {"classes": ["collapse"],
                                         "fields": ["uscc_override_reason", "uscc_override_by", "created_at"]}),
    ]

    # An employer enters the registry when its registration is approved; the counter files one.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a cancellation is a registration application too

    service_form = EmployerContactForm

    def get_readonly_fields(self, request, obj=None):
        return self.registration_fields

    @admin.display(description=_("file"))
    def file_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:employers_employer_file", args=[obj.pk]),
                           _("open file"))

    def get_urls(self):
        return [*employer_file_urls(self), *super().get_urls()]  # the employer's file (employers/employer_file.py)

    @admin.action(description=_("Issue a portal API client (the secret is shown once)"),
                  permissions=["issue_client"])
    def issue_client(self, request, queryset):
        """To the issue form, with the employer chosen: the clerk picks the scopes there."""
        employers = list(queryset.values_list("pk", flat=True)[:2])
        if len(employers) != 1:
            self.message_user(request, _("Choose one employer: each client is issued on its own form."),
                              messages.ERROR)
            return None
        return HttpResponseRedirect(f"{reverse('admin:employers_employerclient_add')}?employer={employers[0]}")

    def has_issue_client_permission(self, request):
        return request.user.has_perm("employers.add_employerclient")


@admin.register(EmployerClient)
class EmployerClientAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ["employer", "client_id", "label", "scopes", "issued_by", "issued_at", "revoked_at"]
    list_select_related = ["employer", "application", "issued_by"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "scopes"]
    readonly_fields = ["employer", "application", "label", "scopes", "issued_by", "issued_at", "revoked_by",
                       "revoked_at"]
    name_search_field = "employer__name"
    exact_search_field = "employer__uscc"
    actions = ["revoke"]
    service_add_form = EmployerClientIssueForm  # the secret is shown once, after the save

    def has_add_permission(self, request):
        return request.user.has_perm("employers.add_employerclient")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("client id"))
    def client_id(self, obj):
        return obj.application.client_id

    @admin.action(description=_("Revoke (its tokens stop working at once)"), permissions=["change"])
    def revoke(self, request, queryset):
        for client in queryset:
            employer_client_revoke(client=client, actor=viewer_for_request(request))
        self.message_user(request, _("%(n)d client(s) revoked.") % {"n": queryset.count()})


class RegistrationTermsInline(RegionTermsInline):
    """This app's terms on the region's page (registered in its AppConfig.ready())."""

    model = RegistrationTerms
