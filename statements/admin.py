"""Clerks' screens for statements: runs and their progress (supervisors start them), statements of
the clerk's region (every opening logged for the person to see), deliveries with their outcomes,
print batches for the print shop, and a statements panel on the person's file. Every action calls
a service."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from common.access import viewer_for_request
from common.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from common.display import actor_text
from common.identifiers import mask_document
from common.pdf import pdf_response
from common.person_views import person_views_log
from common.problems import ApplicationError
from insured.models import StatementDelivery
from statements.batches import print_batch_files, print_batch_path
from statements.models import Delivery, DeliveryState, PrintBatch, Statement, StatementEvent, StatementRun
from statements.render import statement_pdf
from statements.selectors import run_progress
from statements.services.delivery import (
    delivery_outcome_record,
    print_batch_hand_over,
    statement_resend,
)
from statements.services.requests import statement_counter_print, statement_for_clerk
from statements.services.runs import START_PERMISSION, statement_run_advance, statement_run_start
from statements.snapshot import verification_code_display

# --- runs -----------------------------------------------------------------------------------------

class RunStartForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=1992, max_value=2200)


@admin.register(StatementRun)
class StatementRunAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["year", "region_shown", "state", "progress", "generated_shown", "delivered_shown", "failed_shown",
                    "remaining_shown", "started_at", "finished_at"]
    list_select_related = ["region"]
    fields = ["year", "region", "state", "progress", "generated_shown", "delivered_shown", "waiting_shown",
              "failed_shown", "remaining_shown", "started_by_shown", "started_at", "finished_at"]
    readonly_fields = fields
    name_search_field = None
    change_list_template = "admin/statements/statementrun/change_list.html"
    actions = ["advance"]

    def _progress(self, obj):
        cache = getattr(obj, "_progress_cache", None)
        if cache is None:
            cache = obj._progress_cache = run_progress(obj)
        return cache

    @admin.display(description=_("region"))
    def region_shown(self, obj):
        return obj.region or _("all regions")

    @admin.display(description=_("persons done"))
    def progress(self, obj):
        p = self._progress(obj)
        return f"{p.persons_done:,} / {p.persons_total:,} ({p.percent}%)"

    @admin.display(description=_("generated"))
    def generated_shown(self, obj):
        return f"{self._progress(obj).generated:,}"

    @admin.display(description=_("delivered"))
    def delivered_shown(self, obj):
        d = self._progress(obj).delivered
        return _("e-mail %(e)s · post %(p)s · online %(o)s") % {"e": f"{d['email']:,}", "p": f"{d['post']:,}",
                                                               "o": f"{d['online']:,}"}

    @admin.display(description=_("waiting"))
    def waiting_shown(self, obj):
        d = self._progress(obj).waiting
        return _("e-mail %(e)s · post %(p)s") % {"e": f"{d['email']:,}", "p": f"{d['post']:,}"}

    @admin.display(description=_("failed"))
    def failed_shown(self, obj):
        return f"{self._progress(obj).failed:,}"

    @admin.display(description=_("time left"))
    def remaining_shown(self, obj):
        left = self._progress(obj).remaining
        if left is None:
            return _("estimating…")
        minutes = int(left.total_seconds() // 60)
        return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60} if minutes else _("—")

    @admin.display(description=_("started by"))
    def started_by_shown(self, obj):
        return actor_text(obj.started_by)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and super().has_view_permission(request, obj)

    @admin.action(description=_("Resume the selected runs now"))
    def advance(self, request, queryset):
        viewer = viewer_for_request(request)
        for run in queryset:
            statement_run_advance(run_id=run.pk, actor=viewer)
        self.message_user(request, _("The selected runs were checked; pending ranges were queued."), messages.SUCCESS)

    def get_urls(self):
        return [path("start/", self.admin_site.admin_view(self.start_view), name="statements_statementrun_start"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        viewer = viewer_for_request(request)
        region = _viewer_region(viewer)
        extra = {"start_form": RunStartForm(),
                 "may_start": request.user.has_perm(START_PERMISSION) and (viewer.sees_everything or region is not None),
                 "start_region": _("all regions") if viewer.sees_everything else region,
                 **(extra_context or {})}
        return super().changelist_view(request, extra)

    def start_view(self, request):
        changelist = reverse("admin:statements_statementrun_changelist")
        if request.method != "POST":
            return HttpResponseRedirect(changelist)
        form = RunStartForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("Give a year."), messages.ERROR)
            return HttpResponseRedirect(changelist)
        viewer = viewer_for_request(request)
        region = None if viewer.sees_everything else _viewer_region(viewer)
        try:
            run, created = statement_run_start(year=form.cleaned_data["year"], region=region, actor=viewer)
        except ApplicationError as err:
            self.message_user(request, str(err.detail), messages.ERROR)
            return HttpResponseRedirect(changelist)
        if created:
            self.message_user(request, _("The %(year)s run started: %(n)s persons in %(r)s ranges.")
                              % {"year": run.year, "n": f"{run.persons_total:,}", "r": run.ranges_total},
                              messages.SUCCESS)
        else:
            self.message_user(request, _("The %(year)s run exists already (%(state)s); nothing was started twice.")
                              % {"year": run.year, "state": run.get_state_display()}, messages.WARNING)
        return HttpResponseRedirect(changelist)


def _viewer_region(viewer):
    """The clerk's region, or None for a staff user without an office (who sees and starts nothing)."""
    from agency.models import Region

    return Region.objects.filter(pk=viewer.region_id).first() if viewer.region_id else None


# --- statements -----------------------------------------------------------------------------------

class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Delivery
    fields = ["created_at", "channel", "state", "address", "attempts", "sent_at", "error", "outcome_note"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    ordering = ["id"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


class ResendForm(forms.Form):
    channel = forms.ChoiceField(label=_("channel"), choices=StatementDelivery.choices)
    make_preferred = forms.BooleanField(label=_("also use this channel for future statements"), required=False)


@admin.register(Statement)
class StatementAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["year", "person_name", "masked_document", "region", "channel", "generated_at", "checksum_short"]
    list_select_related = ["person", "region"]
    list_filter = ["year", "channel"]
    name_search_field = "person__name"
    exact_search_field = "person__document_number"
    fields = ["year", "person_name", "masked_document", "region", "channel", "generated_at", "code_shown",
              "checksum", "figures"]
    readonly_fields = fields
    inlines = [DeliveryInline]
    change_form_template = "admin/statements/statement/change_form.html"

    @admin.display(description=_("name"), ordering="person__name")
    def person_name(self, obj):
        return obj.person.name

    @admin.display(description=_("document number"))
    def masked_document(self, obj):
        return mask_document(obj.person.document_number)

    @admin.display(description=_("checksum"))
    def checksum_short(self, obj):
        return obj.checksum[:12]

    @admin.display(description=_("verification code"))
    def code_shown(self, obj):
        return verification_code_display(obj.verification_code)

    @admin.display(description=_("figures"))
    def figures(self, obj):
        import json

        snap = json.loads(obj.snapshot)
        return render_to_string("admin/statements/statement/figures.html", {"s": snap})

    def get_urls(self):
        return [path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="statements_statement_pdf"),
                path("<int:pk>/resend/", self.admin_site.admin_view(self.resend_view),
                     name="statements_statement_resend"),
                path("counter/<int:person_id>/", self.admin_site.admin_view(self.counter_view),
                     name="statements_statement_counter"),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        viewer = viewer_for_request(request)
        if request.method == "GET" and str(object_id).isdigit():
            try:
                statement_for_clerk(statement_id=int(object_id), actor=viewer)  # logged for the person
            except ApplicationError:
                pass  # the page answers its own 404
        extra = {"resend_form": ResendForm(), "may_send": request.user.has_perm("statements.change_delivery"),
                 **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def pdf_view(self, request, pk: int):
        try:
            statement = statement_for_clerk(statement_id=pk, actor=viewer_for_request(request), printing=True)
        except ApplicationError as err:
            self.message_user(request, str(err.detail), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:statements_statement_changelist"))
        return pdf_response(statement_pdf(statement.snapshot), f"statement-{statement.year}.pdf")

    def counter_view(self, request, person_id: int):
        """From the person's file: print any finished year's statement at the counter."""
        back = reverse("admin:insured_insuredperson_file", args=[person_id])
        try:
            year = int(request.GET.get("year", ""))
            statement = statement_counter_print(person_id=person_id, year=year, actor=viewer_for_request(request))
        except ValueError:
            self.message_user(request, _("Give a year."), messages.ERROR)
            return HttpResponseRedirect(back)
        except ApplicationError as err:
            self.message_user(request, str(err.detail), messages.ERROR)
            return HttpResponseRedirect(back)
        return pdf_response(statement_pdf(statement.snapshot), f"statement-{statement.year}.pdf")

    def resend_view(self, request, pk: int):
        page = reverse("admin:statements_statement_change", args=[pk])
        form = ResendForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            return HttpResponseRedirect(page)
        try:
            delivery = statement_resend(statement_id=pk, channel=form.cleaned_data["channel"],
                                        actor=viewer_for_request(request),
                                        make_preferred=form.cleaned_data["make_preferred"])
        except ApplicationError as err:
            self.message_user(request, str(err.detail), messages.ERROR)
            return HttpResponseRedirect(page)
        self.message_user(request, _("The statement is being sent again by %(channel)s.")
                          % {"channel": delivery.get_channel_display()}, messages.SUCCESS)
        return HttpResponseRedirect(page)


# --- deliveries -----------------------------------------------------------------------------------

@admin.register(Delivery)
class DeliveryAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "person_name", "year", "channel", "state", "attempts", "sent_at", "error"]
    list_select_related = ["statement__person"]
    list_filter = ["state", "channel"]
    name_search_field = "statement__person__name"
    exact_search_field = "statement__person__document_number"
    fields = ["statement", "channel", "state", "address", "postal_code", "batch", "attempts", "next_attempt_at",
              "error", "sending_at", "sent_at", "failed_at", "uncertain_at", "outcome_recorded_by_shown",
              "outcome_note", "created_by_shown", "created_at"]
    readonly_fields = fields
    actions = ["record_bounced", "record_returned", "record_sent"]

    @admin.display(description=_("created by"))
    def created_by_shown(self, obj):
        return actor_text(obj.created_by)

    @admin.display(description=_("outcome recorded by"))
    def outcome_recorded_by_shown(self, obj):
        return actor_text(obj.outcome_recorded_by) if obj.outcome_recorded_by else ""

    @admin.display(description=_("name"))
    def person_name(self, obj):
        return obj.statement.person.name

    @admin.display(description=_("year"))
    def year(self, obj):
        return obj.statement.year

    def _record(self, request, queryset, outcome: str):
        viewer = viewer_for_request(request)
        done, refused = 0, []
        for delivery in queryset:
            try:
                delivery_outcome_record(delivery_id=delivery.pk, outcome=outcome, note="", actor=viewer)
                done += 1
            except ApplicationError as err:
                refused.append(str(err.detail))
        if done:
            self.message_user(request, _("%(n)d deliveries recorded.") % {"n": done}, messages.SUCCESS)
        for reason in sorted(set(refused)):
            self.message_user(request, reason, messages.ERROR)

    @admin.action(description=_("Record as bounced (e-mail)"), permissions=["change"])
    def record_bounced(self, request, queryset):
        self._record(request, queryset, "bounced")

    @admin.action(description=_("Record as returned by post"), permissions=["change"])
    def record_returned(self, request, queryset):
        self._record(request, queryset, "returned")

    @admin.action(description=_("Record as sent (found in the mail server's log)"), permissions=["change"])
    def record_sent(self, request, queryset):
        self._record(request, queryset, "sent")

    def has_change_permission(self, request, obj=None):
        # The actions record outcomes through the service; the row itself is never edited in a form.
        return obj is None and request.user.has_perm("statements.change_delivery")


# --- events ---------------------------------------------------------------------------------------

@admin.register(StatementEvent)
class StatementEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who started a run, reprinted, resent, recorded a bounce or handed a batch over: the trail a
    supervisor reads when a person says their statement never came."""

    list_display = ["at", "kind", "region", "statement", "actor_shown", "detail_shown"]
    list_select_related = ["region", "statement__person"]
    list_filter = ["kind"]
    date_hierarchy = "at"
    name_search_field = "statement__person__name"
    exact_search_field = "statement__person__document_number"
    fields = ["at", "kind", "region", "run", "statement", "actor_shown", "detail_shown"]
    readonly_fields = fields

    @admin.display(description=_("actor"))
    def actor_shown(self, obj):
        return actor_text(obj.actor)

    @admin.display(description=_("detail"))
    def detail_shown(self, obj):
        """The event's facts with the clerk's labels ("渠道：电子邮件；印制批次：12"), not its JSON keys."""
        parts = []
        for key, value in (obj.detail or {}).items():
            if key == "channel" and value:
                value = StatementDelivery(value).label if value in StatementDelivery.values else value
            elif isinstance(value, bool):
                value = _("yes") if value else _("no")
            parts.append(f"{EVENT_DETAIL_LABELS.get(key, key)}：{value}")
        return "；".join(parts)


EVENT_DETAIL_LABELS = {
    "year": _("year"), "persons": _("persons"), "ranges": _("ranges"), "channel": _("channel"),
    "batch": _("print batch"), "letters": _("letters"), "delivery": _("delivery"), "note": _("note"),
    "transfer": _("transfer"), "person": _("person"), "created": _("newly generated"),
}


# --- print batches --------------------------------------------------------------------------------

@admin.register(PrintBatch)
class PrintBatchAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "region", "seq", "letters", "size_shown", "files", "handed_over_at"]
    list_select_related = ["region"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter)]
    name_search_field = None
    fields = ["region", "seq", "letters", "run", "pdf_sha256", "pdf_bytes", "created_at", "handed_over_at",
              "handed_over_by"]
    readonly_fields = fields
    actions = ["hand_over"]

    @admin.display(description=_("PDF size"))
    def size_shown(self, obj):
        return f"{obj.pdf_bytes / 1_000_000:.1f} MB" if obj.pdf_bytes else _("being rendered")

    @admin.display(description=_("files"))
    def files(self, obj):
        from django.utils.html import format_html

        return format_html('<a href="{}">PDF</a> · <a href="{}">{}</a>',
                           reverse("admin:statements_printbatch_file", args=[obj.pk, "pdf"]),
                           reverse("admin:statements_printbatch_file", args=[obj.pk, "csv"]), _("manifest"))

    def get_urls(self):
        return [path("<int:pk>/file/<str:kind>/", self.admin_site.admin_view(self.file_view),
                     name="statements_printbatch_file"), *super().get_urls()]

    def file_view(self, request, pk: int, kind: str):
        batch = self.get_queryset(request).filter(pk=pk).first()
        if batch is None or kind not in ("pdf", "csv"):
            return HttpResponseRedirect(reverse("admin:statements_printbatch_changelist"))
        # Every person whose statement or address is in the file (issue 25, item 3).
        person_views_log(person_ids=batch.deliveries.values_list("statement__person_id", flat=True),
                         viewer=viewer_for_request(request), kind="print_batch",
                         detail=f"{batch.region.code}-{batch.seq:05d}.{kind}")
        stored = print_batch_path(batch).with_suffix("." + kind)
        name = f"{batch.region.code}-{batch.seq:05d}.{kind}"
        content_type = "application/pdf" if kind == "pdf" else "text/csv; charset=utf-8"
        if stored.exists():
            return FileResponse(stored.open("rb"), content_type=content_type, filename=name)
        pdf, manifest = print_batch_files(batch)  # the same bytes again
        response = HttpResponse(pdf if kind == "pdf" else manifest, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.action(description=_("Record as handed to the print shop"), permissions=["change"])
    def hand_over(self, request, queryset):
        viewer = viewer_for_request(request)
        for batch in queryset:
            try:
                print_batch_hand_over(batch_id=batch.pk, actor=viewer)
            except ApplicationError as err:
                self.message_user(request, f"{batch}: {err.detail}", messages.ERROR)
        self.message_user(request, _("The batches are recorded as handed over; their letters count as sent."),
                          messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.has_perm("statements.change_printbatch")


# --- the person's file ----------------------------------------------------------------------------

def person_statements_panel(request, person, viewer):
    from django.utils import timezone

    from common.access import scope

    statements = list(scope(Statement.objects.filter(person_id=person.pk), viewer).order_by("-year")
                      .prefetch_related("deliveries")[:10])
    for s in statements:
        s.last_delivery = max(s.deliveries.all(), key=lambda d: d.pk, default=None)
    return render_to_string("admin/statements/file/person_statements.html", {
        "person": person, "statements": statements, "last_year": timezone.localdate().year - 1,
        "open_states": [DeliveryState.PENDING, DeliveryState.SENDING]}, request=request)


def register_panels() -> None:
    from common.panels import Panel
    from insured.person_file import person_file_panels

    person_file_panels.register(Panel("statements", _("personal-rights statements"), person_statements_panel,
                                      order=130, wide=True, permission="statements.view_statement"))
