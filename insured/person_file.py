"""A person's file (个人参保档案): the page a clerk answers the counter from.

Found by document number (exact), by the masked number printed on letters and lists plus the
name, or by name (exact names first). One page shows identity, relationships and their state,
employments, relationship events with their decisions, vouchers, and pending items with buttons
that call the staffing services. Everything is read through `scope()` (insured.selectors), so a
clerk sees the file only within the office's region; events and vouchers are append-only and
shown read-only.

Later apps (contributions, accounts, transfers, refunds, statements) add their sections by
registering a `common.panels.Panel` in `person_file_panels` from their AppConfig.ready().
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agency.workbench import staff_name
from common.access import viewer_for_request
from common.file_pages import (
    FileHeader,
    admin_context,
    file_object_or_404,
    file_page_render,
    file_page_urls,
    panel_html,
)
from common.identifiers import mask_document
from common.panels import Panel, PanelRegistry
from common.problems import ApplicationError
from employers.models import EmployerClient
from insured.access_log import record_access_log
from insured.models import RecordAccessKind, SeparationReason
from insured.selectors import files as selectors
from insured.services.staffing import enrolment_confirm, staff_reduction_confirm, staff_reduction_reject

person_file_panels = PanelRegistry("person")

REVIEW_PERMISSION = "insured.change_staffreduction"


# --- who acted, as a clerk reads it ----------------------------------------------------------------

def actor_name(event, clients: dict | None = None) -> str:
    """The clerk's full name, the employer's name and client label, "the person" for the person
    themselves; never the internal code stored in `actor`."""
    user = event.actor_user
    if user is not None:
        login = getattr(user, "person_login", None)
        if login is not None and login.person_id == event.person_id:
            return gettext("the person")
        return staff_name(user)
    if event.actor.startswith("client:"):
        client_id = event.actor.split(":", 1)[1]
        cache = clients if clients is not None else {}
        if client_id not in cache:
            cache[client_id] = (EmployerClient.objects.select_related("employer")
                                .filter(application__client_id=client_id).first())
        client = cache[client_id]
        if client is None:
            return gettext("an employer's portal")
        return f"{client.employer.name} · {client.label}" if client.label else client.employer.name
    if event.actor == "system":
        return gettext("the system")
    return gettext("unknown")


def with_actor_names(events) -> list:
    """Events with `actor_shown` (who acted, by name) and `reason_shown` (the reason's label)."""
    clients: dict = {}
    events = list(events)
    for event in events:
        event.actor_shown = actor_name(event, clients)
        event.reason_shown = SeparationReason(event.reason).label if event.reason in SeparationReason.values \
            else event.reason
        for decision in getattr(event, "_prefetched_objects_cache", {}).get("decisions", []):
            decision.actor_shown = actor_name(decision, clients)
    return events


# --- the page's own sections ---------------------------------------------------------------------

def _render(template: str, request, **context):
    return panel_html(f"admin/insured/file/{template}", request, **context)


def _identity(request, person, viewer):
    return _render("identity.html", request, person=person)


def _pending(request, person, viewer):
    enrolments = list(selectors.person_pending_enrolments(viewer, person))
    reductions = list(selectors.person_pending_reductions(viewer, person))
    if not enrolments and not reductions:
        return None
    return _render("pending.html", request, person=person, enrolments=enrolments, reductions=reductions,
                   can_review=request.user.has_perm(REVIEW_PERMISSION),
                   action_url=reverse("admin:insured_insuredperson_file_act", args=[person.pk]))


def _relationships(request, person, viewer):
    return _render("relationships.html", request, relationships=selectors.person_relationships(viewer, person))


def _employments(request, person, viewer):
    return _render("employments.html", request, employments=selectors.person_employments(viewer, person))


def _events(request, person, viewer):
    return _render("events.html", request, events=with_actor_names(selectors.person_events(viewer, person)[:200]))


def _documents(request, person, viewer):
    return _render("documents.html", request, documents=selectors.person_documents(viewer, person)[:100])


person_file_panels.register(Panel("identity", _("identity"), _identity, order=10))
person_file_panels.register(Panel("relationships", _("insurance relationships"), _relationships, order=15))
person_file_panels.register(Panel("pending", _("waiting for a decision"), _pending, order=20, wide=True))
person_file_panels.register(Panel("employments", _("employments"), _employments, order=30, wide=True))
person_file_panels.register(Panel("events", _("relationship events and decisions"), _events, order=40,
                                  wide=True))
person_file_panels.register(Panel("documents", _("vouchers"), _documents, order=50, wide=True))


# --- views, mounted under the person admin (InsuredPersonAdmin.get_urls) ---------------------------

def person_file_urls(model_admin) -> list:
    return file_page_urls(model_admin, find=person_find_view, show=person_file_view, act=person_file_act)


def person_find_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise Http404
    query = request.GET.get("q", "").strip()
    found = selectors.person_search(viewer_for_request(request), query) if query else None
    if found is not None and len(found.persons) == 1 and (found.how != "name" or found.persons[0].name == query):
        return HttpResponseRedirect(reverse("admin:insured_insuredperson_file", args=[found.persons[0].pk]))
    for person in found.persons if found else []:
        person.masked = mask_document(person.document_number)
    return TemplateResponse(request, "admin/insured/person_search.html", admin_context(
        model_admin, request, title=_("Find a person"), query=query, found=found))


def _person_or_404(model_admin, request, object_id):
    return file_object_or_404(model_admin, request, object_id, missing=_("No such person in your region."))


def person_file_view(model_admin, request, object_id):
    person = _person_or_404(model_admin, request, object_id)
    record_access_log(person_id=person.pk, viewer=viewer_for_request(request), kind=RecordAccessKind.PERSON_FILE)
    header = FileHeader(name=person.name, number=mask_document(person.document_number), detail=person.region,
                        find_label=_("Find a person"), find_placeholder=_("document number or name"),
                        find_again=_("Find another person"))
    return file_page_render(model_admin, request, person, panels=person_file_panels,
                            title=_("Personal insurance file"), header=header)


def person_file_act(model_admin, request, object_id):
    """The buttons of the page: each calls one service with the clerk as actor."""
    person = _person_or_404(model_admin, request, object_id)
    here = reverse("admin:insured_insuredperson_file", args=[person.pk])
    if request.method != "POST" or not request.user.has_perm(REVIEW_PERMISSION):
        raise Http404
    viewer = viewer_for_request(request)
    action, item = request.POST.get("action", ""), request.POST.get("item", "")
    note = request.POST.get("note", "").strip()
    try:
        if action in ("confirm_reduction", "reject_reduction"):
            reduction = selectors.person_pending_reductions(viewer, person).filter(pk=item).first() \
                if item.isdigit() else None
            if reduction is None:
                raise Http404
            if action == "confirm_reduction":
                staff_reduction_confirm(reduction=reduction, actor=viewer, channel="admin", note=note)
                messages.success(request, gettext("Staff reduction confirmed: %(item)s") % {"item": reduction.employer.name})
            else:
                staff_reduction_reject(reduction=reduction, actor=viewer, channel="admin", note=note)
                messages.success(request, gettext("Staff reduction rejected: %(item)s") % {"item": reduction.employer.name})
        elif action == "confirm_enrolment":
            event = selectors.person_pending_enrolments(viewer, person).filter(pk=item).first() \
                if item.isdigit() else None
            if event is None:
                raise Http404
            enrolment_confirm(event=event, actor=viewer, channel="admin")
            messages.success(request, gettext("Enrolment confirmed: %(item)s") % {"item": event.employer.name})
        else:
            raise Http404
    except ApplicationError as err:
        messages.error(request, str(err.detail))
    return HttpResponseRedirect(here)
