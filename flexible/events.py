"""What happened to a flexible worker's enrolment: every FlexibleEvent is written here, one function per
kind, inside the transaction of the change it records."""

from __future__ import annotations

from common.access import Viewer
from flexible.models import FlexibleEnrolment, FlexibleEvent, FlexibleEventKind


def _write(kind: str, enrolment: FlexibleEnrolment, *, actor: Viewer, **details) -> FlexibleEvent:
    return FlexibleEvent.objects.create(kind=kind, enrolment=enrolment, actor=actor.label(),
                                        actor_user_id=actor.user_id, details=details)


def enrolment_made(enrolment: FlexibleEnrolment, *, actor: Viewer, base, channel: str) -> FlexibleEvent:
    return _write(FlexibleEventKind.ENROLLED, enrolment, actor=actor, base=str(base), channel=channel,
                  start_month=f"{enrolment.start_month:%Y-%m}")


def base_changed(enrolment: FlexibleEnrolment, *, actor: Viewer, base, from_month) -> FlexibleEvent:
    return _write(FlexibleEventKind.BASE_CHANGED, enrolment, actor=actor, base=str(base),
                  from_month=f"{from_month:%Y-%m}")


def enrolment_stopped(enrolment: FlexibleEnrolment, *, actor: Viewer, note: str = "") -> FlexibleEvent:
    return _write(FlexibleEventKind.STOPPED, enrolment, actor=actor, note=note,
                  from_month=f"{enrolment.stopped_from:%Y-%m}")


def enrolment_resumed(enrolment: FlexibleEnrolment, *, actor: Viewer, from_month, note: str = "") -> FlexibleEvent:
    return _write(FlexibleEventKind.RESUMED, enrolment, actor=actor, note=note, from_month=f"{from_month:%Y-%m}")


def months_charged(enrolment: FlexibleEnrolment, *, actor: Viewer, months: list[str],
                   skipped: list[str]) -> FlexibleEvent:
    """The monthly run charged `months`; `skipped` were months an employer insured the person."""
    return _write(FlexibleEventKind.MONTHS_CHARGED, enrolment, actor=actor, months=months, skipped=skipped)


def months_reversed(enrolment: FlexibleEnrolment, *, actor: Viewer, months: list[str],
                    employment: int | None, to_suspense: str = "0.00") -> FlexibleEvent:
    """Months charged as a flexible worker's turned out to be an employer's: their charges were reversed;
    `to_suspense`: the money given back above the credit limit, waiting in suspense for a clerk."""
    return _write(FlexibleEventKind.MONTHS_REVERSED, enrolment, actor=actor, months=months, employment=employment,
                  to_suspense=to_suspense)
