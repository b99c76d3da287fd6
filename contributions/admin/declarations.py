"""Clerks' screens for declarations: read-only list and detail (totals as a translated table), a
clerk's filing from a CSV file (the same service as the portals, `source=admin`), and the roll
check (person-months on an employer's roll with no contribution line). Scoped to the region."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
from common.admin import ScopedAdminMixin, ServiceForm, ServiceFormAdminMixin
from common.display import actor_text, late_html
from common.identifiers import mask_document
from contributions.models import Charge, Declaration, DeclarationSource
from contributions.selectors.declarations import last_past_month, roll_gaps
from contributions.services.declarations import declaration_file
from employers.models import Employer


def _month(value: str, field: str) -> date:
    try:
        year, month = (int(p) for p in value.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise forms.ValidationError(_("Give the year and month, e.g. 2026-03."), code="invalid") from None


class DeclarationFileForm(ServiceForm):
    """Files through declaration_file (`source=admin`), the same service as the portals; a refused
    file lists its faults above the form, row by row."""

    period_text = forms.CharField(label=_("period"), max_length=7, help_text=_("year and month, e.g. 2026-03"))
    csv_file = forms.FileField(label=_("declaration file (CSV)"),
                               help_text=_("First line: the column names 证件号码,工资 (a 姓名 column may follow)."))
    error_fields = {"period": "period_text"}

    class Meta:
        model = Declaration
        fields = ["employer"]

    def call_service(self, data, viewer):
        result = declaration_file(employer_id=data["employer"].pk, period=data["period_text"].strip(), rows=None,
                                  csv_data=data["csv_file"], source=DeclarationSource.ADMIN, actor=viewer)
        self.result = result
        return result.declaration


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


LINES_PER_PAGE = 50


def declaration_heading(declaration: Declaration) -> str:
    """"上海示例有限公司 · 2026年11月 · 本月第 3 次申报（更正）"."""
    if declaration.sequence == 1:
        filing = gettext("the month's first declaration")
    else:
        filing = gettext("the month's declaration no. %(n)d (a correction)") % {"n": declaration.sequence}
    month = gettext("%(year)d-%(month)02d") % {"year": declaration.period.year, "month": declaration.period.month}
    return f"{declaration.employer.name} · {month} · {filing}"


def _declaration_context(request, declaration: Declaration) -> dict:
    from django.core.paginator import Paginator
    from django.db.models import Sum

    from contributions.models import EMPLOYER_COLUMNS, INDIVIDUAL_COLUMNS, ContributionLine

    lines = (scope(ContributionLine.objects.filter(period=declaration.period, declaration_id=declaration.pk),
                   viewer_for_request(request))
             .select_related("person").order_by("person__name", "id"))
    raw = request.GET.get("lines", "1")
    page = Paginator(lines, LINES_PER_PAGE).get_page(int(raw) if raw.isdigit() and len(raw) < 7 else 1)
    rows = [{"name": line.person.name, "document": mask_document(line.person.document_number), "wage": line.wage,
             "base": line.base, "individual": line.individual_total, "employer": line.employer_total,
             "clamp": line.get_clamp_display() if line.clamp else ""} for line in page]
    sums = lines.aggregate(wage=Sum("wage"), base=Sum("base"),
                           **{c: Sum(c) for c in (*EMPLOYER_COLUMNS, *INDIVIDUAL_COLUMNS)})
    zero = Decimal("0.00")
    totals = {"wage": sums["wage"] or zero, "base": sums["base"] or zero,
              "individual": sum((sums[c] or zero for c in INDIVIDUAL_COLUMNS), zero),
              "employer": sum((sums[c] or zero for c in EMPLOYER_COLUMNS), zero)}
    totals["all"] = totals["individual"] + totals["employer"]
    return {"subtitle": declaration_heading(declaration), "lines_page": page, "line_rows": rows,
            "line_totals": totals, "is_correction": declaration.sequence > 1}


@admin.register(Declaration)
class DeclarationAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ["employer", "period_month", "sequence", "source", "rows", "total", "difference", "due_on",
                    "declared_on", "late_shown", "filed_by"]
    list_select_related = ["employer"]
    list_filter = ["late", "source", "period"]
    name_search_field = "employer__name"
    exact_search_field = "employer__uscc"
    date_hierarchy = "declared_on"
    detail_fields = ["employer", "period_month", "sequence", "kind", "source", "rows", "lines_written",
                     "clamped_rows", "totals_table", "total", "difference", "due_on", "declared_on", "late_shown",
                     "declared_at", "filed_by", "charges_table"]
    export_fields = ("employer__uscc", "period", "sequence", "source", "rows", "total", "difference", "due_on",
                     "declared_on", "late")

    service_add_form = DeclarationFileForm

    @admin.display(description=_("declared after the declaration day"), ordering="late")
    def late_shown(self, obj):
        return late_html(obj.late)

    change_form_template = "admin/contributions/declaration/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Headed by the employer, the month and the filing in words; below the figures, the
        per-person lines of this filing, LINES_PER_PAGE a page (?lines=<page>), with their totals."""
        declaration = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if declaration is not None:
            extra_context = {**(extra_context or {}), **_declaration_context(request, declaration)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fields(self, request, obj=None):
        return ["employer", "period_text", "csv_file"] if obj is None else self.detail_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.detail_fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
