"""Clerks' screens for individual accounts: read-only (entries are append-only); interest runs and
reconciliation differences for supervisors. Every action calls a service."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountEntry, InterestRun, PensionAccount, ReconciliationDifference, ReconciliationRun
from accounts.selectors import contribution_months, interest_years_waiting
from accounts.services.interest import interest_run_start
from accounts.tasks import interest_run_work
from common.access import viewer_for_request
from common.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from common.display import actor_text
from common.identifiers import mask_document
from common.problems import ApplicationError
from insured.access_log import record_access_log
from insured.models import RecordAccessKind


class StaffReadableMixin:
    """Screens every active staff member may open; what they see is scoped by region (ScopedAdminMixin
    on the pages; an account's entries come with the account, so their inline needs no model
    permission of its own, which clerks were never given)."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


# What caused an entry, in words (AccountEntry.cause_type holds the code).
CAUSES = {"charge": _("contribution charge paid"), "interest_run": _("interest run"),
          "closing_interest": _("interest on closing"), "correction": _("correction"),
          "transfer": _("transfer between regions"),
          "payout": _("lump-sum payment of the account"), "demo": _("demo contribution history")}
# A closing interest entry whose year's rate was not published names the rate it used (interest.py).
_RATE_OF_ANOTHER_YEAR = re.compile(r"^(?P<percent>[\d.]+)%: the rate of (?P<rate_year>\d{4}), (?P<year>\d{4})'s not yet published$")


class EntryInline(StaffReadableMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = AccountEntry
    fields = ["posted_on", "kind", "amount", "contribution_month", "interest_year", "cause", "acted_by", "note_text"]
    readonly_fields = fields
    ordering = ["-posted_on", "-id"]
    extra = 0
    max_num = 0
    show_change_link = False

    @admin.display(description=_("cause"))
    def cause(self, obj):
        return CAUSES.get(obj.cause_type, obj.cause_type)

    @admin.display(description=_("note"))
    def note_text(self, obj):
        found = _RATE_OF_ANOTHER_YEAR.match(obj.note or "")
        if found:
            return gettext("%(percent)s%%: the rate of %(rate_year)s, %(year)s's not yet published") % found.groupdict()
        return obj.note

    @admin.display(description=_("recorded by"))
    def acted_by(self, obj):
        return actor_text(obj.actor)  # by name, never as its code


@admin.register(PensionAccount)
class PensionAccountAdmin(ScopedAdminMixin, StaffReadableMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person_name", "masked_document", "balance", "opened_on", "closed_on"]
    list_select_related = ["person"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    fields = ["person", "opened_on", "balance", "months_of_contribution", "touched_at", "closed_on", "reopened_on"]
    readonly_fields = fields
    inlines = [EntryInline]

    @admin.display(description=_("name"), ordering="person__name")
    def person_name(self, obj):
        return obj.person.name

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and str(object_id).isdigit():
            account = self.get_queryset(request).filter(pk=int(object_id)).first()
            if account is not None:  # the entries are the person's data: the person reads who looked
                record_access_log(person_id=account.person_id, viewer=viewer_for_request(request),
                                  kind=RecordAccessKind.PERSON_FILE, detail="individual account entries")
        return response

    @admin.display(description=_("document number"))
    def masked_document(self, obj):
        return mask_document(obj.person.document_number)

    @admin.display(description=_("months of contribution"))
    def months_of_contribution(self, obj):
        months = contribution_months(obj.pk)
        return _("%(months)d months (%(y)d years %(m)d months)") % {"months": months, "y": months // 12,
                                                                     "m": months % 12}


class InterestRunStartForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=1990, max_value=2200)


@admin.register(InterestRun)
class InterestRunAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):  # supervisors and auditors (groups)
    list_display = ["year", "percent", "state", "accounts_credited", "interest_total", "started_at", "finished_at"]
    fields = list_display + ["cursor_account_id", "started_by_shown"]
    readonly_fields = fields

    @admin.display(description=_("started by"))
    def started_by_shown(self, obj):
        return actor_text(obj.started_by)
    name_search_field = None
    change_list_template = "admin/accounts/interestrun/change_list.html"

    def get_urls(self):
        return [path("start/", self.admin_site.admin_view(self.start_view), name="accounts_interestrun_start"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"years_waiting": interest_years_waiting(), "start_form": InterestRunStartForm(),
                 "may_start": request.user.has_perm("accounts.add_interestrun"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def start_view(self, request):
        changelist = reverse("admin:accounts_interestrun_changelist")
        if request.method != "POST" or not request.user.has_perm("accounts.add_interestrun"):
            return HttpResponseRedirect(changelist)
        form = InterestRunStartForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("Give a year."), messages.ERROR)
            return HttpResponseRedirect(changelist)
        try:
            run = interest_run_start(year=form.cleaned_data["year"], actor=viewer_for_request(request))
        except ApplicationError as err:
            self.message_user(request, str(err.detail), messages.ERROR)
            return HttpResponseRedirect(changelist)
        transaction.on_commit(lambda: interest_run_work.delay(run.pk))
        self.message_user(request, _("Interest run for %(year)s started; the workers credit it chunk by chunk.")
                          % {"year": run.year}, messages.SUCCESS)
        return HttpResponseRedirect(changelist)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["started_at", "full", "checked_since", "accounts_checked", "differences_found", "finished_at"]
    readonly_fields = list_display
    name_search_field = None


@admin.register(ReconciliationDifference)
class ReconciliationDifferenceAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "account", "kind", "expected", "found", "run"]
    list_select_related = ["account__person", "run"]
    list_filter = ["kind"]
    readonly_fields = list_display
    name_search_field = "account__person__name"
    exact_search_field = "account__person__document_number"


# --- the person's file ----------------------------------------------------------------------------

def person_account_panel(request, person, viewer):
    """Balance, this year's credits, the last interest entry, and a link to every entry. The panel is
    part of the person's file, whose opening is logged once (insured/person_file.py)."""
    from django.template.loader import render_to_string

    from accounts.selectors import account_panel
    from agency.deadlines import today_in_shanghai

    found = account_panel(viewer, person_id=person.pk, year=today_in_shanghai().year)
    return render_to_string("admin/accounts/file/person_account.html", {
        "panel": found, "years": found.months // 12 if found else 0, "months": found.months % 12 if found else 0,
        "entries_url": reverse("admin:accounts_pensionaccount_change", args=[found.account.pk]) if found else None,
    }, request=request)


def register_panels() -> None:
    from common.panels import Panel
    from insured.person_file import person_file_panels

    person_file_panels.register(Panel("individual_account", _("individual pension account"), person_account_panel,
                                      order=105, permission="accounts.view_pensionaccount"))
