from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agency.models import Region
from common.access import scope, viewer_for_request
from common.admin import ScopedAdminMixin, ServiceForm, ServiceFormAdminMixin, each_item_run
from common.identifiers import mask_document
from insured.access_log import record_access_log
from insured.logins import (
    ISSUE_PERMISSION,
    letter_context,
    person_activation_issue,
    person_login_link,
    person_login_unlink,
)
from insured.models import (
    DocumentType,
    HukouType,
    InsuredPerson,
    PersonLogin,
    RecordAccessKind,
    Sex,
    StatementDelivery,
)
from insured.person_file import person_file_urls
from insured.services.persons import UPDATABLE, person_register, person_update


class PersonEntryForm(ServiceForm):
    """Registers through person_register with the clerk as actor; a refusal (duplicate, wrong
    check character) shows on the form."""

    error_fields = {"region_code": "region"}

    document_type = forms.ChoiceField(label=_("document type"), choices=DocumentType.choices,
                                      initial=DocumentType.RESIDENT_ID)
    document_number = forms.CharField(label=_("document number"), max_length=30)
    name = forms.CharField(label=_("name"), max_length=100)
    birth_date = forms.DateField(label=_("date of birth"), required=False, widget=AdminDateWidget,
                                 help_text=_("Only for documents that do not give it."))
    sex = forms.ChoiceField(label=_("sex"), required=False, choices=[("", "---------"), *Sex.choices],
                            help_text=_("Only for documents that do not give it."))
    nationality = forms.CharField(label=_("nationality"), max_length=3, initial="CHN")
    region = forms.ModelChoiceField(label=_("insured in region"), queryset=Region.objects.none())
    hukou_region_code = forms.CharField(label=_("household registration region"), max_length=6, required=False)
    hukou_type = forms.ChoiceField(label=_("household registration type"), choices=HukouType.choices,
                                   initial=HukouType.URBAN)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    postal_address = forms.CharField(label=_("postal address"), max_length=300, required=False)
    statement_delivery = forms.ChoiceField(label=_("statement delivery"), choices=StatementDelivery.choices,
                                           initial=StatementDelivery.ONLINE)

    class Meta:
        model = InsuredPerson
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = scope(Region.objects.all(), viewer_for_request(self.request))
        self.fields["region"].queryset = regions
        if len(regions[:2]) == 1:
            self.fields["region"].initial = regions[0].pk

    def call_service(self, data, viewer):
        return person_register(actor=viewer, **{k: v for k, v in data.items() if v not in (None, "")})


class PersonUpdateForm(ServiceForm):
    """Changes through person_update (contact details, statement channel, household registration,
    a corrected name); the identity and the region are read-only here."""

    name = forms.CharField(label=_("name"), max_length=100)
    nationality = forms.CharField(label=_("nationality"), max_length=3)
    hukou_region_code = forms.CharField(label=_("household registration region"), max_length=6, required=False)
    hukou_type = forms.ChoiceField(label=_("household registration type"), choices=HukouType.choices)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    postal_address = forms.CharField(label=_("postal address"), max_length=300, required=False)
    statement_delivery = forms.ChoiceField(label=_("statement delivery"), choices=StatementDelivery.choices)

    class Meta:
        model = InsuredPerson
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in UPDATABLE:
            self.initial.setdefault(field, getattr(self.instance, field))

    def call_service(self, data, viewer):
        if not self.has_changed():
            return self.instance
        return person_update(person=self.instance, actor=viewer,
                             **{field: data.get(field) or "" for field in self.changed_data})


@admin.register(InsuredPerson)
class InsuredPersonAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ["name", "masked_document", "sex", "birth_date", "region", "statement_delivery", "file_link"]
    list_select_related = ["region"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter), "document_type", "statement_delivery", "sex"]
    search_fields = ["name"]
    exact_search_field = "document_number"
    export_fields = ("masked_document", "name", "sex", "birth_date", "region__code", "statement_delivery")
    identity_fields = ["document_type", "document_number", "sex", "birth_date", "region", "created_at"]
    add_fieldsets = [
        (None, {"fields": ["document_type", "document_number", "name", "birth_date", "sex", "nationality",
                           "region"]}),
        (_("Household registration"), {"fields": ["hukou_region_code", "hukou_type"]}),
        (_("Contacts and statements"), {"fields": ["phone", "email", "postal_address", "statement_delivery"]}),
    ]
    change_fieldsets = [
        (None, {"fields": ["document_type", "document_number", "name", "sex", "birth_date", "nationality",
                           "region", "created_at"]}),
        (_("Household registration"), {"fields": ["hukou_region_code", "hukou_type"]}),
        (_("Contacts and statements"), {"fields": ["phone", "email", "postal_address", "statement_delivery"]}),
    ]

    # Every write goes through person_register / person_update, called by the forms' save().
    service_add_form = PersonEntryForm
    service_change_form = PersonUpdateForm

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.change_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.identity_fields

    logs_person_views = False  # logged below as the person's record opened

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and str(object_id).isdigit():
            record_access_log(person_id=int(object_id), viewer=viewer_for_request(request),
                              kind=RecordAccessKind.PERSON_FORM)
        return response

    def has_delete_permission(self, request, obj=None):
        return False  # a person's record is kept (Art. 74)

    actions = ["issue_activation_letter"]

    @admin.display(description=_("document number"), ordering="document_number")
    def masked_document(self, obj):
        return mask_document(obj.document_number)

    @admin.action(description=_("Issue an activation letter (print it for the person)"),
                  permissions=["issue_activation"])
    def issue_activation_letter(self, request, queryset):
        """One printed page per selected person: the one-time code, shown here once and never stored."""
        viewer = viewer_for_request(request)
        letters = []
        for person in queryset[:50]:
            activation, code = person_activation_issue(person_id=person.pk, actor=viewer)
            letters.append(letter_context(activation, code))
        return TemplateResponse(request, "admin/insured/activation_letter.html", {
            **self.admin_site.each_context(request), "letters": letters,
            "activate_url": request.build_absolute_uri("/accounts/activate/"),
            "title": _("Activation letters")})

    def has_issue_activation_permission(self, request):
        return request.user.has_perm(ISSUE_PERMISSION)
    @admin.display(description=_("file"))
    def file_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:insured_insuredperson_file", args=[obj.pk]),
                           _("open file"))

    def get_urls(self):
        return [*person_file_urls(self), *super().get_urls()]  # the person's file (insured/person_file.py)

    def export_value(self, obj, field):
        if field == "masked_document":
            return mask_document(obj.document_number)
        return super().export_value(obj, field)

class PersonLoginForm(ServiceForm):
    """Links through the service (insured.logins.person_login_link: scope, permission, SecurityEvent)."""

    class Meta:
        model = PersonLogin
        fields = ["user", "person"]

    def call_service(self, data, viewer):
        return person_login_link(user_id=data["user"].pk, person_id=data["person"].pk, actor=viewer)


@admin.register(PersonLogin)
class PersonLoginAdmin(ServiceFormAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "person", "created_at"]
    list_select_related = ["user", "person"]
    raw_id_fields = ["user", "person"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    service_form = PersonLoginForm
    actions = ["unlink"]

    def has_change_permission(self, request, obj=None):
        return False  # a link is made or removed, never edited

    def has_delete_permission(self, request, obj=None):
        return False  # removed through the "unlink" action, which records it

    @admin.action(description=_("Unlink the selected logins (recorded as security events)"),
                  permissions=["unlink"])
    def unlink(self, request, queryset):
        viewer = viewer_for_request(request)
        each_item_run(self, request, queryset, lambda login: person_login_unlink(login_id=login.pk, actor=viewer))

    def has_unlink_permission(self, request):
        return request.user.has_perm("insured.delete_personlogin")

