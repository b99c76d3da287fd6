"""The clerks' screens for flexible workers (issue 28): the counter's enrolment form (through
`flexible_enrol`), the enrolments of the region, and the region's terms on its page."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from agency.admin import RegionTermsInline
from common.admin import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceForm, ServiceFormAdminMixin
from common.money import MoneyFormField
from flexible.models import BaseChoice, FlexibleEnrolment, FlexibleEvent, FlexibleTerms
from flexible.services.enrolment import flexible_enrol

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class FlexibleTermsInline(RegionTermsInline):
    """This app's terms on the region's page (registered in FlexibleConfig.ready())."""

    model = FlexibleTerms


class EnrolmentCounterForm(ServiceForm):
    """A clerk enrols a person of the region at the counter: the same service and rules as the person's own."""

    start = forms.CharField(label=_("first month"), help_text=_("YYYY-MM"))
    base = MoneyFormField(label=_("contribution base"), max_digits=14, decimal_places=2)
    error_fields = {"person": "person", "start_month": "start", "base": "base", "region": "person"}

    class Meta:
        model = FlexibleEnrolment
        fields = ["person"]

    def clean_start(self) -> date:
        match = _MONTH.match(self.cleaned_data.get("start") or "")
        if match is None:
            raise forms.ValidationError(_("Use YYYY-MM."))
        return date(int(match[1]), int(match[2]), 1)

    def call_service(self, data, viewer):
        region = data["person"].region
        return flexible_enrol(actor=viewer, person_id=data["person"].pk, region_code=region.code,
                              start_month=data["start"], base=data["base"], channel="admin")


class BaseChoiceInline(admin.TabularInline):
    model = BaseChoice
    extra = 0
    can_delete = False
    fields = ["from_month", "base", "is_change", "created_at", "actor"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FlexibleEnrolment)
class FlexibleEnrolmentAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ["person", "region", "start_month", "state", "stopped_from", "charged_through"]
    list_filter = ["state"]
    name_search_field = None
    search_fields = ["person__name"]
    service_add_form = EnrolmentCounterForm
    inlines = [BaseChoiceInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["person", "region", "start_month", "state", "stopped_from", "charged_through", "created_at", "actor"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FlexibleEvent)
class FlexibleEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["recorded_at", "kind", "enrolment", "actor"]
    list_filter = ["kind"]
    name_search_field = None
