from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, Application

from common.problems import Conflict
from employers.models import Employer, EmployerClient, RegistrationStatus


@transaction.atomic
def employer_client_issue(*, employer: Employer, issued_by, label: str = "",
                          client_secret: str | None = None) -> tuple[EmployerClient, str]:
    """Issue a client-credentials client; the plain secret is returned once and stored hashed."""
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if employer.registration_status != RegistrationStatus.REGISTERED:
        raise Conflict(_("API clients are issued only to registered employers."))
    secret = client_secret or secrets.token_urlsafe(32)
    application = Application.objects.create(
        name=f"{employer.uscc} {label}".strip()[:255], client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret,
        hash_client_secret=True, skip_authorization=True)
    client = EmployerClient.objects.create(application=application, employer=employer, label=label,
                                           issued_by=issued_by)
    return client, secret


@transaction.atomic
def employer_client_revoke(*, client: EmployerClient, revoked_by) -> EmployerClient:
    client = EmployerClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.revoked_by = revoked_by
        client.save(update_fields=["revoked_at", "revoked_by"])
        AccessToken.objects.filter(application_id=client.application_id).delete()
    return client
