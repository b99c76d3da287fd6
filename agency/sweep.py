"""The daily deadline sweep: remind whoever must act on items falling due, mark overdue
items missed and escalate them to their office's supervisors.

- Reminders: open deadlines due within [today, today + DEADLINE_REMIND_WITHIN_DAYS] go to
  their assignee, or, with none, to the office's staff in the 'clerk' or 'reviewer' group.
- Overdue: open deadlines due before today become `missed` and go to the office's
  'supervisor' group.

"Today" is the Asia/Shanghai date. Every read of deadlines filters `state = 'open'` and a
range of `due_on`, so it runs on the partial indexes over open items (`deadline_open_due`,
or `deadline_one_open_per_subject_rule`, as the planner likes): the cost follows the open
items, never every item ever recorded (bench/deadline_sweep_bench.py checks the plans). Work is done in batches, each locked with
FOR UPDATE SKIP LOCKED, so two sweeps at once share the work instead of doing it twice.

A notice is a row (deadline, kind, recipient) under the unique constraint `notice_once`;
the sweep inserts with ON CONFLICT DO NOTHING and mails only the rows it actually inserted,
after its batch commits. Sending claims each unsent row under a lock and sets `sent_at`, so
no notice is mailed twice; one whose mail failed stays unsent and is tried again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from agency.deadlines import today_in_shanghai
from agency.models import Deadline, DeadlineNotice, DeadlineState, NoticeKind
from common.display import date_text, user_text

log = logging.getLogger(__name__)

REMINDER_GROUPS = ("clerk", "reviewer")
ESCALATION_GROUPS = ("supervisor",)
BATCH_SIZE = 500

Deliver = Callable[[list[int]], object]


class NoticeNotSent(Exception):
    """Mail could not be handed to the mail server; the notices stay unsent for a retry."""


@dataclass
class SweepCounts:
    reminded: int = 0  # reminder notices recorded by this run
    escalated: int = 0  # escalation notices recorded by this run
    missed: int = 0  # deadlines this run marked missed

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def deadline_sweep_run(*, today: date | None = None, remind_within_days: int | None = None,
                       batch_size: int = BATCH_SIZE, deliver: Deliver | None = None) -> SweepCounts:
    """Run one sweep. `deliver(notice_ids)` is called after each batch commits (by default it
    mails them at once; the Celery task passes one that enqueues the sending task)."""
    today = today or today_in_shanghai()
    within = settings.DEADLINE_REMIND_WITHIN_DAYS if remind_within_days is None else remind_within_days
    deliver = deliver or (lambda ids: deadline_notices_send(notice_ids=ids))
    counts = SweepCounts()
    staff = _OfficeStaff()
    _escalate_overdue(today=today, batch_size=batch_size, deliver=deliver, staff=staff, counts=counts)
    _remind_due_soon(today=today, until=today + timedelta(days=within), batch_size=batch_size, deliver=deliver,
                     staff=staff, counts=counts)
    log.info("deadline sweep %s: %s", today, counts.as_dict())
    return counts


def _open_deadlines(**due_on):
    # state='open' plus a due_on range: the planner reads the partial index deadline_open_due.
    return (Deadline.objects.select_for_update(skip_locked=True)
            .filter(state=DeadlineState.OPEN, **due_on).order_by("due_on", "id"))


def _escalate_overdue(*, today, batch_size, deliver, staff, counts) -> None:
    while True:
        with transaction.atomic():
            rows = list(_open_deadlines(due_on__lt=today).values_list("id", "office_id")[:batch_size])
            if not rows:
                return
            Deadline.objects.filter(id__in=[r[0] for r in rows]).update(state=DeadlineState.MISSED,
                                                                         missed_at=timezone.now())
            supervisors = staff.of(ESCALATION_GROUPS, {office_id for _, office_id in rows})
            inserted = notices_record(kind=NoticeKind.ESCALATION, rows=[
                (deadline_id, user_id, email)
                for deadline_id, office_id in rows for user_id, email in supervisors.get(office_id, ())])
            for deadline_id, office_id in rows:
                if not supervisors.get(office_id):
                    log.warning("deadline %s missed: office %s has no supervisor with an e-mail address",
                                deadline_id, office_id)
            counts.missed += len(rows)
            counts.escalated += len(inserted)
            if inserted:
                _deliver_after_commit(deliver, inserted)
        if len(rows) < batch_size:
            return


def _remind_due_soon(*, today, until, batch_size, deliver, staff, counts) -> None:
    # Reminding changes no deadline, so batches advance by keyset on (due_on, id).
    after_due, after_id = today, 0
    while True:
        with transaction.atomic():
            rows = list(_open_deadlines(due_on__gte=after_due, due_on__lte=until)
                        .filter(Q(due_on__gt=after_due) | Q(id__gt=after_id))
                        .values_list("id", "due_on", "office_id", "assignee_id")[:batch_size])
            if not rows:
                return
            after_id, after_due = rows[-1][0], rows[-1][1]
            wanted = _reminder_recipients(rows, staff)
            inserted = notices_record(kind=NoticeKind.REMINDER, rows=wanted)
            # Reminders recorded earlier whose mail failed: try again while the item is still due soon.
            unsent = list(DeadlineNotice.objects
                          .filter(deadline_id__in=[r[0] for r in rows], kind=NoticeKind.REMINDER,
                                  sent_at__isnull=True)
                          .exclude(id__in=inserted).values_list("id", flat=True))
            counts.reminded += len(inserted)
            if inserted or unsent:
                _deliver_after_commit(deliver, inserted + unsent)
        if len(rows) < batch_size:
            return


def _deliver_after_commit(deliver: Deliver, notice_ids: list[int]) -> None:
    def deliver_notices():  # robust: a mail failure is logged, the sweep goes on; the notices stay unsent
        deliver(notice_ids)

    transaction.on_commit(deliver_notices, robust=True)


def _reminder_recipients(rows, staff: "_OfficeStaff") -> list[tuple[int, int, str]]:
    assignee_ids = {assignee_id for *_, assignee_id in rows if assignee_id}
    assignees = dict(get_user_model().objects.filter(id__in=assignee_ids, is_active=True)
                     .values_list("id", "email")) if assignee_ids else {}
    clerks = staff.of(REMINDER_GROUPS, {office_id for _, _, office_id, assignee_id in rows if not assignee_id})
    wanted = []
    for deadline_id, _, office_id, assignee_id in rows:
        if assignee_id:
            email = assignees.get(assignee_id)
            if email:
                wanted.append((deadline_id, assignee_id, email))
            else:
                log.warning("deadline %s: assignee %s is inactive or has no e-mail address; no reminder",
                            deadline_id, assignee_id)
        else:
            if not clerks.get(office_id):
                log.warning("deadline %s: office %s has no clerk with an e-mail address; no reminder",
                            deadline_id, office_id)
            wanted.extend((deadline_id, user_id, email) for user_id, email in clerks.get(office_id, ()))
    return wanted


class _OfficeStaff:
    """Active staff users of an office in some groups, with an e-mail address; looked up once per run."""

    def __init__(self):
        self._cache: dict[tuple, list[tuple[int, str]]] = {}

    def of(self, groups: tuple[str, ...], office_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
        missing = [o for o in office_ids if (groups, o) not in self._cache]
        if missing:
            found = defaultdict(list)
            users = (get_user_model().objects
                     .filter(is_active=True, is_staff=True, clerk_profile__office_id__in=missing,
                             groups__name__in=groups)
                     .values_list("clerk_profile__office_id", "id", "email").distinct().order_by("id"))
            for office_id, user_id, email in users:
                if email:
                    found[office_id].append((user_id, email))
                else:
                    log.warning("staff user %s of office %s has no e-mail address; skipped", user_id, office_id)
            for office_id in missing:
                self._cache[(groups, office_id)] = found.get(office_id, [])
        return {o: self._cache[(groups, o)] for o in office_ids}


def notices_record(*, kind: str, rows: list[tuple[int, int, str]]) -> list[int]:
    """Insert (deadline_id, recipient_id, email) notices of one kind; return the ids of the rows
    actually inserted. A notice that already exists is left alone (constraint `notice_once`)."""
    if not rows:
        return []
    deadline_ids, recipient_ids, emails = (list(column) for column in zip(*rows, strict=True))
    table = connection.ops.quote_name(DeadlineNotice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (deadline_id, kind, recipient_id, email, created_at) "
            "SELECT d, %s, r, e, %s FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS t(d, r, e) "
            "ON CONFLICT (deadline_id, kind, recipient_id) DO NOTHING RETURNING id",
            [kind, timezone.now(), deadline_ids, recipient_ids, emails])
        return [row[0] for row in cursor.fetchall()]


def deadline_notices_send(*, notice_ids: list[int]) -> int:
    """Mail the given notices that are still unsent and mark them sent; returns how many went.

    Each row is claimed FOR UPDATE SKIP LOCKED and must still have no `sent_at`, so two senders
    never mail the same notice. If the mail server refuses one, the ones before it stay marked
    sent and NoticeNotSent is raised for the caller to retry the rest."""
    sent: list[int] = []
    failure: Exception | None = None
    with transaction.atomic():
        notices = list(DeadlineNotice.objects.select_for_update(skip_locked=True, of=("self",))
                       .filter(id__in=notice_ids, sent_at__isnull=True)
                       .select_related("deadline", "deadline__office", "deadline__assignee", "recipient")
                       .order_by("id"))
        if not notices:
            return 0
        with mail.get_connection() as mailer:
            for notice in notices:
                try:
                    mailer.send_messages([notice_message(notice)])
                except Exception as exc:  # SMTP and socket errors alike: keep what went, retry the rest
                    failure = exc
                    break
                sent.append(notice.id)
        if sent:
            DeadlineNotice.objects.filter(id__in=sent).update(sent_at=timezone.now())
    if failure is not None:
        log.warning("deadline notices: %d sent, %d left unsent: %s", len(sent), len(notices) - len(sent), failure)
        raise NoticeNotSent(str(failure)) from failure
    return len(sent)


def notice_message(notice: DeadlineNotice) -> mail.EmailMessage:
    """The mail to a clerk, in the clerks' language (settings.CLERK_LANGUAGE)."""
    with translation.override(settings.CLERK_LANGUAGE):
        return _notice_message(notice)


def _notice_message(notice: DeadlineNotice) -> mail.EmailMessage:
    deadline = notice.deadline
    values = {"rule": deadline.get_rule_display(), "item": deadline.subject_text, "office": deadline.office,
              "starts": date_text(deadline.starts_on), "due": date_text(deadline.due_on),
              "path": f"{settings.SITE_URL}/admin/agency/deadline/{deadline.pk}/change/"}  # a link a mail reader opens
    if notice.kind == NoticeKind.REMINDER:
        values["days"] = (deadline.due_on - today_in_shanghai()).days
        subject = gettext("Deadline reminder: %(item)s due %(due)s") % values
        body = gettext("%(rule)s\nItem: %(item)s\nOffice: %(office)s\nStarted: %(starts)s\n"
                       "Due: %(due)s (%(days)s day(s) left)\n\nReview queue: %(path)s\n") % values
    else:
        values["assignee"] = user_text(deadline.assignee) if deadline.assignee else gettext("nobody")
        subject = gettext("Deadline missed: %(item)s was due %(due)s") % values
        body = gettext("%(rule)s\nItem: %(item)s\nOffice: %(office)s\nStarted: %(starts)s\nDue: %(due)s\n"
                       "Assigned to: %(assignee)s\n\nThe item was not decided in time and is marked missed. "
                       "Review queue: %(path)s\n") % values
    return mail.EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                             to=[notice.email])
