"""The decision letter goes by the one outbox (common/outbox.py): a mail server's fault leaves it pending
and the retry sends it once; a killed sender resumes and sends nothing twice; the event `letter` is written
once, and only when the letter was sent. Only the mail backend is replaced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import TestCase
from django.utils import timezone

from common.access import Viewer
from common.outbox import outbox_send_due
from common.tasks import outboxes_retry
from pensions.models import Determination, DeterminationLetter, PensionEvent
from pensions.services.determination import LETTERS, determination_approve, determination_open
from tests.builders import clerk
from tests.pensions.test_determination import _man, city, man  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

down = {"on": False}
killed_at = {"n": None, "seen": 0}


class FlakyBackend(LocmemBackend):
    """The mail server: refuses every message while `down["on"]`."""

    def send_messages(self, messages):
        if down["on"]:
            raise OSError("421 service not available")
        return super().send_messages(messages)


class Killed(BaseException):
    """The sender's process ending: nothing it could catch and record."""


class DyingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        killed_at["seen"] += 1
        if killed_at["seen"] == killed_at["n"]:
            raise Killed()
        mail.outbox.extend(messages)
        return len(messages)


def _letter_events(person) -> int:
    return PensionEvent.objects.filter(person=person, kind="letter").count()


def _determined(city, person) -> Determination:  # noqa: F811
    person.statement_delivery, person.email = "email", f"p{person.pk}@example.com"
    person.save(update_fields=["statement_delivery", "email"])
    row = determination_open(person=person, actor=clerk(city, ("clerk",)))
    with TestCase.captureOnCommitCallbacks(execute=True):
        return determination_approve(determination=row, actor=clerk(city, ("reviewer",)))


def _later(minutes: int):
    """The clock moved on: the refused letter's next attempt is due."""
    DeterminationLetter.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=minutes))


def test_a_mail_server_fault_leaves_the_letter_pending_and_the_retry_sends_it_once(settings, city, man):  # noqa: F811
    settings.EMAIL_BACKEND = "tests.pensions.test_determination_letter.FlakyBackend"
    mail.outbox.clear()
    down["on"] = True
    try:
        row = _determined(city, man)
    finally:
        down["on"] = False
    letter = DeterminationLetter.objects.get(determination=row)
    assert letter.outbox_state == "pending" and letter.attempts == 1 and "421" in letter.error
    assert letter.next_attempt_at > timezone.now()
    assert mail.outbox == [] and _letter_events(man) == 0  # not recorded as sent
    assert outboxes_retry()[LETTERS]["sent"] == 0  # its next attempt has not come yet
    _later(1)
    assert outboxes_retry()[LETTERS]["sent"] == 1
    assert [m.to for m in mail.outbox] == [[man.email]]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    letter.refresh_from_db()
    assert letter.outbox_state == "sent" and letter.attempts == 2 and letter.error == ""
    assert _letter_events(man) == 1
    _later(1)
    outboxes_retry()
    assert len(mail.outbox) == 1 and _letter_events(man) == 1  # sent once, its event once


def test_a_letter_refused_every_time_is_given_up_and_shown_failed(settings, city, man):  # noqa: F811
    settings.EMAIL_BACKEND = "tests.pensions.test_determination_letter.FlakyBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    down["on"] = True
    try:
        _determined(city, man)
        _later(1)
        outboxes_retry()
        _later(1)
        outboxes_retry()
    finally:
        down["on"] = False
    letter = DeterminationLetter.objects.get()
    assert letter.outbox_state == "failed" and letter.attempts == 2 and _letter_events(man) == 0


def test_a_killed_sender_resumes_and_sends_nothing_twice(settings, city, man):  # noqa: F811
    settings.EMAIL_BACKEND = "tests.pensions.test_determination_letter.DyingBackend"
    mail.outbox.clear()
    killed_at.update(n=1, seen=0)  # the sender dies handing the letter to the mail server
    with pytest.raises(Killed):
        _determined(city, man)
    letter = DeterminationLetter.objects.get()
    assert letter.outbox_state == "sending" and mail.outbox == []
    killed_at.update(n=None)
    assert outbox_send_due(name=LETTERS, actor=Viewer.system()).sent == 0  # the next run: not sent again
    settings.OUTBOX_SENDING_TIMEOUT_MINUTES = 0
    assert outboxes_retry()[LETTERS] == {"uncertain": 1, "sent": 0, "retry": 0, "failed": 0}
    letter.refresh_from_db()
    assert letter.outbox_state == "uncertain" and _letter_events(man) == 0
    outboxes_retry()
    assert mail.outbox == [] and _letter_events(man) == 0


def test_a_letter_sent_and_its_record_lost_is_not_sent_again(settings, city):  # noqa: F811
    """Two persons' letters: the first is handed over, then the sender dies before the second. The first is
    recorded sent (its event once), the second stays claimed and is never sent by a later run."""
    settings.EMAIL_BACKEND = "tests.pensions.test_determination_letter.DyingBackend"
    from tests.pensions import factories as f

    f.benefit(city, 2024, "10000.00", "1.20")
    first, second = _man(city, seq=11), _man(city, seq=12)
    mail.outbox.clear()
    killed_at.update(n=None, seen=0)
    _determined(city, first)
    killed_at.update(n=2)
    with pytest.raises(Killed):
        _determined(city, second)
    killed_at.update(n=None)
    outboxes_retry()
    assert [m.to for m in mail.outbox] == [[first.email]]
    assert (_letter_events(first), _letter_events(second)) == (1, 0)
    states = dict(DeterminationLetter.objects.values_list("determination__person_id", "sending_at"))
    assert all(states.values())  # both were handed to the sender once
