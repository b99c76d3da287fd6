"""The notices' events: one writer per kind, called by the services in their own transaction.
Nothing else writes NoticeEvent."""

from __future__ import annotations

from common.access import Viewer
from notices.models import NoticeEvent, NoticeEventKind


def _write(*, kind: NoticeEventKind, person, actor: Viewer, detail: dict) -> NoticeEvent:
    return NoticeEvent.objects.create(kind=kind, person_id=person.pk, region_id=person.region_id,
                                      actor=actor.label(), detail=detail)


def notice_preference_changed(person, *, actor: Viewer, before: str, after: str) -> NoticeEvent:
    return _write(kind=NoticeEventKind.PREFERENCE_CHANGED, person=person, actor=actor,
                  detail={"before": before, "after": after})


def alert_look_into_asked(person, *, actor: Viewer, kind: str, month: str, employer_id: int,
                          dispute_id) -> NoticeEvent:
    return _write(kind=NoticeEventKind.LOOK_INTO_ASKED, person=person, actor=actor,
                  detail={"kind": kind, "month": month, "employer": employer_id, "dispute": dispute_id})
