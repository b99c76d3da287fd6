"""Persons' apps (OAuth 2 authorization code with PKCE): a superuser registers and revokes them;
clerks read the list."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from common.access import viewer_for_request
from common.admin import ScopedAdminMixin, ServiceForm, ServiceFormAdminMixin, each_item_run
from insured.models import PersonApp
from insured.services.apps import person_app_register, person_app_revoke


class PersonAppForm(ServiceForm):
    redirect_uris = forms.CharField(label=_("redirect URIs"), widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("One absolute https:// address a line, matched exactly."))

    class Meta:
        model = PersonApp
        fields = ["name"]

    def call_service(self, data, viewer):
        app = person_app_register(name=data["name"], redirect_uris=data["redirect_uris"].split(), actor=viewer)
        self.message = (messages.SUCCESS, _("%(name)s: client_id %(id)s (a public client: it has no secret).")
                        % {"name": app.name, "id": app.application.client_id})
        return app


@admin.register(PersonApp)
class PersonAppAdmin(ServiceFormAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "client_id", "redirect_uris", "registered_by", "registered_at", "revoked_at"]
    list_select_related = ["application", "registered_by"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["name", "client_id", "redirect_uris", "registered_by", "registered_at", "revoked_by",
                       "revoked_at"]
    fields = readonly_fields
    service_add_form = PersonAppForm
    actions = ["revoke"]

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False  # registered or revoked, never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["name", "redirect_uris"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description=_("client id"))
    def client_id(self, obj):
        return obj.application.client_id

    @admin.display(description=_("redirect URIs"))
    def redirect_uris(self, obj):
        return obj.application.redirect_uris

    @admin.action(description=_("Revoke (its tokens stop working at once)"), permissions=["revoke"])
    def revoke(self, request, queryset):
        viewer = viewer_for_request(request)
        each_item_run(self, request, queryset, lambda app: person_app_revoke(app=app, actor=viewer),
                      _("%(n)d app(s) revoked."))

    def has_revoke_permission(self, request):
        return request.user.is_active and request.user.is_superuser
