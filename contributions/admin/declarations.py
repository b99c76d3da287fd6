"""Clerks' screens for declarations: read-only list and detail (totals as a translated table), a
clerk's filing from a CSV file (the same service as the portals, `source=admin`), and the roll
check (person-months on an employer's roll with no contribution line). Scoped to the region."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agency.models import InsuranceType
from common.access import scope, viewer_for_request
from common.admin import ScopedAdminMixin
from common.display import actor_text
from common.identifiers import mask_document
from common.problems import ApplicationError
from contributions.models import Charge, Declaration, DeclarationSource
from contributions.selectors.declarations import last_past_month, roll_gaps
from contributions.services.declarations import declaration_file
from employers.models import Employer

ERRORS_SHOWN = 50


def _month(value: str, field: str) -> date:
    try:
        year, month = (int(p) for p in value.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise forms.ValidationError(_("Give the year and month, e.g. 2026-03."), code="invalid") from None


def _error_line(error: dict) -> str:
    if error.get("row"):
        return gettext("row %(row)s, %(field)s: %(message)s") % error
    return error["message"]


class DeclarationFileForm(forms.ModelForm):
    period_text = forms.CharField(label=_("period"), max_length=7, help_text=_("year and month, e.g. 2026-03"))
    csv_file = forms.FileField(label=_("declaration file (CSV)"),
                               help_text=_("First line: the column names 证件号码,工资 (a 姓名 column may follow)."))

    class Meta:
        model = Declaration
        fields = ["employer"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        viewer = viewer_for_request(self.request)
        try:
            result = declaration_file(employer_id=data["employer"].pk, period=data["period_text"].strip(), rows=None,
                                      csv_data=data["csv_file"], source=DeclarationSource.ADMIN,
                                      actor=viewer)
        except ApplicationError as err:
            lines = [_error_line(e) for e in err.errors[:ERRORS_SHOWN]]
            total = err.extra.get("total_errors", len(err.errors))
            if total > len(lines):
                lines.append(gettext("... %(n)s error(s) in all.") % {"n": total})
            self.add_error(None, [err.detail, *lines] if lines else err.detail)
            return data
        self.instance = result.declaration
        self.result = result
        return data

    def save(self, commit=True):
        return self.instance  # written by the service


class RollCheckForm(forms.Form):
    employer = forms.ModelChoiceField(queryset=Employer.objects.none(), label=_("employer"))
    since = forms.CharField(label=_("from month"), max_length=7, required=False,
                            help_text=_("year and month, e.g. 2026-03"))
    until = forms.CharField(label=_("to month"), max_length=7, required=False,
                            help_text=_("year and month, e.g. 2026-03"))

    def clean_since(self):
        value = self.cleaned_data.get("since")
        return _month(value, "since") if value else None

    def clean_until(self):
        value = self.cleaned_data.get("until")
        return _month(value, "until") if value else None


@admin.register(Declaration)
class DeclarationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["employer", "period_month", "sequence", "source", "rows", "total", "difference", "due_on",
                    "declared_on", "late", "filed_by"]
    list_select_related = ["employer"]
    list_filter = ["late", "source", "period"]
    name_search_field = "employer__name"
    exact_search_field = "employer__uscc"
    date_hierarchy = "declared_on"
    detail_fields = ["employer", "period_month", "sequence", "kind", "source", "rows", "lines_written",
                     "clamped_rows", "totals_table", "total", "difference", "due_on", "declared_on", "late",
                     "declared_at", "filed_by", "charges_table"]
    export_fields = ("employer__uscc", "period", "sequence", "source", "rows", "total", "difference", "due_on",
                     "declared_on", "late")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return type("DeclarationFileForm", (DeclarationFileForm,), {"request": request})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["employer", "period_text", "csv_file"] if obj is None else self.detail_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.detail_fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # the service wrote it

    def save_related(self, request, form, formsets, change):
        pass

    @admin.display(description=_("period"), ordering="period")
    def period_month(self, obj):
        return f"{obj.period:%Y-%m}"

    @admin.display(description=_("filed by"))
    def filed_by(self, obj):
        return actor_text(obj.actor)

    @admin.display(description=_("totals per insurance type"))
    def totals_table(self, obj):
        rows = format_html_join(
            "", "<tr><td>{}</td><td style='text-align:right'>{}</td><td style='text-align:right'>{}</td></tr>",
            ((label, (obj.totals.get(kind) or {}).get("employer", "0.00"),
              (obj.totals.get(kind) or {}).get("individual", "0.00")) for kind, label in InsuranceType.choices))
        return format_html("<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
                           gettext("insurance type"), gettext("employer part"), gettext("individual part"), rows)

    @admin.display(description=_("charges"))
    def charges_table(self, obj):
        charges = Charge.objects.filter(declaration=obj).order_by("id")
        if not charges:
            return gettext("none (no difference)")
        rows = format_html_join(
            "", "<tr><td style='text-align:right'>{}</td><td>{}</td><td>{}</td></tr>",
            ((c.amount, f"{c.due_on:%Y-%m-%d}", f"{c.fee_from:%Y-%m-%d}" if c.fee_from else "-") for c in charges))
        return format_html("<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
                           gettext("amount"), gettext("due on"), gettext("late fee from"), rows)

    def get_urls(self):
        return [path("roll-check/", self.admin_site.admin_view(self.roll_check_view),
                     name="contributions_declaration_roll_check")] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "roll_check_url": reverse("admin:contributions_declaration_roll_check")}
        return super().changelist_view(request, extra_context=extra_context)

    def roll_check_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        viewer = viewer_for_request(request)
        form = RollCheckForm(request.GET or None)
        form.fields["employer"].queryset = scope(Employer.objects.order_by("name"), viewer)
        gaps = None
        if form.is_bound and form.is_valid():
            gaps = roll_gaps(viewer, employer_id=form.cleaned_data["employer"].pk,
                             since=form.cleaned_data.get("since"), until=form.cleaned_data.get("until"))
            gaps = [{"gap": g, "document": mask_document(g.document_number)} for g in gaps]
        return TemplateResponse(request, "admin/contributions/declaration/roll_check.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "gaps": gaps,
            "until": last_past_month(), "title": gettext("Roll check: staff months without contributions")})
