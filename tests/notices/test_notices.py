"""The monthly notice (Art. 60): its figures for a paid and an unpaid month, the channels, the
preference, a killed run that resumes without sending twice, and who sees what."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core import mail

from common.outbox import outbox_send_chunk
from common.problems import ValidationFailed
from notices.models import MonthlyNotice, NoticeEvent, NoticeRun
from notices.selectors import notices_visible
from notices.services.generation import monthly_notices_generate_step
from notices.services.preferences import notice_preference_set
from notices.services.sending import NOTICES
from notices.tasks import pending_send
from tests.builders import clerk, person_client, person_viewer, portal
from tests.contributions.reads import employer_part, file, individual_part
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory
from tests.notices.world import BASE, NOV, OCT, SYSTEM, generate, month_total, on_staff, pay

pytestmark = pytest.mark.django_db


def _person(employer, **extra):
    person = PersonFactory(region=employer.region, **extra)
    on_staff(employer, person)
    return person


def test_the_notice_holds_the_months_figures_paid_and_unpaid():
    employer = EmployerFactory()
    person = _person(employer)
    file(employer, OCT, {person: BASE})
    file(employer, NOV, {person: BASE})
    pay(employer, month_total())  # October only
    assert generate(OCT) == 1 and generate(NOV) == 1
    october, november = (MonthlyNotice.objects.get(person=person, month=m) for m in (OCT, NOV))
    for notice in (october, november):
        assert (notice.base, notice.employer_total, notice.individual_total, notice.employers) == (
            BASE, employer_part(BASE), individual_part(BASE), 1)
        assert notice.channel == "none" and notice.sent_at is None
    assert october.paid is True
    assert november.paid is False


def test_a_correction_is_netted_and_two_employers_are_summed():
    first, second = EmployerFactory(), EmployerFactory()
    person = _person(first)
    file(first, OCT, {person: BASE})
    file(first, OCT, {person: D("-1000.00")})  # the correction's difference
    file(second, OCT, {person: D("3000.00")})
    generate(OCT)
    notice = MonthlyNotice.objects.get(person=person, month=OCT)
    assert notice.base == D("10000.00") and notice.employers == 2
    assert notice.employer_total == employer_part(BASE) + employer_part("-1000.00") + employer_part("3000.00")


def test_channels_email_in_the_outbox_sms_in_the_fake(sms_outbox):
    employer = EmployerFactory()
    by_mail = _person(employer, email="li@example.cn")
    by_sms = _person(employer, phone="13800138000")
    online = _person(employer, email="wang@example.cn")
    notice_preference_set(channel="email", actor=person_viewer(by_mail))
    notice_preference_set(channel="sms", actor=person_viewer(by_sms))
    file(employer, OCT, {by_mail: BASE, by_sms: BASE, online: BASE})
    generate(OCT)
    assert pending_send() == {"notices": 2, "alerts": 0}
    assert [m.to for m in mail.outbox] == [["li@example.cn"]]
    assert "2026-10" in mail.outbox[0].subject and str(BASE) in mail.outbox[0].body
    assert [m.to for m in sms_outbox] == ["13800138000"]
    assert str(individual_part(BASE)) in sms_outbox[0].body
    assert MonthlyNotice.objects.filter(sent_at__isnull=False).count() == 2
    assert MonthlyNotice.objects.get(person=online).sent_at is None
    assert pending_send() == {"notices": 0, "alerts": 0}  # nothing sent twice
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1


def test_a_channel_needs_its_address_and_a_change_is_an_event():
    person = PersonFactory(email="", phone="")
    with pytest.raises(ValidationFailed) as refused:
        notice_preference_set(channel="sms", actor=person_viewer(person))
    assert refused.value.type_slug == "notice-channel-without-address"
    person.email = "x@example.cn"
    person.save()
    notice_preference_set(channel="email", actor=person_viewer(person))
    notice_preference_set(channel="email", actor=person_viewer(person))  # the same again: no second event
    assert list(NoticeEvent.objects.filter(person=person).values_list("detail", flat=True)) == [
        {"before": "none", "after": "email"}]


def test_a_refused_message_keeps_its_error_and_is_retried_later_once(settings):
    settings.EMAIL_BACKEND = "tests.notices.backends.RefusingBackend"
    employer = EmployerFactory()
    person = _person(employer, email="li@example.cn")
    notice_preference_set(channel="email", actor=person_viewer(person))
    file(employer, OCT, {person: BASE})
    generate(OCT)
    chunk = outbox_send_chunk(name=NOTICES, actor=SYSTEM)
    assert (chunk.claimed, chunk.sent, chunk.retry) == (1, 0, 1)
    notice = MonthlyNotice.objects.get(person=person)
    assert notice.sent_at is None and "refused" in notice.error and notice.outbox_state == "pending"
    assert outbox_send_chunk(name=NOTICES, actor=SYSTEM).claimed == 0  # not before its next attempt
    # the next attempt has come and the mail server answers: sent once, the error cleared
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MonthlyNotice.objects.update(next_attempt_at=None)
    assert pending_send() == {"notices": 1, "alerts": 0}
    assert pending_send() == {"notices": 0, "alerts": 0}
    notice.refresh_from_db()
    assert (notice.outbox_state, notice.attempts, notice.error) == ("sent", 2, "")
    assert [m.to for m in mail.outbox] == [["li@example.cn"]]


def test_a_killed_run_resumes_and_sends_nothing_twice(settings):
    from tests.notices import backends

    employer = EmployerFactory()
    persons = [_person(employer, email=f"p{i}@example.cn") for i in range(5)]
    for person in persons:
        notice_preference_set(channel="email", actor=person_viewer(person))
    file(employer, OCT, {p: BASE for p in persons})
    # Generation killed after its first range: the run knows where it stopped and resumes there.
    first = persons[0].pk
    NoticeRun.objects.create(month=OCT, next_person_id=first)
    step = monthly_notices_generate_step(month=OCT, actor=SYSTEM, persons=2)
    assert (step.written, step.done) == (2, False)
    assert generate(OCT) == 3
    assert generate(OCT) == 0  # a finished month writes nothing
    assert MonthlyNotice.objects.filter(month=OCT).count() == 5
    # Sending killed at the second message of its first chunk of two.
    settings.EMAIL_BACKEND = "tests.notices.backends.DyingBackend"
    settings.NOTICE_SEND_CHUNK = 2
    backends.sent.clear()
    backends.die_at = 2
    with pytest.raises(backends.Killed):
        pending_send()
    assert backends.sent == ["p0@example.cn"]
    backends.die_at = None
    pending_send()  # the next run
    assert backends.sent == ["p0@example.cn", "p2@example.cn", "p3@example.cn", "p4@example.cn"]
    uncertain = MonthlyNotice.objects.get(person=persons[1])
    assert uncertain.sending_at is not None and uncertain.sent_at is None  # never sent again by the job
    pending_send()
    assert len(backends.sent) == 4


def test_a_person_reads_their_own_notices_only():
    employer = EmployerFactory()
    mine, theirs = _person(employer), _person(employer)
    file(employer, OCT, {mine: BASE, theirs: D("9000.00")})
    file(employer, NOV, {mine: BASE})
    generate(OCT)
    generate(NOV)
    client = person_client(mine)
    body = client.get("/api/v1/me/monthly-notices").json()
    assert [r["month"] for r in body["results"]] == ["2026-11", "2026-10"]
    assert {r["base"] for r in body["results"]} == {"8000.00"}
    one = client.get("/api/v1/me/monthly-notices?month=2026-10").json()["results"]
    assert len(one) == 1 and one[0]["paid"] is False and one[0]["employer_total"] == str(employer_part(BASE))
    bad = client.get("/api/v1/me/monthly-notices?month=2026-13")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "month"
    assert notices_visible(person_viewer(theirs)).count() == 1
    assert notices_visible(clerk(employer.region)).count() == 3
    assert notices_visible(clerk(EmployerFactory().region)).count() == 0
    assert notices_visible(portal(employer)).count() == 0


def test_the_preference_over_the_api():
    person = PersonFactory(phone="13800138000")
    client = person_client(person)
    assert client.get("/api/v1/me/notice-preference").json() == {"channel": "none"}
    refused = client.post("/api/v1/me/notice-preference", {"channel": "email"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["type"].endswith("/notice-channel-without-address")
    assert refused.json()["errors"][0]["field"] == "channel"
    ok = client.post("/api/v1/me/notice-preference", {"channel": "sms"}, content_type="application/json",
                     HTTP_IDEMPOTENCY_KEY="pref-1")
    assert ok.status_code == 200 and ok.json() == {"channel": "sms"}
    assert client.get("/api/v1/me/notice-preference").json() == {"channel": "sms"}


def test_the_page_shows_the_notices_and_sets_the_channel():
    employer = EmployerFactory()
    person = _person(employer, email="li@example.cn")
    file(employer, OCT, {person: BASE})
    generate(OCT)
    client = person_client(person)
    page = client.get("/me/notices/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2026年10月" in text and "8000.00" in text and "未到账" in text
    saved = client.post("/me/notices/", {"action": "channel", "channel": "email"})
    assert saved.status_code == 200 and "已保存通知方式" in saved.content.decode()
    assert client.get("/api/v1/me/notice-preference").json() == {"channel": "email"}
