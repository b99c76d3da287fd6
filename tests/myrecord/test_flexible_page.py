"""The person's web page for enrolling as a flexible worker (issue 28, item 1): the same service as the API,
the region's refusals on the field at fault in Chinese, the planner's table, then the enrolment with the base
change, stopping and resuming."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from collection.models import PaymentOrder
from flexible.models import BaseChoice, EnrolmentState, FlexibleEnrolment, FlexibleTerms
from flexible.services.enrolment import month_add
from flexible.tasks import flexible_charges_run
from insured.models import EventKind, RelationshipEvent
from tests.builders import person_client
from tests.flexible.factories import enrolled, flexible_region, months_ago, person_in, this_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def region(shanghai):
    flexible_region(shanghai)
    return shanghai


def enrol(client, **fields):
    body = {"action": "enrol", "region": "310101", "start_month": f"{this_month():%Y-%m}", "base": "12000.00"}
    return client.post("/me/flexible/", {**body, **fields})


def test_the_page_offers_the_form_and_the_planners_table_in_chinese(region):
    client = person_client(person_in(region))
    page = client.get("/me/flexible/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "以灵活就业人员身份参保" in html and 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_base">月缴费基数（元）</label>' in html
    assert 'value="310101"' in html and f'value="{this_month():%Y-%m}"' in html  # the person's region, this month
    # the planner: each base of the range with its monthly cost (20%) and account credit (8%)
    assert "6000.00" in html and "1200.00" in html and "480.00" in html
    assert "30000.00" in html and "6000.00" in html and "2400.00" in html
    assert 'href="/me/flexible/" aria-current="page"' in html


def test_enrolling_on_the_page_calls_the_service_and_shows_the_enrolment(region):
    person = person_in(region)
    client = person_client(person)
    answer = enrol(client)
    assert answer.status_code == 302 and answer.url == "/me/flexible/?done=enrolled"
    enrolment = FlexibleEnrolment.objects.get(person=person)
    assert enrolment.start_month == this_month() and enrolment.state == EnrolmentState.ACTIVE
    assert BaseChoice.objects.get(enrolment=enrolment).base == D("12000.00")
    assert RelationshipEvent.objects.filter(person=person, kind=EventKind.FLEXIBLE_STARTED).exists()
    html = client.get(answer.url).content.decode()
    assert "已参保" in html and "我的参保登记" in html and "12000.00 元" in html
    assert 'value="enrol"' not in html  # no second enrolment form


@pytest.mark.parametrize("fields, field, text", [
    ({"base": "5999.99"}, "base", "请在 6000.00 至 30000.00 之间选择缴费基数。"),
    ({"base": "一万"}, "base", "输入一个数字。"),
    ({"start_month": "2026/12"}, "start_month", "请按“年-月”填写"),
    ({"region": "31010"}, "region", "请填写6位统筹区代码"),
    ({"region": "999999"}, "region", "没有这个统筹区。"),
])
def test_a_refusal_stands_on_the_field_at_fault_in_chinese(region, fields, field, text):
    person = person_in(region)
    answer = enrol(person_client(person), **fields)
    html = answer.content.decode()
    assert answer.status_code == 200
    assert f'<span class="error" id="id_{field}-error">' in html and text in html
    assert f'aria-describedby="id_{field}-error"' in html
    assert not FlexibleEnrolment.objects.filter(person=person).exists()


def test_a_start_before_the_back_pay_allowance_is_refused_on_the_month(region):
    person = person_in(region)
    earliest = months_ago(3)
    html = enrol(person_client(person), start_month=f"{month_add(earliest, -1):%Y-%m}").content.decode()
    assert f"该统筹区最早允许从 {earliest:%Y-%m} 起补缴。" in html and 'id="id_start_month-error"' in html


def test_the_regions_residence_rule_is_said_on_the_region(region):
    FlexibleTerms.objects.create(region=region, residence_required=True)
    person = person_in(region, hukou_region_code="110101")
    html = enrol(person_client(person)).content.decode()
    assert "仅黄浦区户籍人员可以在该地参保。" in html or "户籍" in html
    assert 'id="id_region-error"' in html
    assert not FlexibleEnrolment.objects.filter(person=person).exists()


def test_a_second_enrolment_is_refused_with_the_reason(region):
    person = person_in(region)
    enrolled(person)
    client = person_client(person)
    assert 'value="enrol"' not in client.get("/me/flexible/").content.decode()
    html = enrol(client).content.decode()  # a stale page posted again
    assert 'role="alert"' in html and FlexibleEnrolment.objects.filter(person=person).count() == 1


def test_changing_the_base_stopping_and_resuming_on_the_page(region):
    person = person_in(region)
    enrolled(person, base="10000.00")
    client = person_client(person)
    refused = client.post("/me/flexible/", {"action": "base", "base": "40000.00"}).content.decode()
    assert "请在 6000.00 至 30000.00 之间选择缴费基数。" in refused and 'id="id_base-error"' in refused
    assert client.post("/me/flexible/", {"action": "base", "base": "15000.00"}).status_code == 302
    assert BaseChoice.objects.get(enrolment__person=person, is_change=True).from_month == month_add(this_month(), 1)
    assert "15000.00 元" in client.get("/me/flexible/").content.decode()
    assert client.post("/me/flexible/", {"action": "stop"}).status_code == 302
    enrolment = FlexibleEnrolment.objects.get(person=person)
    assert enrolment.state == EnrolmentState.SUSPENDED
    assert "已暂停" in client.get("/me/flexible/").content.decode()
    assert client.post("/me/flexible/", {"action": "resume"}).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.ACTIVE


def test_another_persons_enrolment_is_not_shown_and_the_page_needs_a_person(region, client):
    other = person_in(region)
    enrolled(other, base="20000.00")
    html = person_client(person_in(region)).get("/me/flexible/").content.decode()
    assert "20000.00 元" not in html and 'value="enrol"' in html
    assert client.get("/me/flexible/").status_code == 302  # not signed in: to the login page


def test_the_page_issues_a_payment_order_for_the_open_months_with_its_pdf(region):
    person = person_in(region)
    enrolled(person, start=months_ago(1), base="10000.00")
    flexible_charges_run()
    client = person_client(person)
    before = client.get("/me/flexible/").content.decode()
    assert 'value="order"' in before and "开具缴费通知单</button>" in before and "收款账号" not in before

    answer = client.post("/me/flexible/", {"action": "order"})
    order = PaymentOrder.objects.get(person=person)  # the same service as the API: the person's own order
    assert answer.status_code == 302 and answer.url == f"/me/flexible/?done=order&order={order.pk}#h-order"
    assert order.amount == D("4000.00") and sorted(line.charge.period for line in order.lines.all()) == [
        months_ago(1), this_month()]
    html = client.get(answer.url.split("#")[0]).content.decode()
    assert 'role="status"' in html and "已开具缴费通知单" in html
    assert "4000.00 元" in html and order.reference in html and order.account.account_number in html
    assert f"{months_ago(1):%Y-%m}、{this_month():%Y-%m}" in html
    assert f"{order.valid_until.year}年{order.valid_until.month}月{order.valid_until.day}日" in html
    pdf = client.get(f"/me/flexible/orders/{order.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # the order shows again on the next visit while it is open; another person's order is not theirs to read
    assert order.reference in client.get("/me/flexible/").content.decode()
    other = person_in(region)
    enrolled(other)
    assert person_client(other).get(f"/me/flexible/orders/{order.pk}.pdf").status_code == 404


def test_asking_for_an_order_with_nothing_open_says_so_in_chinese(region):
    person = person_in(region)
    enrolled(person)
    html = person_client(person).post("/me/flexible/", {"action": "order"}).content.decode()
    assert 'role="alert"' in html and "没有" in html
    assert not PaymentOrder.objects.filter(person=person).exists()
