"""Alerts (issue 28 item 5): an undeclared month, an Art. 62 provisional month, a month past due
and unpaid; none when everything is declared and paid; recorded and sent once; the one step to the
agency; who sees them."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from contributions.models import ChargeKind
from notices.models import Alert, NoticeEvent
from notices.selectors import alerts_live
from notices.services.preferences import notice_preference_set
from notices.tasks import alerts_generate, pending_send
from tests.agency.factories import OfficeFactory
from tests.builders import clerk, person_client, person_viewer
from tests.contributions.charges import charge
from tests.contributions.reads import file
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory
from tests.notices.world import BASE, NOV, OCT, TODAY, month_total, on_staff, pay

pytestmark = pytest.mark.django_db


def _staff(**extra):
    employer = EmployerFactory(name="测试科技有限公司")
    person = PersonFactory(region=employer.region, **extra)
    on_staff(employer, person)
    return employer, person


def _alerts(person, today=TODAY):
    return [(a.kind, a.month, a.employer_id) for a in alerts_live(person_viewer(person), today=today)]


def test_no_alert_when_every_month_is_declared_and_paid():
    employer, person = _staff()
    file(employer, OCT, {person: BASE})
    file(employer, NOV, {person: BASE})
    pay(employer, month_total() * 2)
    assert _alerts(person) == []
    assert alerts_generate(TODAY) == 0


def test_an_undeclared_month_after_its_declaration_day():
    employer, person = _staff()
    file(employer, OCT, {person: BASE})
    pay(employer, month_total())
    assert _alerts(person) == [("undeclared", NOV, employer.pk)]
    # Before November's declaration day (the 10th) nothing is late yet.
    assert _alerts(person, today=date(2026, 11, 9)) == []
    assert _alerts(person, today=date(2026, 11, 11)) == [("undeclared", NOV, employer.pk)]


def test_a_month_of_a_former_employer_after_the_person_left_raises_nothing():
    employer, person = _staff()
    employment = person.employments.get()
    employment.end_date = date(2026, 10, 31)
    employment.save()
    file(employer, OCT, {person: BASE})
    pay(employer, month_total())
    assert _alerts(person) == []


def test_a_provisional_month_replaces_the_undeclared_alert():
    employer, person = _staff()
    file(employer, OCT, {person: BASE})
    pay(employer, month_total())
    provisional = charge(employer, NOV, month_total() * 11 / 10, kind=ChargeKind.PROVISIONAL)
    assert _alerts(person) == [("provisional", NOV, employer.pk)]
    # A late declaration reverses the provisional charge: the month is declared (and here unpaid).
    charge(employer, NOV, -provisional.amount, kind=ChargeKind.PROVISIONAL_REVERSAL, parent=provisional)
    file(employer, NOV, {person: BASE})
    assert _alerts(person) == [("unpaid", NOV, employer.pk)]


def test_a_month_past_due_and_unpaid():
    employer, person = _staff()
    file(employer, OCT, {person: BASE})
    file(employer, NOV, {person: BASE})
    pay(employer, month_total())  # October only
    assert _alerts(person) == [("unpaid", NOV, employer.pk)]
    # Not yet due (November's payment day is the 15th): no alert.
    assert _alerts(person, today=date(2026, 11, 14)) == []


def test_alerts_are_recorded_and_sent_once_by_the_persons_channel():
    employer, person = _staff(email="li@example.cn")
    notice_preference_set(channel="email", actor=person_viewer(person))
    file(employer, OCT, {person: BASE})
    assert alerts_generate(TODAY) == 2  # October unpaid, November undeclared
    assert alerts_generate(TODAY) == 0  # recorded once
    assert pending_send() == {"notices": 0, "alerts": 2}
    assert sorted(m.subject for m in mail.outbox) == ["您2026-10的缴费需要关注", "您2026-11的缴费需要关注"]
    assert any("测试科技有限公司" in m.body for m in mail.outbox)
    assert pending_send() == {"notices": 0, "alerts": 0}
    assert set(Alert.objects.values_list("kind", flat=True)) == {"unpaid", "undeclared"}


def test_alerts_over_the_api_are_the_persons_own():
    employer, person = _staff()
    _other_employer, other = _staff()
    file(employer, OCT, {person: BASE})
    pay(employer, month_total())
    body = person_client(person).get("/api/v1/me/alerts").json()
    assert [(a["kind"], a["month"], a["employer_uscc"]) for a in body] == [("undeclared", "2026-11", employer.uscc)]
    assert all(a["employer_uscc"] != employer.uscc for a in person_client(other).get("/api/v1/me/alerts").json())
    assert alerts_live(clerk(employer.region)) == []  # the live read is the person's own


def test_asking_about_a_month_in_order_is_refused():
    employer, person = _staff()
    file(employer, OCT, {person: BASE})
    file(employer, NOV, {person: BASE})
    pay(employer, month_total() * 2)
    answer = person_client(person).post("/api/v1/me/alerts/look-into",
                                        {"kind": "unpaid", "month": "2026-11", "employer_uscc": employer.uscc},
                                        content_type="application/json")
    assert answer.status_code == 404 and answer.json()["type"].endswith("/no-such-alert")


def test_one_step_from_an_alert_files_a_dispute_of_the_employers_month():
    from disputes.models import Dispute

    employer, person = _staff()
    OfficeFactory(region=employer.region)  # the dispute's review clock is kept by the region's office
    file(employer, OCT, {person: BASE})
    pay(employer, month_total())
    client = person_client(person)
    answer = client.post("/api/v1/me/alerts/look-into",
                         {"kind": "undeclared", "month": "2026-11", "employer_uscc": employer.uscc},
                         content_type="application/json", HTTP_IDEMPOTENCY_KEY="look-1")
    assert answer.status_code == 201, answer.json()
    dispute = Dispute.objects.get(pk=answer.json()["dispute"])
    assert (dispute.person_id, dispute.subject_kind, dispute.month, dispute.employer_id) == (
        person.pk, "employer_month", NOV, employer.pk)
    assert "测试科技有限公司" in dispute.account_text
    event = NoticeEvent.objects.get(person=person, kind="look_into_asked")
    assert event.detail == {"kind": "undeclared", "month": "2026-11", "employer": employer.pk, "dispute": dispute.pk}
    # The same key replays; another alert of a month in order is refused.
    again = client.post("/api/v1/me/alerts/look-into",
                        {"kind": "undeclared", "month": "2026-11", "employer_uscc": employer.uscc},
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="look-1")
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert Dispute.objects.filter(person=person).count() == 1


def test_the_page_button_asks_the_agency_to_look_into_the_month():
    from disputes.models import Dispute

    employer, person = _staff()
    OfficeFactory(region=employer.region)  # the dispute's review clock is kept by the region's office
    file(employer, OCT, {person: BASE})
    pay(employer, month_total())
    client = person_client(person)
    page = client.get("/me/notices/").content.decode()
    assert "请经办机构核查" in page
    answer = client.post("/me/notices/", {"action": "look_into", "kind": "undeclared", "month": "2026-11",
                                          "employer": str(employer.pk)})
    assert "已提交核查申请" in answer.content.decode()
    assert Dispute.objects.filter(person=person, employer=employer, month=NOV).count() == 1
