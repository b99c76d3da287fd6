from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from common.admin import ScopedAdminMixin
from common.identifiers import IdentifierError, uscc_normalise
from employers.models import Employer, EmployerClient
from employers.services.clients import employer_client_issue, employer_client_revoke


class EmployerForm(forms.ModelForm):
    class Meta:
        model = Employer
        exclude = ["uscc_override_by"]

    def clean(self):
        data = super().clean()
        raw, reason = data.get("uscc", ""), (data.get("uscc_override_reason") or "").strip()
        try:
            data["uscc"] = uscc_normalise(raw)
        except IdentifierError as err:
            if err.code == "check_character" and reason:
                data["uscc"] = uscc_normalise(raw, allow_bad_check=True)  # recorded override
            elif err.code == "check_character":
                self.add_error("uscc", _("%(message)s If this is a real early code, record the reason for "
                                         "accepting it below.") % {"message": err.message})
            else:
                self.add_error("uscc", err.message)
        return data


@admin.register(Employer)
class EmployerAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = EmployerForm
    list_display = ["name", "uscc", "kind", "region", "registration_status", "registration_number",
                    "established_on"]
    list_select_related = ["region"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter), "registration_status", "kind"]
    search_fields = ["name"]
    exact_search_field = "uscc"
    readonly_fields = ["uscc_override_by", "created_at"]
    actions = ["issue_client"]
    export_fields = ("uscc", "name", "kind", "region__code", "registration_status", "registration_number",
                     "established_on", "contact_name", "contact_phone")
    fieldsets = [
        (None, {"fields": ["uscc", "name", "kind", "region", "established_on"]}),
        (_("Registration"), {"fields": ["registration_status", "registration_number", "registered_on"]}),
        (_("Work injury"), {"fields": ["risk_class", "risk_float_percent"]}),
        (_("Contacts"), {"fields": ["contact_name", "contact_phone", "contact_email", "address"]}),
        (_("Check character override"), {"classes": ["collapse"],
                                         "fields": ["uscc_override_reason", "uscc_override_by", "created_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if obj.uscc_override_reason and not obj.uscc_override_by_id:
            obj.uscc_override_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Issue a portal API client (the secret is shown once)"),
                  permissions=["issue_client"])
    def issue_client(self, request, queryset):
        for employer in queryset:
            try:
                client, secret = employer_client_issue(employer=employer, issued_by=request.user,
                                                       label=f"issued by {request.user.username}")
            except Exception as err:  # a domain refusal, reported per employer
                self.message_user(request, f"{employer.name}: {err}", messages.ERROR)
                continue
            self.message_user(request, _("%(employer)s: client_id %(id)s, client_secret %(secret)s — give it to "
                                         "the employer now; it cannot be shown again.") %
                              {"employer": employer.name, "id": client.application.client_id, "secret": secret},
                              messages.WARNING)

    def has_issue_client_permission(self, request):
        return request.user.has_perm("employers.add_employerclient")


@admin.register(EmployerClient)
class EmployerClientAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["employer", "client_id", "label", "issued_by", "issued_at", "revoked_at"]
    list_select_related = ["employer", "application", "issued_by"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["employer", "application", "label", "issued_by", "issued_at", "revoked_by", "revoked_at"]
    name_search_field = "employer__name"
    exact_search_field = "employer__uscc"
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # issued from the employer's page, so the secret is shown once

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("client id"))
    def client_id(self, obj):
        return obj.application.client_id

    @admin.action(description=_("Revoke (its tokens stop working at once)"), permissions=["change"])
    def revoke(self, request, queryset):
        for client in queryset:
            employer_client_revoke(client=client, revoked_by=request.user)
        self.message_user(request, _("%(n)d client(s) revoked.") % {"n": queryset.count()})
