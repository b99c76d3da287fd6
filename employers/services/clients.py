"""The employer's portal API clients (OAuth client credentials): issued and revoked by a clerk.

Both write a SecurityEvent (agency.events: client_issued, client_revoked) in the same transaction:
an API client is a login, and the security trail is where logins are audited.
"""

from __future__ import annotations

import secrets

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.models import AccessToken, Application

from agency import events
from common.access import Viewer
from common.problems import Conflict, ValidationFailed
from common.services import STAFF, entry, row_lock
from employers.models import Employer, EmployerClient, PortalScopes, RegistrationStatus

ISSUE_PERMISSION = "employers.add_employerclient"
REVOKE_PERMISSION = "employers.change_employerclient"


def employer_client_issue(*, employer: Employer, actor: Viewer, label: str = "",
                          scopes: str = PortalScopes.READ_WRITE, client_secret: str | None = None,
                          client_id: str | None = None) -> tuple[EmployerClient, str]:
    """Issue a client-credentials client; the plain secret is returned once and stored hashed.
    `scopes` is the most its tokens may hold (`read`, or `read write`: what every client held
    before a clerk chose). `client_id` and `client_secret` are generated unless given (the demo's
    fixed clients)."""
    if scopes not in PortalScopes.values:
        raise ValidationFailed.field("scopes", "invalid_choice", _("Choose the scopes: %(choices)s.")
                                     % {"choices": ", ".join(f"'{v}'" for v in PortalScopes.values)})
    employer = row_lock(Employer.objects.all(), employer.pk, actor=actor,
                        missing=_("No such employer is visible to you."))
    if employer.registration_status != RegistrationStatus.REGISTERED:
        raise Conflict(_("API clients are issued only to registered employers."))
    secret = client_secret or secrets.token_urlsafe(32)
    application = Application.objects.create(
        name=f"{employer.uscc} {label}".strip()[:255], client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret,
        hash_client_secret=True, skip_authorization=True, **({"client_id": client_id} if client_id else {}))
    client = EmployerClient.objects.create(application=application, employer=employer, label=label,
                                           scopes=scopes, issued_by_id=actor.user_id)
    events.client_issued(account=f"client:{application.client_id}", region_id=employer.region_id, actor=actor,
                         detail=f"{employer.name} ({employer.uscc}) {label}".strip())
    return client, secret


employer_client_issue = entry(employer_client_issue, callers=STAFF, permission=ISSUE_PERMISSION,
                              refusal=gettext_lazy("Your group may not issue API clients."))


def employer_client_revoke(*, client: EmployerClient, actor: Viewer) -> EmployerClient:
    """Revoke a client of an employer the clerk serves; its tokens stop working at once. A client
    already revoked stays as it was (no second event)."""
    client = row_lock(EmployerClient.objects.all(), client.pk, actor=actor,
                      missing=_("No such API client is visible to you."), related=("employer", "application"))
    return _revoke(client, actor=actor)


employer_client_revoke = entry(employer_client_revoke, callers=STAFF, permission=REVOKE_PERMISSION,
                               refusal=gettext_lazy("Your group may not revoke API clients."))


def _revoke(client: EmployerClient, *, actor: Viewer) -> EmployerClient:
    """Revoke a client the caller has locked. Also called by an approved cancellation of the
    employer's registration (registrations._cancel), whose reviewer's permission covers it."""
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.revoked_by_id = actor.user_id
        client.save(update_fields=["revoked_at", "revoked_by"])
        AccessToken.objects.filter(application_id=client.application_id).delete()
        events.client_revoked(account=f"client:{client.application.client_id}",
                              region_id=client.employer.region_id, actor=actor,
                              detail=f"{client.employer.name} ({client.employer.uscc})")
    return client


def _revoke_all(employer: Employer, *, actor: Viewer) -> None:
    """Revoke every live client of an employer the caller has locked: its registration was cancelled
    (registrations._cancel, inside the reviewer's approval; not an entry point of its own)."""
    for client in (EmployerClient.objects.select_for_update(of=("self",)).select_related("employer", "application")
                   .filter(employer=employer, revoked_at__isnull=True)):
        _revoke(client, actor=actor)
