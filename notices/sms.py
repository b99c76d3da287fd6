"""The SMS gateway interface, shaped like Django's e-mail backends.

`settings.SMS_BACKEND` names a module holding a class `SmsBackend` (or a dotted path to the class):

- `notices.sms.console`: writes each message to standard output (development);
- `notices.sms.locmem`: keeps messages in `notices.sms.outbox` (tests; cleared by the test fixture);
- a gateway's own backend in production: a class with `send_messages(messages) -> int`.

A backend sends what it can and raises `SmsError` for a refusal; it returns how many it sent.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

MAX_LENGTH = 300  # characters: a long SMS of a few parts; the notice's text stays well below


class SmsError(Exception):
    """The gateway refused a message."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages: list[SmsMessage]) -> int:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: the message on standard output."""

    _lock = threading.Lock()

    def send_messages(self, messages: list[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                sys.stdout.write(f"SMS to {message.to}: {message.body}\n")
            sys.stdout.flush()
        return len(messages)


outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: messages kept in `notices.sms.outbox`."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


BACKENDS = {"notices.sms.console": ConsoleSmsBackend, "notices.sms.locmem": LocmemSmsBackend}


def get_backend(path: str | None = None, **kwargs) -> BaseSmsBackend:
    path = path or settings.SMS_BACKEND
    backend = BACKENDS.get(path) or import_string(path)
    return backend(**kwargs)


def send_sms(to: str, body: str) -> int:
    """Send one message through the configured backend."""
    if not to or len(body) > MAX_LENGTH:
        raise SmsError("no number" if not to else "message too long")
    return get_backend().send_messages([SmsMessage(to=to, body=body)])
