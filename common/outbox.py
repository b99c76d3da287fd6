"""One outbox for everything the agency sends: a pending row per message, never sent twice.

A model that sends takes the abstract `common.models.Outbox` (its fields say where each message is)
and registers an `OutboxKind` into `outboxes` from its `AppConfig.ready()`: the name, the model, how
one row is sent (`send(row, carriers)`: raise on a refusal), which rows are due (`due`), and what is
recorded with the outcome (`on_sent(ids)`, in the transaction that records it: an event, say).

    write the row (pending)                  in the service's transaction
    outbox_send_after_commit(name)           the task `common.tasks.outbox_send_task` after commit
      claim: FOR UPDATE SKIP LOCKED,         its own transaction, committed before the first message
             sending_at, attempts + 1        leaves, so any number of workers share the work
      send each row                          the mail server, the SMS gateway, the print file
      refused: sending_at NULL,              retried after OUTBOX_BACKOFF_MINUTES x 2^(attempts-1)
               next_attempt_at later         (at most 6 hours), until OUTBOX_MAX_ATTEMPTS: failed_at
      sent: one UPDATE ... WHERE sent_at     the outcome recorded once; `on_sent` gets only the rows
            IS NULL RETURNING id             this UPDATE recorded
    beat `outboxes-retry`                    every OUTBOX_RETRY_MINUTES: stale `sending` rows (older
                                             than OUTBOX_SENDING_TIMEOUT_MINUTES) marked uncertain,
                                             then every due row of every kind sent

A sender killed between the claim and the record leaves its chunk `sending`: never claimed again (a
claim takes only rows with no `sending_at`), marked uncertain for a clerk, who can look the message up
by its Message-ID. So at most one chunk is uncertain and nothing goes twice.

A model whose rows live on after the sending (a statement's delivery: bounced, returned, sent again)
keeps a state column of its own beside these fields; its kind names it (`OutboxStates`) and every move
above writes it in the same statement as the outbox's fields, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from common.access import Viewer
from common.registry import Registry
from common.services import SYSTEM, entry

SEND_TASK = "common.tasks.outbox_send_task"
MAX_BACKOFF = timedelta(hours=6)


class Carriers:
    """The connections a chunk's messages go through, opened once per chunk when first needed."""

    def __init__(self) -> None:
        self._mail = None
        self.extra: dict[str, Any] = {}

    def mail(self):
        if self._mail is None:
            self._mail = get_connection(fail_silently=False)
        return self._mail

    def close(self) -> None:
        if self._mail is not None:
            self._mail.close()


@dataclass(frozen=True)
class OutboxStates:
    """The model's own state column and the value each move of the outbox writes into it."""

    field: str = "state"
    pending: str = "pending"
    sending: str = "sending"
    sent: str = "sent"
    failed: str = "failed"
    uncertain: str = "uncertain"


@dataclass(frozen=True)
class OutboxKind:
    name: str
    model: type[models.Model]
    send: Callable[[Any, Carriers], None]
    due: Callable[[models.QuerySet], models.QuerySet] = lambda rows: rows
    on_sent: Callable[[list[int]], None] | None = None
    chunk: Callable[[], int] = lambda: settings.OUTBOX_CHUNK
    related: tuple[str, ...] = ()
    states: OutboxStates | None = None  # a state column of the model's own, written with each move

    def marks(self, move: str) -> dict[str, str]:
        """The model's own state column for `move` (pending, sending, sent, failed, uncertain), if it keeps one."""
        return {} if self.states is None else {self.states.field: getattr(self.states, move)}


outboxes: Registry[OutboxKind] = Registry("common.outboxes", key=lambda kind: kind.name)


@dataclass
class Sent:
    claimed: int = 0
    sent: int = 0
    retry: int = 0
    failed: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    def add(self, other: Sent) -> None:
        self.claimed, self.sent = self.claimed + other.claimed, self.sent + other.sent
        self.retry, self.failed = self.retry + other.retry, self.failed + other.failed
        for channel, n in other.by_channel.items():
            self.by_channel[channel] = self.by_channel.get(channel, 0) + n


def outbox_kind(name: str) -> OutboxKind:
    kind = outboxes.get(name)
    if kind is None:
        raise LookupError(f"no outbox {name!r} registered")
    return kind


def outbox_state_q(state: str) -> Q:
    """Rows in `state` (pending, sending, sent, failed, uncertain): the admin's filters use these."""
    return {"sent": Q(sent_at__isnull=False),
            "pending": Q(sending_at__isnull=True, sent_at__isnull=True),
            "sending": Q(sending_at__isnull=False, sent_at__isnull=True, failed_at__isnull=True,
                         uncertain_at__isnull=True),
            "failed": Q(sent_at__isnull=True, failed_at__isnull=False),
            "uncertain": Q(sent_at__isnull=True, uncertain_at__isnull=False)}[state]


# What a clerk reads for each state (the admin's filter uses the same words).
STATE_LABELS = {"pending": gettext_lazy("waiting"), "sending": gettext_lazy("being sent"), "sent": gettext_lazy("sent"),
                "failed": gettext_lazy("failed"), "uncertain": gettext_lazy("uncertain")}


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=settings.OUTBOX_BACKOFF_MINUTES * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(kind: OutboxKind, limit: int, filters: dict) -> list:
    now = timezone.now()
    with transaction.atomic():
        rows = kind.due(kind.model.objects.select_for_update(of=("self",), skip_locked=True)
                        .filter(sending_at__isnull=True, sent_at__isnull=True, **filters)
                        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)))
        rows = list(rows.select_related(*kind.related).order_by("id")[:limit])
        if rows:
            kind.model.objects.filter(pk__in=[r.pk for r in rows]).update(sending_at=now, attempts=F("attempts") + 1,
                                                                            **kind.marks("sending"))
            for row in rows:
                row.sending_at, row.attempts = now, row.attempts + 1
                for column, value in kind.marks("sending").items():
                    setattr(row, column, value)
    return rows


def _refused(kind: OutboxKind, row, error: BaseException, result: Sent) -> None:
    now = timezone.now()
    still = kind.model.objects.filter(pk=row.pk, sent_at__isnull=True)
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:  # given up: stays out of every claim, shown as failed
        still.update(failed_at=now, error=str(error)[:300], **kind.marks("failed"))
        result.failed += 1
    else:
        still.update(sending_at=None, next_attempt_at=now + backoff(row.attempts), error=str(error)[:300],
                     **kind.marks("pending"))
        result.retry += 1


def _record_sent(kind: OutboxKind, ids: list[int]) -> list[int]:
    """The outcome, recorded once: only rows not yet recorded are, and `on_sent` gets exactly those."""
    if not ids:
        return []
    table = connection.ops.quote_name(kind.model._meta.db_table)
    also = "".join(f", {connection.ops.quote_name(column)} = %s" for column in kind.marks("sent"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET sent_at = clock_timestamp(), error = ''{also} "  # noqa: S608 (a model's table)
                       "WHERE id = ANY(%s) AND sent_at IS NULL RETURNING id", [*kind.marks("sent").values(), ids])
        recorded = sorted(r[0] for r in cursor.fetchall())
        if recorded and kind.on_sent is not None:
            kind.on_sent(recorded)
    return recorded


def _deliver(kind: OutboxKind, rows: list, result: Sent) -> Sent:
    carriers, sent = Carriers(), []
    try:
        for row in rows:
            try:
                kind.send(row, carriers)
            except Exception as error:  # the mail server, gateway or disk refused: retried later
                _refused(kind, row, error, result)
                continue
            sent.append(row.pk)
            channel = getattr(row, "channel", "")
            result.by_channel[channel] = result.by_channel.get(channel, 0) + 1
    finally:
        # One UPDATE per chunk (a commit per message would cost a WAL flush each). A process killed
        # outright before it leaves the chunk `sending`: uncertain, never sent again.
        carriers.close()
        result.sent += len(_record_sent(kind, sent))
    return result


def outbox_send_chunk(*, name: str, actor: Viewer, limit: int | None = None, **filters) -> Sent:
    """Claim and send one chunk of the outbox's due rows (those matching `filters`, if any)."""
    kind = outbox_kind(name)
    rows = _claim(kind, limit or kind.chunk(), filters)
    return _deliver(kind, rows, Sent(claimed=len(rows)))


# Its own transactions: a chunk is claimed (committed) before its first message leaves.
outbox_send_chunk = entry(outbox_send_chunk, callers=SYSTEM, atomic=False)


def outbox_send_due(*, name: str, actor: Viewer, **filters) -> Sent:
    """Every due row of the outbox, chunk after chunk (a refused row waits for its next attempt)."""
    total = Sent()
    while (chunk := outbox_send_chunk(name=name, actor=actor, **filters)).claimed:
        total.add(chunk)
    return total


outbox_send_due = entry(outbox_send_due, callers=SYSTEM, atomic=False)


def outbox_stale_mark_uncertain(*, name: str, actor: Viewer) -> int:
    """Rows a dead sender left `sending`: marked uncertain for a clerk, never sent again here."""
    kind = outbox_kind(name)
    cutoff = timezone.now() - timedelta(minutes=settings.OUTBOX_SENDING_TIMEOUT_MINUTES)
    return (kind.model.objects.filter(outbox_state_q("sending"), sending_at__lt=cutoff)
            .update(uncertain_at=timezone.now(), **kind.marks("uncertain")))


outbox_stale_mark_uncertain = entry(outbox_stale_mark_uncertain, callers=SYSTEM)


def outbox_send_after_commit(name: str) -> None:
    """Send the outbox's due rows in a task once the current transaction commits (so its rows exist)."""
    transaction.on_commit(lambda: current_app.tasks[SEND_TASK].delay(name=name))
