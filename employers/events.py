"""What happened to a registration application: every RegistrationEvent is written here.

One named function per step (filed, returned, resubmitted, approved, rejected), called by the
registration services inside the transaction of the change. The table is append-only (a trigger
refuses UPDATE and DELETE), so every earlier decision stays readable: who, when, why, and the
application's fields before and after the step.
"""

from __future__ import annotations

from typing import Any

from common.access import Kind, Viewer
from employers.models import RegistrationApplication, RegistrationEvent, RegistrationEventKind

# What an event keeps of the application, before and after.
_SNAPSHOT_FIELDS = ("state", "name", "event_date", "late", "submissions", "data")


def registration_snapshot(application: RegistrationApplication) -> dict[str, Any]:
    """The application's reviewable fields as JSON (dates as ISO strings); the clerk's user id of a
    check character override stays out, as in the API."""
    out: dict[str, Any] = {}
    for field in _SNAPSHOT_FIELDS:
        value = getattr(application, field)
        if field == "event_date":
            value = value.isoformat()
        elif field == "data":
            value = {k: v for k, v in value.items() if k != "uscc_override_by"}
        out[field] = value
    if application.employer_id:
        out["employer_id"] = application.employer_id
    return out


def _write(kind: str, application: RegistrationApplication, *, actor: Viewer, actor_label: str = "",
           reason: str = "", before: dict | None = None) -> RegistrationEvent:
    return RegistrationEvent.objects.create(
        application=application, kind=kind, actor=(actor_label or actor.label())[:100],
        actor_user_id=actor.user_id if actor.kind is not Kind.EMPLOYER else None, reason=reason,
        before=before or {}, after=registration_snapshot(application))


def registration_filed(application: RegistrationApplication, *, actor: Viewer,
                       actor_label: str) -> RegistrationEvent:
    return _write(RegistrationEventKind.FILED, application, actor=actor, actor_label=actor_label)


def registration_resubmitted(application: RegistrationApplication, *, before: dict, actor: Viewer,
                             actor_label: str) -> RegistrationEvent:
    return _write(RegistrationEventKind.RESUBMITTED, application, actor=actor, actor_label=actor_label,
                  before=before)


def registration_returned(application: RegistrationApplication, *, before: dict, actor: Viewer,
                          reason: str) -> RegistrationEvent:
    return _write(RegistrationEventKind.RETURNED, application, actor=actor, reason=reason, before=before)


def registration_approved(application: RegistrationApplication, *, before: dict, actor: Viewer,
                          reason: str, employer_before: dict | None = None) -> RegistrationEvent:
    """Approved: `after` adds the employer's registration (number, status) as the approval left it."""
    event = RegistrationEvent(
        application=application, kind=RegistrationEventKind.APPROVED, actor=actor.label()[:100],
        actor_user_id=actor.user_id, reason=reason, before={**before, **({"employer": employer_before}
                                                                         if employer_before else {})},
        after=registration_snapshot(application))
    employer = application.employer
    if employer is not None:
        event.after["employer"] = {"registration_status": employer.registration_status,
                                   "registration_number": employer.registration_number,
                                   **{f: getattr(employer, f) for f in application.data.get("changes", {})}}
    event.save(force_insert=True)
    return event


def registration_rejected(application: RegistrationApplication, *, before: dict, actor: Viewer,
                          reason: str) -> RegistrationEvent:
    return _write(RegistrationEventKind.REJECTED, application, actor=actor, reason=reason, before=before)
