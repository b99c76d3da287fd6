"""The deadline engine and its daily sweep, run through Celery (eager) on real PostgreSQL."""

import threading
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone, translation

from agency.deadlines import deadline_close, deadline_open
from agency.models import Deadline, DeadlineNotice, DeadlineState, NoticeKind
from agency.sweep import NoticeNotSent, deadline_notices_send, deadline_sweep_run
from agency.tasks import deadline_sweep
from employers.models import RegistrationTerms
from employers.terms import RegistrationRule
from employers.terms import terms_for as registration_terms_for
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user, terms_set
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise OSError("connection refused")


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.DEADLINE_REMIND_WITHIN_DAYS = 3
    mail.outbox = []
    return mail.outbox


@pytest.fixture
def run_sweep(django_capture_on_commit_callbacks):
    """The beat task, through Celery; the test's transaction stands in for the commits."""

    def run() -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return deadline_sweep.delay().get()

    return run


def staff(office, group: str, *, email: bool = True):
    user = clerk_user(office, groups=(group,))
    if email:
        user.email = f"{user.username}@agency.example"
        user.save(update_fields=["email"])
    return user


def due_in(region, days: int, *, assignee=None, subject=None) -> Deadline:
    """An open Art. 57 review deadline (15 calendar days by default) falling due `days` from today."""
    starts_on = timezone.localdate() + timedelta(days=days - registration_terms_for(region).review_days)
    return deadline_open(rule=RegistrationRule.REGISTRATION_REVIEW, subject=subject or PersonFactory(region=region),
                         region=region, starts_on=starts_on, assignee=assignee)


@pytest.fixture
def office():
    return OfficeFactory(region=RegionFactory(code="310101", name="黄浦区"))


def recipients(outbox) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


def test_reminder_goes_once_to_the_assignee(office, outbox, run_sweep):
    clerk = staff(office, "clerk")
    staff(office, "clerk")  # a colleague: not reminded of an item assigned to someone else
    deadline = due_in(office.region, 2, assignee=clerk)

    assert run_sweep() == {"reminded": 1, "escalated": 0, "missed": 0}
    assert recipients(outbox) == [clerk.email]
    with translation.override("zh-hans"):  # clerks' mail is in their language (settings.CLERK_LANGUAGE)
        assert deadline.subject_text in outbox[0].subject and str(deadline.due_on) in outbox[0].subject
        assert outbox[0].subject.startswith("办理时限提醒")
    # The link opens from a mail reader: absolute, at the site's address (settings.SITE_URL).
    assert f"http://127.0.0.1:8000/admin/agency/deadline/{deadline.pk}/change/" in outbox[0].body
    notice = DeadlineNotice.objects.get(deadline=deadline)
    assert (notice.kind, notice.recipient, notice.email) == (NoticeKind.REMINDER, clerk, clerk.email)
    assert notice.sent_at is not None

    assert run_sweep() == {"reminded": 0, "escalated": 0, "missed": 0}
    assert len(outbox) == 1
    assert DeadlineNotice.objects.count() == 1
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.OPEN


def test_unassigned_item_reminds_the_offices_clerks_and_reviewers(office, outbox, run_sweep):
    clerk, reviewer = staff(office, "clerk"), staff(office, "reviewer")
    staff(office, "clerk", email=False)  # recorded nowhere, logged
    staff(office, "supervisor")  # supervisors hear of missed items only
    staff(OfficeFactory(region=RegionFactory(code="110105")), "clerk")  # another region's clerk
    due_in(office.region, 0)

    assert run_sweep()["reminded"] == 2
    assert recipients(outbox) == sorted([clerk.email, reviewer.email])


@pytest.mark.parametrize(("days", "reminded"), [(-1, False), (0, True), (3, True), (4, False), (30, False)])
def test_reminder_window_is_today_to_n_days_ahead(office, run_sweep, days, reminded):
    due_in(office.region, days, assignee=staff(office, "clerk"))
    assert run_sweep()["reminded"] == int(reminded)


def test_overdue_item_is_marked_missed_and_escalated_to_its_offices_supervisors(office, outbox, run_sweep):
    clerk = staff(office, "clerk")
    boss, deputy = staff(office, "supervisor"), staff(office, "supervisor")
    other_office = OfficeFactory(region=RegionFactory(code="110105", name="朝阳区"))
    other_boss = staff(other_office, "supervisor")
    late = due_in(office.region, -2, assignee=clerk)
    on_time = due_in(other_office.region, 10)

    assert run_sweep() == {"reminded": 0, "escalated": 2, "missed": 1}
    late.refresh_from_db()
    assert late.state == DeadlineState.MISSED and late.missed_at is not None and late.closed_at is None
    assert recipients(outbox) == sorted([boss.email, deputy.email])
    assert other_boss.email not in recipients(outbox) and clerk.email not in recipients(outbox)
    # In the clerks' language; the assignee by name (this one has none recorded: the username).
    assert outbox[0].subject.startswith("办理超期") and f"承办人：{clerk.username}" in outbox[0].body
    assert set(DeadlineNotice.objects.values_list("kind", flat=True)) == {NoticeKind.ESCALATION}
    on_time.refresh_from_db()
    assert on_time.state == DeadlineState.OPEN

    assert run_sweep() == {"reminded": 0, "escalated": 0, "missed": 0}
    assert len(outbox) == 2


def test_items_of_another_region_do_not_reach_this_office(office, outbox, run_sweep):
    staff(office, "clerk"), staff(office, "supervisor")
    other_office = OfficeFactory(region=RegionFactory(code="110105"))
    theirs_clerk, theirs_boss = staff(other_office, "clerk"), staff(other_office, "supervisor")
    due_in(other_office.region, 1)
    due_in(other_office.region, -1)

    assert run_sweep() == {"reminded": 1, "escalated": 1, "missed": 1}
    assert recipients(outbox) == sorted([theirs_clerk.email, theirs_boss.email])


def test_decided_and_withdrawn_items_are_left_alone(office, outbox, run_sweep):
    staff(office, "clerk"), staff(office, "supervisor")
    decided, withdrawn = PersonFactory(region=office.region), PersonFactory(region=office.region)
    met, cancelled = due_in(office.region, 3, subject=decided), due_in(office.region, 1, subject=withdrawn)
    deadline_close(subject=decided, rule=RegistrationRule.REGISTRATION_REVIEW)
    deadline_close(subject=withdrawn, rule=RegistrationRule.REGISTRATION_REVIEW, cancelled=True)

    assert run_sweep() == {"reminded": 0, "escalated": 0, "missed": 0}
    assert outbox == []
    assert dict(Deadline.objects.values_list("id", "state")) == {met.id: DeadlineState.MET,
                                                                  cancelled.id: DeadlineState.CANCELLED}


def test_a_missed_item_decided_later_stays_missed_and_is_not_escalated_again(office, outbox, run_sweep):
    staff(office, "supervisor")
    person = PersonFactory(region=office.region)
    late = due_in(office.region, -1, subject=person)
    assert run_sweep()["missed"] == 1
    deadline_close(subject=person, rule=RegistrationRule.REGISTRATION_REVIEW)
    late.refresh_from_db()
    assert late.state == DeadlineState.MISSED and late.closed_at is not None
    assert run_sweep() == {"reminded": 0, "escalated": 0, "missed": 0}
    assert len(outbox) == 1


@pytest.mark.parametrize(("due_in_days", "state"), [(0, DeadlineState.MET), (-1, DeadlineState.MISSED),
                                                    (-20, DeadlineState.MISSED)])
def test_an_item_decided_after_its_due_date_before_the_sweep_is_missed(office, outbox, run_sweep, due_in_days,
                                                                        state):
    """Decided on the due date is in time; a day later is late, whenever (or whether) the sweep runs."""
    staff(office, "supervisor")
    person = PersonFactory(region=office.region)
    deadline = due_in(office.region, due_in_days, subject=person)
    deadline_close(subject=person, rule=RegistrationRule.REGISTRATION_REVIEW)
    deadline.refresh_from_db()
    assert deadline.state == state and deadline.closed_at is not None
    assert (deadline.missed_at is not None) == (state == DeadlineState.MISSED)
    assert run_sweep() == {"reminded": 0, "escalated": 0, "missed": 0}  # decided: nothing left to escalate
    assert Deadline.objects.get(pk=deadline.pk).state == state


def test_reassigned_item_reminds_the_new_assignee_once(office, outbox, run_sweep):
    from agency.deadlines import deadline_assign
    from common.access import viewer_for_user

    first, second = staff(office, "clerk"), staff(office, "clerk")
    deadline = due_in(office.region, 1, assignee=first)
    run_sweep()
    deadline_assign(deadline=deadline, assignee=second, actor=viewer_for_user(first))
    assert run_sweep()["reminded"] == 1
    run_sweep()
    assert recipients(outbox) == sorted([first.email, second.email])


def test_mail_that_failed_stays_unsent_and_goes_on_the_next_sweep(office, outbox, settings,
                                                                  django_capture_on_commit_callbacks):
    clerk, boss = staff(office, "clerk"), staff(office, "supervisor")
    due_in(office.region, 1, assignee=clerk)
    due_in(office.region, -1)

    settings.EMAIL_BACKEND = "tests.agency.test_deadlines.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        counts = deadline_sweep_run()  # the failure is logged, the sweep carries on
    assert counts.as_dict() == {"reminded": 1, "escalated": 1, "missed": 1}
    assert outbox == []
    assert DeadlineNotice.objects.filter(sent_at__isnull=True).count() == 2
    escalation = DeadlineNotice.objects.get(kind=NoticeKind.ESCALATION)
    with pytest.raises(NoticeNotSent):
        deadline_notices_send(notice_ids=[escalation.id])

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        counts = deadline_sweep_run()
    assert counts.as_dict() == {"reminded": 0, "escalated": 0, "missed": 0}
    assert recipients(outbox) == [clerk.email]  # the reminder is retried while the item is due soon
    assert deadline_notices_send(notice_ids=[escalation.id]) == 1  # what the send task's retry does
    assert deadline_notices_send(notice_ids=[escalation.id]) == 0
    assert recipients(outbox) == sorted([clerk.email, boss.email])
    assert not DeadlineNotice.objects.filter(sent_at__isnull=True).exists()


def test_working_day_rule_skips_the_national_day_holiday():
    calendar_region = RegionFactory(code="310101")
    working_region = RegionFactory(code="320102")
    terms_set(working_region, RegistrationTerms, review_in_working_days=True)
    OfficeFactory(region=calendar_region), OfficeFactory(region=working_region)
    friday = date(2024, 9, 27)  # 2024-09-29 (Sun) and 10-12 (Sat) are make-up working days; 10-01..07 off

    by_calendar = deadline_open(rule=RegistrationRule.REGISTRATION_REVIEW, subject=calendar_region,
                                region=calendar_region, starts_on=friday)
    by_working_days = deadline_open(rule=RegistrationRule.REGISTRATION_REVIEW, subject=working_region,
                                    region=working_region, starts_on=friday)
    assert (by_calendar.due_on, by_calendar.working_days) == (date(2024, 10, 12), False)
    assert (by_working_days.due_on, by_working_days.working_days, by_working_days.days) == (date(2024, 10, 23),
                                                                                             True, 15)

    spring = deadline_open(rule=RegistrationRule.REGISTRATION_REVIEW, subject=PersonFactory(region=working_region),
                           region=working_region, starts_on=date(2025, 1, 24))
    # Spring Festival 2025: 01-28..02-04 off, 01-26 (Sun) and 02-08 (Sat) worked.
    assert spring.due_on == date(2025, 2, 20)  # 15 calendar days would give 02-08


def test_sweep_task_runs_through_celery(office, outbox, run_sweep):
    from config.celery import app

    assert "agency.tasks.deadline_sweep" in app.tasks
    staff(office, "supervisor")
    due_in(office.region, -1), due_in(office.region, 2, assignee=staff(office, "reviewer"))
    assert run_sweep() == {"reminded": 1, "escalated": 1, "missed": 1}
    assert len(outbox) == 2


def test_beat_runs_the_sweep_daily_at_the_configured_hour_in_shanghai(settings):
    """Due at DEADLINE_SWEEP_HOUR:00 Shanghai time each day, not before, and under a task name the
    workers know (a typo in the schedule would never run the sweep)."""
    from config.celery import app

    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["deadline-sweep"]
    assert entry["task"] in app.tasks
    shanghai = ZoneInfo("Asia/Shanghai")
    last_run = datetime(2026, 3, 1, settings.DEADLINE_SWEEP_HOUR, 0, 5, tzinfo=shanghai)
    at_the_hour = last_run + timedelta(days=1)
    schedule = entry["schedule"]
    schedule.nowfun = lambda: at_the_hour - timedelta(minutes=30)
    assert not schedule.is_due(last_run).is_due
    schedule.nowfun = lambda: at_the_hour
    assert schedule.is_due(last_run).is_due


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_notice_once(outbox):
    office = OfficeFactory(region=RegionFactory(code="310101"))
    clerks = [staff(office, "clerk") for _ in range(3)]
    boss = staff(office, "supervisor")
    for i in range(40):
        due_in(office.region, -1 - i % 5)
        due_in(office.region, i % 4, assignee=clerks[i % 3])
    barrier, results = threading.Barrier(2), []

    def sweep():
        try:
            barrier.wait()
            results.append(deadline_sweep_run(batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sum(r.missed for r in results) == 40
    assert sum(r.escalated for r in results) == 40 and sum(r.reminded for r in results) == 40
    assert len(outbox) == 80
    assert Counter(recipients(outbox)) == {boss.email: 40, clerks[0].email: 14, clerks[1].email: 13,
                                           clerks[2].email: 13}
    sent = DeadlineNotice.objects.filter(sent_at__isnull=False)
    assert sent.count() == 80 == DeadlineNotice.objects.count()
    assert len({(m.to[0], m.subject) for m in outbox}) == 80  # no message twice
