"""Insured's sections on an employer's file (employers.employer_file): the current staff and the
latest relationship events. Registered from InsuredConfig.ready(): employers never import insured."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from common.identifiers import mask_document
from common.panels import Panel
from insured.person_file import with_actor_names
from insured.selectors import files as selectors

STAFF_SHOWN = 200
EVENTS_SHOWN = 50


def _staff(request, employer, viewer):
    staff = list(selectors.employer_current_staff(viewer, employer.pk)[:STAFF_SHOWN + 1])
    for employment in staff:
        employment.masked = mask_document(employment.person.document_number)
    return render_to_string("admin/insured/file/employer_staff.html", {
        "staff": staff[:STAFF_SHOWN], "more": len(staff) > STAFF_SHOWN, "employer": employer}, request=request)


def _events(request, employer, viewer):
    events = with_actor_names(selectors.employer_recent_events(viewer, employer.pk)[:EVENTS_SHOWN])
    for event in events:
        event.masked = mask_document(event.person.document_number)
    return render_to_string("admin/insured/file/employer_events.html", {"events": events, "employer": employer},
                            request=request)


def register_employer_panels() -> None:
    from employers.employer_file import employer_file_panels

    employer_file_panels.register(Panel("staff", _("current staff"), _staff, order=40, wide=True,
                                        permission="insured.view_employment"))
    employer_file_panels.register(Panel("events", _("latest relationship events"), _events, order=50, wide=True,
                                        permission="insured.view_relationshipevent"))
