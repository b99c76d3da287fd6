"""An employer's file: the page a clerk answers an employer from.

Registration and its applications (with their review state, overdue shown as soon as the due
date passes), the portal API clients with buttons to issue one (the secret is shown once, on the
page that issued it) and to revoke one, each calling employers.services; and the panels other
apps register: current staff and relationship events come from insured (registered in its
AppConfig.ready(), since employers must not import insured); declarations, payments and arrears
will come from contributions the same way, through `employer_file_panels`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agency.workbench import undecided_deadlines
from common.access import scope, viewer_for_request
from common.file_pages import (
    FileHeader,
    admin_context,
    file_object_or_404,
    file_page_render,
    file_page_urls,
    panel_html,
)
from common.panels import Panel, PanelRegistry
from common.problems import ApplicationError
from employers.models import EmployerClient, RegistrationApplication
from employers.services.clients import (
    ISSUE_PERMISSION,
    REVOKE_PERMISSION,
    employer_client_issue,
    employer_client_revoke,
)
from employers.terms import RegistrationRule

employer_file_panels = PanelRegistry("employer")



def employer_applications(viewer, employer):
    """The employer's registration applications, newest first, each with its undecided deadline's due date."""
    applications = list(scope(RegistrationApplication.objects.filter(employer=employer), viewer)
                        .select_related("decided_by").order_by("-received_at", "-id")[:50])
    due = dict(undecided_deadlines(viewer)
               .filter(rule=RegistrationRule.REGISTRATION_REVIEW,
                       subject_type=ContentType.objects.get_for_model(RegistrationApplication),
                       subject_id__in=[a.pk for a in applications])
               .values_list("subject_id", "due_on"))
    for application in applications:
        application.due_on = due.get(application.pk)
    return applications


def employer_clients(viewer, employer):
    return scope(EmployerClient.objects.filter(employer=employer), viewer) \
        .select_related("application", "issued_by", "revoked_by").order_by("revoked_at", "-issued_at")


def _render(template: str, request, **context):
    return panel_html(f"admin/employers/file/{template}", request, **context)


def _registration(request, employer, viewer):
    return _render("registration.html", request, employer=employer)


def _applications(request, employer, viewer):
    return _render("applications.html", request, applications=employer_applications(viewer, employer),
                   today=timezone.localdate())


def _clients(request, employer, viewer):
    return _render("clients.html", request, employer=employer, clients=employer_clients(viewer, employer),
                   can_issue=request.user.has_perm(ISSUE_PERMISSION) and employer.registration_status == "registered",
                   can_revoke=request.user.has_perm(REVOKE_PERMISSION),
                   act_url=reverse("admin:employers_employer_file_act", args=[employer.pk]))


employer_file_panels.register(Panel("registration", _("registration"), _registration, order=10))
employer_file_panels.register(Panel("applications", _("registration applications"), _applications, order=20))
employer_file_panels.register(Panel("clients", _("portal API clients"), _clients, order=30, wide=True,
                                    permission="employers.view_employerclient"))


# --- views, mounted under the employer admin (EmployerAdmin.get_urls) ----------------------------

def employer_file_urls(model_admin) -> list:
    return file_page_urls(model_admin, find=employer_find_view, show=employer_file_view, act=employer_file_act)


def employer_find_view(model_admin, request):
    """By unified social credit code (exact), or by name: exact names first, then names containing it."""
    if not model_admin.has_view_permission(request):
        raise Http404
    query = request.GET.get("q", "").strip()
    employers = []
    if query:
        visible = model_admin.get_queryset(request)
        code = query.upper()
        employers = list(visible.filter(uscc=code)[:1])
        if not employers:
            employers = list(visible.filter(name=query).order_by("id")[:50])
            employers += list(visible.filter(name__icontains=query).exclude(name=query)
                              .order_by("name", "id")[:50 - len(employers)])
        if len(employers) == 1 and (employers[0].uscc == code or employers[0].name == query):
            return HttpResponseRedirect(reverse("admin:employers_employer_file", args=[employers[0].pk]))
    return TemplateResponse(request, "admin/employers/employer_search.html", admin_context(
        model_admin, request, title=_("Find an employer"), query=query, employers=employers))


def _employer_or_404(model_admin, request, object_id):
    return file_object_or_404(model_admin, request, object_id, missing=_("No such employer in your region."))


def employer_file_view(model_admin, request, object_id, *, issued=None):
    employer = _employer_or_404(model_admin, request, object_id)
    header = FileHeader(name=employer.name, number=employer.uscc, detail=employer.get_registration_status_display(),
                        find_label=_("Find an employer"), find_placeholder=_("credit code or name"),
                        find_again=_("Find another employer"))
    return file_page_render(model_admin, request, employer, panels=employer_file_panels, title=_("Employer's file"),
                            header=header, template="admin/employers/employer_file.html", issued=issued)


def employer_file_act(model_admin, request, object_id):
    """Issue or revoke a portal client. An issued client's secret is shown on the page that
    answers the POST, once; it is stored hashed and cannot be shown again."""
    employer = _employer_or_404(model_admin, request, object_id)
    if request.method != "POST":
        raise Http404
    action = request.POST.get("action", "")
    here = reverse("admin:employers_employer_file", args=[employer.pk])
    if action == "issue" and request.user.has_perm(ISSUE_PERMISSION):
        label = request.POST.get("label", "").strip()[:100]
        try:
            client, secret = employer_client_issue(employer=employer, actor=viewer_for_request(request), label=label)
        except ApplicationError as err:
            messages.error(request, str(err.detail))
            return HttpResponseRedirect(here)
        model_admin.log_change(request, employer, f"portal client issued: {client.application.client_id}")
        response = employer_file_view(model_admin, request, employer.pk,
                                      issued={"client_id": client.application.client_id, "secret": secret,
                                              "label": client.label})
        response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
        return response
    if action == "revoke" and request.user.has_perm(REVOKE_PERMISSION):
        item = request.POST.get("client", "")
        client = employer_clients(viewer_for_request(request), employer).filter(pk=item).first() \
            if item.isdigit() else None
        if client is None:
            raise Http404
        employer_client_revoke(client=client, actor=viewer_for_request(request))
        messages.success(request, gettext("Portal client %(id)s revoked; its tokens no longer work.") %
                         {"id": client.application.client_id})
        return HttpResponseRedirect(here)
    raise Http404
