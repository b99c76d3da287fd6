"""The collector's API clients: issued by an operator (a superuser or the management command), one per
collector system and region; the plain secret is shown once. Each issue is a security event."""

from __future__ import annotations

import secrets

from django.utils.translation import gettext_lazy
from oauth2_provider.models import Application

from agency import events
from agency.models import Region
from collection.models import CollectorClient
from common.access import Viewer
from common.services import SYSTEM, entry


def collector_client_issue(*, region: Region, label: str, actor: Viewer, client_id: str | None = None,
                           client_secret: str | None = None) -> tuple[CollectorClient, str]:
    secret = client_secret or secrets.token_urlsafe(32)
    application = Application.objects.create(
        name=f"collector {region.code} {label}"[:255], client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret,
        hash_client_secret=True, skip_authorization=True, **({"client_id": client_id} if client_id else {}))
    client = CollectorClient.objects.create(application=application, region=region, label=label,
                                            issued_by=actor.label())
    events.client_issued(account=f"collector:{application.client_id}", region_id=region.pk, actor=actor,
                         detail=f"{label} ({region.code})")
    return client, secret


collector_client_issue = entry(collector_client_issue, callers=SYSTEM,
                               refusal=gettext_lazy("Only an operator may issue a collector's API client."))
