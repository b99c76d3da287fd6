"""The person's own pages (/me/): after login a person reads their record, months by year, account,
statements (HTML and PDF), access log and applications, in Chinese; nobody else reads them."""

from __future__ import annotations

import pytest
from django.test import Client

from insured.access_log import record_access_log
from insured.models import RecordAccess, RecordAccessKind
from tests.agency.factories import clerk_user
from tests.builders import PERSON_PASSWORD, logged_in, person_client, person_user, staff_viewer
from tests.insured.factories import PersonFactory
from tests.statements.world import YEAR, build, run_year

pytestmark = pytest.mark.django_db

PAGES = ["/me/", "/me/contributions/", "/me/account/", "/me/statements/", f"/me/statements/{YEAR}/",
         "/me/access-log/", "/me/applications/"]


@pytest.fixture
def world():
    w = build(paid_months=10)
    run_year()
    return w


def test_logging_in_lands_on_the_persons_own_page_not_on_json():
    person = PersonFactory(name="李娜")
    person_user(person)
    client = Client()
    response = client.post("/accounts/login/", {"username": person.document_number, "password": PERSON_PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == "/me/"
    assert response["Content-Type"].startswith("text/html")
    assert "我的社会保险记录" in response.content.decode() and "李娜" in response.content.decode()


def test_every_page_reads_in_chinese_whatever_the_browser_asks(world):
    client = person_client(world.person)
    for url in PAGES:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        text = response.content.decode()
        assert response.status_code == 200, url
        assert '<html lang="zh-CN">' in text and "<h1>" in text, url
        assert "Sign in" not in text and "pending" not in text, url


def test_the_record_shows_the_full_number_balance_and_months(world):
    text = person_client(world.person).get("/me/").content.decode()
    assert world.person.document_number in text
    assert f"{world.account.balance:.2f} 元" in text
    assert "0 年 11 个月" in text  # ten months credited this year and one last year


def test_months_by_year_with_paid_and_unpaid_and_totals(world):
    text = person_client(world.person).get(f"/me/contributions/?year={YEAR}").content.decode()
    assert f"{YEAR} 年缴费记录" in text
    assert text.count("✓ 已到账") == 10 and text.count("未到账</span>") == 2
    assert "12 个月" in text
    assert "7680.00" in text  # the individual pension of 12 months at 640.00


def test_the_account_lists_its_entries_and_pages_them(world):
    client = person_client(world.person)
    text = client.get("/me/account/").content.decode()
    assert f"{world.account.balance:.2f} 元" in text
    assert "123.45" in text
    one_year = client.get(f"/me/account/?year={YEAR}").content.decode()
    assert "5000.00" not in one_year and "123.45" in one_year


def test_the_statement_in_html_and_as_pdf(world):
    client = person_client(world.person)
    listed = client.get("/me/statements/").content.decode()
    assert f"/me/statements/{YEAR}/" in listed and f"/me/statements/{YEAR}.pdf" in listed
    html = client.get(f"/me/statements/{YEAR}/").content.decode()
    assert f"{YEAR} 年度社会保险个人权益记录单" in html and "张伟" in html and "年末余额" in html
    pdf = client.get(f"/me/statements/{YEAR}.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    missing = client.get(f"/me/statements/{YEAR - 3}/")
    assert "尚无" in missing.content.decode()


def test_the_access_log_names_the_clerk_and_office(world):
    clerk = clerk_user(world.office, username="wangfang")
    clerk.first_name, clerk.last_name = "芳", "王"
    clerk.save()
    viewer = staff_viewer(clerk)
    record_access_log(person_id=world.person.pk, viewer=viewer, kind=RecordAccessKind.PERSON_FILE)
    text = person_client(world.person).get("/me/access-log/").content.decode()
    assert "王芳" in text and world.office.name in text and "查看" in text


def test_reading_ones_own_pages_writes_no_access_log(world):
    client = person_client(world.person)
    for url in PAGES:
        client.get(url)
    assert not RecordAccess.objects.filter(person=world.person).exists()


def test_another_person_sees_only_their_own(world):
    other = PersonFactory(region=world.person.region, name="赵六")
    client = person_client(other)
    assert world.person.document_number not in client.get("/me/").content.decode()
    assert "张伟" not in client.get(f"/me/statements/{YEAR}/").content.decode()
    assert client.get(f"/me/statements/{YEAR}.pdf")["Content-Type"] != "application/pdf"
    assert "赵六" in client.get("/me/").content.decode()


def test_anonymous_visitors_go_to_login_and_clerks_get_a_chinese_403(world):
    response = Client().get("/me/account/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/me/account/"
    clerk = logged_in(clerk_user(world.office))
    denied = clerk.get("/me/")
    assert denied.status_code == 403 and "无权查看" in denied.content.decode()
