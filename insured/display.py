"""Actor names for the codes persons' apps leave behind (see common.display.actor_text):
`app:<client_id>` is a persons' app (insured.models.PersonApp), shown by its name."""

from __future__ import annotations

from django.utils.translation import gettext

from insured.models import PersonApp


def app_actor(client_id: str) -> str | None:
    """Registered in InsuredConfig.ready(): "参保人应用：<the app's name>"."""
    name = PersonApp.objects.filter(application__client_id=client_id).values_list("name", flat=True).first()
    return gettext("persons' app: %(name)s") % {"name": name} if name else None
