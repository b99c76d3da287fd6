from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import ScopedAdminMixin
from common.identifiers import IdentifierError, mask_document
from insured.documents import document_check
from insured.models import InsuredPerson, PersonLogin


class PersonForm(forms.ModelForm):
    class Meta:
        model = InsuredPerson
        fields = "__all__"

    def clean(self):
        data = super().clean()
        try:
            checked = document_check(data.get("document_type", ""), data.get("document_number", ""))
        except IdentifierError as err:
            self.add_error("document_number", err.message)
            return data
        data["document_number"] = checked.number
        if checked.birth_date:
            data["birth_date"], data["sex"] = checked.birth_date, checked.sex
            self.instance.birth_date, self.instance.sex = checked.birth_date, checked.sex
        return data


@admin.register(InsuredPerson)
class InsuredPersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = PersonForm
    list_display = ["name", "masked_document", "sex", "birth_date", "region", "statement_delivery"]
    list_select_related = ["region"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter), "document_type", "statement_delivery", "sex"]
    search_fields = ["name"]
    exact_search_field = "document_number"
    readonly_fields = ["created_at"]
    export_fields = ("masked_document", "name", "sex", "birth_date", "region__code", "statement_delivery")

    @admin.display(description=_("document number"), ordering="document_number")
    def masked_document(self, obj):
        return mask_document(obj.document_number)

    def export_value(self, obj, field):
        if field == "masked_document":
            return mask_document(obj.document_number)
        return super().export_value(obj, field)


@admin.register(PersonLogin)
class PersonLoginAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "person", "created_at"]
    list_select_related = ["user", "person"]
    raw_id_fields = ["user", "person"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"

