"""Persons' apps (OAuth 2 authorization code with PKCE): registered and revoked by the agency.

An app is a public client: it holds no secret, so every code it gets is bound to the PKCE challenge
the app made (S256 only, insured.app_login) and to the redirect URIs registered here (https, matched
exactly). Both write a SecurityEvent (agency.events: client_issued, client_revoked), as a portal
client's do.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from agency import events
from common.access import Viewer
from common.problems import ValidationFailed
from common.services import SYSTEM, entry, row_lock
from insured.models import PersonApp

APP_PREFIX = "app:"  # a persons' app in the security events (a portal client is "client:<client_id>")


def person_app_register(*, name: str, redirect_uris: list[str], actor: Viewer,
                        client_id: str | None = None) -> PersonApp:
    """Register an app persons sign in to; `client_id` is generated unless given (the demo's app).
    Every redirect URI is an absolute https URL, matched exactly at the authorize and token steps."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.field("name", "required", _("Give the app's name, as persons will see it."))
    uris = [uri.strip() for uri in redirect_uris if uri.strip()]
    if not uris or not all(uri.startswith("https://") and " " not in uri and len(uri) > len("https://")
                           for uri in uris):
        raise ValidationFailed.field("redirect_uris", "invalid",
                                     _("Give one or more redirect URIs, each an absolute https:// address."))
    application = Application.objects.create(
        name=name[:255], client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, redirect_uris=" ".join(uris),
        client_secret="", hash_client_secret=False, skip_authorization=False,
        **({"client_id": client_id} if client_id else {}))
    app = PersonApp.objects.create(application=application, name=name[:100], registered_by_id=actor.user_id)
    events.client_issued(account=f"{APP_PREFIX}{application.client_id}", region_id=None, actor=actor,
                         detail=app.name)
    return app


person_app_register = entry(person_app_register, callers=SYSTEM,
                            refusal=gettext_lazy("Only a superuser may register an app for persons."))


def person_app_revoke(*, app: PersonApp, actor: Viewer) -> PersonApp:
    """Revoke an app: its tokens, refresh tokens and unused codes go at once, and it signs nobody in
    again. An app already revoked stays as it was (no second event)."""
    app = row_lock(PersonApp.objects.all(), app.pk, actor=actor, missing=_("No such app."),
                   related=("application",))
    if app.revoked_at is None:
        app.revoked_at = timezone.now()
        app.revoked_by_id = actor.user_id
        app.save(update_fields=["revoked_at", "revoked_by"])
        RefreshToken.objects.filter(application_id=app.application_id).delete()
        AccessToken.objects.filter(application_id=app.application_id).delete()
        Grant.objects.filter(application_id=app.application_id).delete()
        events.client_revoked(account=f"{APP_PREFIX}{app.application.client_id}", region_id=None, actor=actor,
                              detail=app.name)
    return app


person_app_revoke = entry(person_app_revoke, callers=SYSTEM,
                          refusal=gettext_lazy("Only a superuser may revoke an app for persons."))
