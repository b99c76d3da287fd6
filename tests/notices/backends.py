"""Mail backends of the notices' tests: one that refuses, one that dies mid-run (a killed worker)."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend

sent: list[str] = []
die_at: int | None = None


class Killed(BaseException):
    """The worker's process ending (not an error the sender could catch and record)."""


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise OSError("550 refused by the mail server")


class DyingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        global die_at
        for message in email_messages:
            if die_at is not None and len(sent) + 1 == die_at:
                raise Killed()
            sent.extend(message.to)
        return len(email_messages)
