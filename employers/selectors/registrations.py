"""Reads of registration applications as their applicants may see them."""

from __future__ import annotations

import hmac

from django.utils.translation import gettext as _

from common.access import Kind, Viewer
from common.problems import NotFound
from employers.models import RegistrationApplication
from employers.registrations import tracking_token_hash


def registration_for_applicant(*, pk: int, viewer: Viewer, tracking_token: str | None) -> RegistrationApplication:
    """The application as its applicant may see it: with the tracking token given at filing, or
    through the portal of the employer it concerns. Anything else is 'not found', so that an id
    reveals nothing about whether an application exists."""
    application = (RegistrationApplication.objects.select_related("region", "employer")
                   .prefetch_related("documents", "registration_events").filter(pk=pk).first())
    if tracking_token:
        expected = application.tracking_token_hash if application is not None else ""
        # Compared even when there is nothing to match, so timing does not tell either.
        if hmac.compare_digest(tracking_token_hash(tracking_token), expected or "-" * 64) and expected:
            return application
    if (application is not None and viewer.kind is Kind.EMPLOYER and application.employer_id is not None
            and application.employer_id == viewer.employer_id):
        return application
    raise NotFound(_("No registration application with this id is visible to you; give the tracking token "
                     "you received when filing (X-Tracking-Token)."))
