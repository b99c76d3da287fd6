"""Clerks' screens of the pension's data: the parameters with their sources (a clerk holding
`pensions.enter_pension_parameters` enters next year's values ahead; each list shows what a row changes),
the national divisor table (reference data), deemed years recorded from a voucher, the events, and the
estimate on the person's file. Every write goes through a service (common.admin.ServiceForm)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agency.admin import RegionTermsInline
from common.access import scope
from common.admin import (
    AppendOnlyAdminMixin,
    OutboxStateFilter,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    ServiceForm,
    ServiceFormAdminMixin,
)
from common.display import actor_text
from common.money import MoneyFormField
from common.outbox import STATE_LABELS
from common.problems import ApplicationError
from insured.models import InsuredPerson
from pensions.models import (
    AgeMonthsPolicy,
    BenefitParameter,
    DeemedService,
    Determination,
    DeterminationLetter,
    DeterminationState,
    DeterminationTerms,
    Divisor,
    LocalSupplement,
    PensionEvent,
)
from pensions.selectors import benefit_parameter_before
from pensions.services.deemed import DEEMED_PERMISSION, deemed_service_record
from pensions.services.determination import (
    APPROVE_PERMISSION,
    OPEN_PERMISSION,
    determination_approve,
    determination_open,
)
from pensions.services.parameters import (
    PARAMETER_PERMISSION,
    age_policy_enter,
    benefit_parameter_enter,
    local_supplement_enter,
)

PROVENANCE = ["source", "published_on", "effective_from"]


class _ParameterAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    """Rows are entered, never changed: adding takes the permission; the detail page only reads."""

    name_search_field = None
    list_select_related = ["region"]

    def has_add_permission(self, request):
        return request.user.is_active and request.user.has_perm(PARAMETER_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "id"] if obj else []


# --- benefit bases ----------------------------------------------------------------------------------

class BenefitParameterForm(ServiceForm):
    class Meta:
        model = BenefitParameter
        fields = ["region", "year", "benefit_base", "transitional_percent", *PROVENANCE]
        field_classes = {"benefit_base": MoneyFormField}

    def call_service(self, data, viewer):
        return benefit_parameter_enter(
            region=data["region"], year=data["year"], benefit_base=data["benefit_base"],
            transitional_percent=data.get("transitional_percent"), source=data["source"],
            published_on=data["published_on"], effective_from=data["effective_from"], actor=viewer)


@admin.register(BenefitParameter)
class BenefitParameterAdmin(_ParameterAdmin):
    service_form = BenefitParameterForm
    list_display = ["region", "year", "benefit_base", "transitional_percent", "change_shown", "effective_from",
                    "source", "published_on", "entered_by"]
    list_filter = ["year"]

    @admin.display(description=_("what changes"))
    def change_shown(self, obj):
        before = benefit_parameter_before(obj)
        if before is None:
            return gettext("new")
        diff = obj.benefit_base - before.benefit_base
        percent = diff * 100 / before.benefit_base
        return gettext("%(before)s (%(year)s, from %(day)s) → %(after)s: %(diff)s (%(percent)s%%)") % {
            "before": before.benefit_base, "year": before.year, "day": before.effective_from.isoformat(),
            "after": obj.benefit_base, "diff": f"{diff:+.2f}", "percent": f"{percent:+.1f}"}


# --- local supplements --------------------------------------------------------------------------------

class LocalSupplementForm(ServiceForm):
    class Meta:
        model = LocalSupplement
        fields = ["region", "year", "name", "monthly_amount", *PROVENANCE]
        field_classes = {"monthly_amount": MoneyFormField}

    def call_service(self, data, viewer):
        return local_supplement_enter(
            region=data["region"], year=data["year"], name=data["name"], monthly_amount=data["monthly_amount"],
            source=data["source"], published_on=data["published_on"], effective_from=data["effective_from"],
            actor=viewer)


@admin.register(LocalSupplement)
class LocalSupplementAdmin(_ParameterAdmin):
    service_form = LocalSupplementForm
    list_display = ["region", "year", "name", "monthly_amount", "change_shown", "effective_from", "source",
                    "published_on", "entered_by"]
    list_filter = ["year"]

    @admin.display(description=_("what changes"))
    def change_shown(self, obj):
        before = (LocalSupplement.objects.filter(region_id=obj.region_id, name=obj.name)
                  .exclude(pk=obj.pk).filter(effective_from__lte=obj.effective_from, year__lte=obj.year)
                  .order_by("-year", "-effective_from", "-id").first())
        if before is None:
            return gettext("new")
        return f"{before.monthly_amount} ({before.year}) → {obj.monthly_amount}"


# --- the rule for ages with months ------------------------------------------------------------------------

class AgeMonthsPolicyForm(ServiceForm):
    class Meta:
        model = AgeMonthsPolicy
        fields = ["region", "rule", "rounding", *PROVENANCE]

    def call_service(self, data, viewer):
        return age_policy_enter(region=data["region"], rule=data["rule"], rounding=data.get("rounding") or "",
                                source=data["source"], published_on=data["published_on"],
                                effective_from=data["effective_from"], actor=viewer)


@admin.register(AgeMonthsPolicy)
class AgeMonthsPolicyAdmin(_ParameterAdmin):
    service_form = AgeMonthsPolicyForm
    list_display = ["region", "rule", "rounding", "change_shown", "effective_from", "source", "published_on",
                    "entered_by"]

    @admin.display(description=_("what changes"))
    def change_shown(self, obj):
        before = (AgeMonthsPolicy.objects.filter(region_id=obj.region_id, effective_from__lt=obj.effective_from)
                  .order_by("-effective_from", "-id").first())
        return f"{before.get_rule_display()} → {obj.get_rule_display()}" if before else gettext("new")


# --- the national divisor table (reference data) -----------------------------------------------------------

@admin.register(Divisor)
class DivisorAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["age", "months", "effective_from", "source", "published_on"]
    ordering = ["age", "-effective_from"]


# --- deemed years ------------------------------------------------------------------------------------

class DeemedServiceForm(ServiceForm):
    document_number = forms.CharField(label=_("document number"), max_length=30)
    voucher_file = forms.FileField(label=_("voucher (scan or PDF)"))
    error_fields = {"voucher": "voucher_file", "person": "document_number"}

    class Meta:
        model = DeemedService
        fields = ["months", "note"]

    def call_service(self, data, viewer):
        number = data["document_number"].strip().upper()
        person = scope(InsuredPerson.objects.all(), viewer).filter(document_number=number).first()
        if person is None:
            raise ApplicationError(gettext("No such person in your region."), status=404, type_slug="not-found",
                                   errors=[{"field": "person", "code": "not_found",
                                            "message": gettext("No such person in your region.")}])
        return deemed_service_record(person=person, months=data["months"], voucher=data["voucher_file"],
                                     note=data.get("note") or "", actor=viewer)


@admin.register(DeemedService)
class DeemedServiceAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    service_form = DeemedServiceForm
    list_display = ["person", "months", "years_shown", "voucher", "recorded_by_shown", "recorded_at"]
    list_select_related = ["person", "voucher"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"

    @admin.display(description=_("years"))
    def years_shown(self, obj):
        return gettext("%(y)s years %(m)s months") % {"y": obj.months // 12, "m": obj.months % 12}

    @admin.display(description=_("recorded by"))
    def recorded_by_shown(self, obj):
        return actor_text(obj.recorded_by)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.has_perm(DEEMED_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["person", "region", "months", "voucher", "note", "recorded_by", "recorded_at"] if obj else []


# --- determinations at retirement ---------------------------------------------------------------------

class DeterminationOpenForm(ServiceForm):
    """A clerk opens a person's determination (from the workbench's list of those due): the service computes
    the parts; a second clerk approves them."""

    document_number = forms.CharField(label=_("document number"), max_length=30)
    error_fields = {"person": "document_number"}

    class Meta:
        model = Determination
        fields = []

    def call_service(self, data, viewer):
        number = data["document_number"].strip().upper()
        person = scope(InsuredPerson.objects.all(), viewer).filter(document_number=number).first()
        if person is None:
            raise ApplicationError(gettext("No such person in your region."), status=404, type_slug="not-found",
                                   errors=[{"field": "person", "code": "not_found",
                                            "message": gettext("No such person in your region.")}])
        return determination_open(person=person, actor=viewer)


class DeterminationApproveForm(ServiceForm):
    """The second clerk approves the itemised determination (never the one who proposed it)."""

    confirm = forms.BooleanField(label=_("I checked each part and its inputs: approve"), required=True)

    class Meta:
        model = Determination
        fields = []

    def call_service(self, data, viewer):
        return determination_approve(determination=self.instance, actor=viewer)


@admin.register(Determination)
class DeterminationAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    service_add_form = DeterminationOpenForm
    service_change_form = DeterminationApproveForm
    list_display = ["person", "kind", "state", "retirement_month_shown", "total", "provisional", "amount_owed",
                    "proposed_by_shown", "approved_at"]
    list_filter = ["state", "kind", "provisional"]
    list_select_related = ["person", "region"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    readonly_fields = ["person", "region", "kind", "state", "previous", "retirement_month_shown", "age_years",
                       "age_months", "benefit", "provisional", "months_paid", "months_deemed", "index", "balance",
                       "divisor", "transitional_percent", "supplements", "parts_shown", "total", "difference",
                       "months_owed", "amount_owed", "proposed_by_shown", "proposed_at", "approved_by", "approved_at",
                       "letter_channel"]

    @admin.display(description=_("proposed by"))
    def proposed_by_shown(self, obj):
        return actor_text(obj.proposed_by_label)

    @admin.display(description=_("retirement month"), ordering="retirement_month")
    def retirement_month_shown(self, obj):
        return f"{obj.retirement_month:%Y-%m}"  # a month, not its first day

    @admin.display(description=_("parts"))
    def parts_shown(self, obj):
        return render_to_string("pensions/determination_parts.html", {"parts": obj.parts})

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["document_number"]
        return [*self.readonly_fields, *(["confirm"] if obj.state == DeterminationState.PROPOSED else [])]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # One step per page: open (add) or approve (change); "save and add another" or "continue editing"
        # would suggest a record a clerk edits.
        context.update(show_save_and_add_another=False, show_save_and_continue=False,
                       save_label=_("Propose the determination") if obj is None else _("Approve the determination"))
        if obj is not None:  # not "change": a determination is approved (核定) or read, never edited
            context["title"] = (_("Approve the pension determination") if obj.state == DeterminationState.PROPOSED
                                else _("Pension determination"))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.has_perm(OPEN_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return (request.user.is_active and request.user.has_perm(APPROVE_PERMISSION)
                and (obj is None or obj.state == DeterminationState.PROPOSED))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeterminationLetter)
class DeterminationLetterAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The decision letters on their way (the one outbox, common/outbox.py): pending, sent, failed, uncertain."""

    list_display = ["determination", "channel", "state_shown", "attempts", "created_at", "sent_at", "error"]
    list_select_related = ["determination__person"]
    list_filter = ["channel", OutboxStateFilter]
    name_search_field = "determination__person__name"
    exact_search_field = "determination__person__document_number"

    @admin.display(description=_("state"))
    def state_shown(self, obj):
        return STATE_LABELS[obj.outbox_state]


@admin.register(PensionEvent)
class PensionEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["recorded_at", "kind", "region", "person", "actor_shown", "details"]
    list_select_related = ["region", "person"]
    list_filter = ["kind"]
    name_search_field = "person__name"

    @admin.display(description=_("actor"))
    def actor_shown(self, obj):
        return actor_text(obj.actor)


# --- the person's file --------------------------------------------------------------------------------

def person_estimate_panel(request, person, viewer):
    """The estimate at the three retirement months, both ways, each part with its inputs and sources."""
    from pensions.estimate import estimate_for

    try:
        estimate = estimate_for(viewer, person_id=person.pk)
    except ApplicationError as err:
        return render_to_string("pensions/estimate_refused.html", {"detail": err.detail}, request=request)
    return render_to_string("pensions/estimate.html", {"estimate": estimate, "month_format": "Y-m"}, request=request)


class DeterminationTermsInline(RegionTermsInline):
    """This app's terms on the region's page (registered in its AppConfig.ready())."""

    model = DeterminationTerms


def register_panels() -> None:
    from common.panels import Panel
    from insured.person_file import person_file_panels

    person_file_panels.register(Panel("pension_estimate", _("pension estimate"), person_estimate_panel, order=120,
                                      permission="pensions.view_deemedservice", wide=True))
