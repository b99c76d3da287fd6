"""Actor names for the codes employers' requests leave behind (see common.display.actor_text):
`client:<client_id>` is a portal client (the employer's name with the client's label),
`applicant:<uscc>` someone who filed a new registration without an account (the applying
employer's name)."""

from __future__ import annotations

from django.utils.translation import gettext

from common.display import actor_resolver_register
from employers.models import Employer, EmployerClient, RegistrationApplication


def _client_actor(client_id: str) -> str | None:
    client = EmployerClient.objects.select_related("employer").filter(application__client_id=client_id).first()
    return str(client) if client is not None else None  # EmployerClient.__str__: the employer and the label


def _applicant_actor(uscc: str) -> str | None:
    name = (RegistrationApplication.objects.filter(uscc=uscc).order_by("-id").values_list("name", flat=True).first()
            or Employer.objects.filter(uscc=uscc).values_list("name", flat=True).first())
    return gettext("applicant %(name)s") % {"name": name} if name else None


def actor_resolvers_register() -> None:
    actor_resolver_register("client", _client_actor)
    actor_resolver_register("applicant", _applicant_actor)
