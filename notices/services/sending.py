"""Sending notices and alerts by the person's channel, through the one outbox (common/outbox.py).

Each notice and alert is an outbox row (`notices.models.Delivered`): a chunk of NOTICE_SEND_CHUNK rows
not yet handed over is claimed (`FOR UPDATE SKIP LOCKED`, so any number of workers share the work) and
marked `sending_at` in a transaction of its own that commits before the first message leaves; each
message is sent (Django's mail, or the SMS backend of notices/sms.py) and the chunk's `sent_at` written
in one UPDATE after it. A refusal by the mail server or gateway is kept in `error` and the row retried
with backoff (beat `outboxes-retry`), up to OUTBOX_MAX_ATTEMPTS. A worker killed mid-chunk leaves the
rest of its chunk `sending`: uncertain, at most one chunk, never sent again by the job. What this module
adds is what a notice and an alert say and to whom (`OUTBOXES`, registered in NoticesConfig.ready());
they are sent by the outbox's own services (`outbox_send_due(name=NOTICES)`, `notices.tasks.pending_send`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from common.outbox import Carriers, OutboxKind
from notices import messages
from notices.models import Alert, MonthlyNotice, NoticeChannel
from notices.sms import SmsMessage, get_backend

NOTICES, ALERTS = "notices.monthly", "notices.alerts"


def _send(row, subject: str, text: str, carriers: Carriers) -> None:
    if row.channel == NoticeChannel.EMAIL:
        EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [row.person.email],
                     connection=carriers.mail()).send()
    else:
        sms = carriers.extra.get("sms") or carriers.extra.setdefault("sms", get_backend())
        sms.send_messages([SmsMessage(to=row.person.phone, body=text)])


def _notice_send(notice: MonthlyNotice, carriers: Carriers) -> None:
    _send(notice, messages.notice_subject(notice), messages.notice_text(notice), carriers)


def _alert_send(alert: Alert, carriers: Carriers) -> None:
    _send(alert, messages.alert_subject(alert), messages.alert_text(alert, alert.employer.name), carriers)


def _with_a_channel(rows):
    return rows.exclude(channel=NoticeChannel.NONE)


def _chunk() -> int:
    return settings.NOTICE_SEND_CHUNK


OUTBOXES = (
    OutboxKind(NOTICES, MonthlyNotice, send=_notice_send, due=_with_a_channel, chunk=_chunk, related=("person",)),
    OutboxKind(ALERTS, Alert, send=_alert_send, due=_with_a_channel, chunk=_chunk, related=("person", "employer")),
)

