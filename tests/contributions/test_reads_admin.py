"""The clerks' contribution panels on the person's and the employer's file, in Chinese and scoped
by region; and the list of employers in arrears, largest first."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from agency.deadlines import today_in_shanghai
from common.access import viewer_for_user
from contributions.admin.panels import employer_contributions, person_history
from contributions.models import Payment
from contributions.services.payments import payment_record
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.contributions.charges import charge, portal_viewer
from tests.contributions.reads import determined, file
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def pay(employer, amount, paid_on=date(2026, 3, 20)):
    return payment_record(employer_id=employer.pk, bank_reference=f"B-{employer.pk}-{Payment.objects.count() + 1}",
                          amount=D(str(amount)), paid_on=paid_on, actor=portal_viewer(employer))[0]


@pytest.fixture
def world():
    home, away = RegionFactory(code="310101", name="黄浦区"), RegionFactory(code="110105", name="朝阳区")
    employer = EmployerFactory(region=home, name="第一公司")
    elsewhere = EmployerFactory(region=away, name="北京公司")
    person = PersonFactory(region=home, name="陈明")
    _d, jan = file(employer, JAN, {person: "10000.00"})
    file(employer, FEB, {person: "10000.00"})
    file(employer, FEB, {person: "500.00"})  # a correction of February
    file(elsewhere, MAR, {person: "20000.00"})  # a month at another region's employer
    determined(employer, person, date(2025, 12, 1), "9000.00")
    pay(employer, jan.amount + D("1000.00"))  # December's determined charge first, then part of January
    clerk = clerk_user(OfficeFactory(region=home), groups=("clerk",))
    clerk.first_name, clerk.last_name = "静", "王"
    clerk.save()
    other = clerk_user(OfficeFactory(region=away), groups=("clerk",))
    return {"home": home, "away": away, "employer": employer, "elsewhere": elsewhere, "person": person,
            "clerk": clerk, "other": other}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _panel(page: str, key: str) -> str:
    start = page.index(f'id="panel-{key}"')
    return page[start:page.index("</section>", start)]


def test_the_person_file_shows_the_contribution_history_in_chinese_newest_first(world):
    url = reverse("admin:insured_insuredperson_file", args=[world["person"].pk])
    page = _client(world["clerk"]).get(url, **ZH).content.decode()
    panel = _panel(page, "contributions")
    assert "缴费记录" in panel
    periods = [p for p in ("2026-03", "2026-02", "2026-01", "2025-12") if p in panel]
    assert periods == ["2026-02", "2026-01", "2025-12"]  # March is another region's: not shown here
    assert panel.index("2026-02") < panel.index("2026-01") < panel.index("2025-12")
    assert "10500.00" in panel  # February net of its correction
    assert "未缴" in panel and "已缴" in panel and "（核定）" in panel and "北京公司" not in panel


def test_another_regions_clerk_sees_neither_panel_data(world):
    other = world["other"]
    client = _client(other)
    assert client.get(reverse("admin:insured_insuredperson_file", args=[world["person"].pk]), **ZH).status_code == 404
    assert client.get(reverse("admin:employers_employer_file", args=[world["employer"].pk]), **ZH).status_code == 404
    # Even called directly with a person or employer of another region, the panels read nothing of them.
    request = RequestFactory().get("/", **ZH)
    request.user = other
    viewer = viewer_for_user(other)
    history = person_history(request, world["person"], viewer)
    assert "2026-01" not in history and "2026-03" in history  # only their own region's employer's month
    money = employer_contributions(request, world["employer"], viewer)
    assert "第一公司" not in money and "2026-0" not in money and "B-" not in money


def test_the_employer_file_shows_declarations_open_charges_arrears_and_payments(world):
    employer = world["employer"]
    page = _client(world["clerk"]).get(reverse("admin:employers_employer_file", args=[employer.pk]), **ZH)
    panel = _panel(page.content.decode(), "contributions")
    assert "最近申报" in panel and "第 2 次申报（更正）" in panel  # February's correction
    assert "未缴清款项" in panel and "今日欠费" in panel and "最近缴款" in panel
    assert f"B-{employer.pk}-1" in panel and "print receipt" not in panel
    assert reverse("admin:contributions_employerarrears_change", args=[employer.pk]) in panel
    assert reverse("admin:contributions_employerarrears_changelist") in panel
    # January is partly paid (its unpaid rest shows), February's two charges are open; December's
    # determined month is paid, and its late fee, posted when it was settled, is open.
    charges_part = panel[panel.index("未缴清款项"):panel.index("最近缴款")]
    periods = re.findall(r'<tr><td class="nowrap">(\d{4}-\d{2})</td><td>([^<]+)</td>', charges_part)
    assert periods == [("2026-01", "申报"), ("2026-02", "申报"), ("2026-02", "申报"), ("2025-12", "滞纳金（第八十六条）")]
    assert "2186.00" in charges_part  # January's unpaid rest


def test_clerks_list_of_employers_in_arrears_is_largest_first(world):
    home = world["home"]
    small, large = EmployerFactory(region=home, name="小额欠费公司"), EmployerFactory(region=home, name="大额欠费公司")
    charge(small, JAN, "100.00")
    charge(large, JAN, "90000.00")
    page = _client(world["clerk"]).get(reverse("admin:contributions_employerarrears_changelist"),
                                       {"on": today_in_shanghai().isoformat()}, **ZH).content.decode()
    order = [page.index(name) for name in ("大额欠费公司", "第一公司", "小额欠费公司")]
    assert order == sorted(order)
