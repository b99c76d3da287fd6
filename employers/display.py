"""Actor names for the codes employers' requests leave behind (see common.display.actor_text):
`client:<client_id>` is a portal client (the employer's name with the client's label),
`applicant:<uscc>` someone who filed a new registration without an account (the applying
employer's name)."""

from __future__ import annotations

from django.utils.translation import gettext

from common.display import actor_resolver_register


def client_text(client) -> str:
    """An employer's portal client: "上海示例科技有限公司（人事系统）"."""
    if client.label:
        return gettext("%(employer)s (portal client %(label)s)") % {"employer": client.employer.name,
                                                                   "label": client.label}
    return gettext("%(employer)s (portal client)") % {"employer": client.employer.name}


def _client_actor(client_id: str) -> str | None:
    from employers.models import EmployerClient

    client = EmployerClient.objects.select_related("employer").filter(application__client_id=client_id).first()
    return client_text(client) if client is not None else None


def _applicant_actor(uscc: str) -> str | None:
    from employers.models import Employer, RegistrationApplication

    name = (RegistrationApplication.objects.filter(uscc=uscc).order_by("-id").values_list("name", flat=True).first()
            or Employer.objects.filter(uscc=uscc).values_list("name", flat=True).first())
    return gettext("applicant %(name)s") % {"name": name} if name else None


def actor_resolvers_register() -> None:
    actor_resolver_register("client", _client_actor)
    actor_resolver_register("applicant", _applicant_actor)
