"""Sending notices and alerts by the person's channel, in chunks, never twice.

A chunk of NOTICE_SEND_CHUNK rows not yet handed over is claimed (`FOR UPDATE SKIP LOCKED`, so any
number of workers share the work) and marked `sending_at` in a transaction of its own that commits
before the first message leaves. Each message is then sent (Django's mail, or the SMS backend of
notices/sms.py) and the chunk's `sent_at` written in one UPDATE after it (also when the sender fails
with an error it cannot handle). A refusal by the mail server or gateway is kept
in `error` (not sent: the row is not claimed again by itself). A worker killed mid-chunk leaves the
rest of its chunk with `sending_at` and no `sent_at`: uncertain, at most one chunk, never sent again
by the job (`uncertain` counts them). So the database knows what was sent and nothing goes twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from common.access import Viewer
from common.services import SYSTEM, entry
from notices import messages
from notices.models import Alert, MonthlyNotice, NoticeChannel
from notices.sms import SmsMessage, get_backend


@dataclass
class Sent:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)


def _claim(model: type[Model], limit: int, **filters) -> list:
    with transaction.atomic():
        rows = list(model.objects.select_for_update(of=("self",), skip_locked=True)
                    .filter(sending_at__isnull=True, sent_at__isnull=True, **filters)
                    .exclude(channel=NoticeChannel.NONE).select_related("person").order_by("id")[:limit])
        if rows:
            model.objects.filter(pk__in=[r.pk for r in rows]).update(sending_at=timezone.now())
    return rows


def _deliver(model: type[Model], rows: list, render, result: Sent) -> Sent:
    mail, sms, sent = None, None, []
    try:
        for row in rows:
            subject, text = render(row)
            try:
                if row.channel == NoticeChannel.EMAIL:
                    mail = mail or get_connection()
                    EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [row.person.email],
                                 connection=mail).send()
                else:
                    sms = sms or get_backend()
                    sms.send_messages([SmsMessage(to=row.person.phone, body=text)])
            except Exception as error:  # a refusal of the mail server or gateway: kept, not retried
                model.objects.filter(pk=row.pk).update(error=str(error)[:300])
                result.failed += 1
                continue
            sent.append(row.pk)
            result.sent += 1
            result.by_channel[row.channel] = result.by_channel.get(row.channel, 0) + 1
    finally:
        # One UPDATE per chunk (a commit per message would cost a WAL flush each); a process that is
        # killed outright leaves the chunk's sent messages uncertain, never sent again.
        if sent:
            model.objects.filter(pk__in=sent).update(sent_at=timezone.now())
    return result


def _notice_render(notice: MonthlyNotice) -> tuple[str, str]:
    return messages.notice_subject(notice), messages.notice_text(notice)


def monthly_notices_send_chunk(*, actor: Viewer, limit: int | None = None, month=None) -> Sent:
    """Claim and send one chunk of the notices not yet handed over (of `month`, if named)."""
    filters = {"month": month} if month is not None else {}
    rows = _claim(MonthlyNotice, limit or settings.NOTICE_SEND_CHUNK, **filters)
    return _deliver(MonthlyNotice, rows, _notice_render, Sent(claimed=len(rows)))


monthly_notices_send_chunk = entry(monthly_notices_send_chunk, callers=SYSTEM, atomic=False)


def _alert_render(alert: Alert) -> tuple[str, str]:
    return messages.alert_subject(alert), messages.alert_text(alert, alert.employer.name)


def alerts_send_chunk(*, actor: Viewer, limit: int | None = None) -> Sent:
    """Claim and send one chunk of the alerts not yet handed over."""
    rows = _claim(Alert, limit or settings.NOTICE_SEND_CHUNK)
    employers = {a.pk: a for a in Alert.objects.filter(pk__in=[r.pk for r in rows]).select_related("employer")}
    for row in rows:
        row.employer = employers[row.pk].employer
    return _deliver(Alert, rows, _alert_render, Sent(claimed=len(rows)))


alerts_send_chunk = entry(alerts_send_chunk, callers=SYSTEM, atomic=False)
