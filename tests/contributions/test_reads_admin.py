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
from contributions.payments import payment_record
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.contributions.charges import charge, portal_viewer
from tests.contributions.reads import determined, file
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def pay(employer, amount, paid_on=date(2026, 3, 20), actor=None):
    return payment_record(employer_id=employer.pk, bank_reference=f"B-{employer.pk}-{Payment.objects.count() + 1}",
                          amount=D(str(amount)), paid_on=paid_on, actor=actor or portal_viewer(employer))[0]


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
    clerk = clerk_user(OfficeFactory(region=home), groups=("clerk",))
    clerk.first_name, clerk.last_name = "静", "王"
    clerk.save()
    # Recorded at the counter: December's determined charge first, then part of January.
    pay(employer, jan.amount + D("1000.00"), actor=viewer_for_user(clerk))
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
    assert f"B-{employer.pk}-1" in panel and "打印" in panel and "print receipt" not in panel
    assert "王静" in panel and "系统" in panel and "user:" not in panel  # who recorded, who declared
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


def test_both_panels_read_in_chinese_with_data_on_them(world):
    """The admin walk's checks (no English, no internal codes, dates as zh-hans writes them) on the
    two file pages with contribution data (the walk's demo data hold none)."""
    from django.contrib.auth.models import User

    from contributions.models import Payment
    from employers.models import Employer
    from insured.models import InsuredPerson
    from tests.common.admin_walk import PageChecker

    values = [v for model, fields in ((Employer, ["name", "uscc"]), (InsuredPerson, ["name", "document_number", "nationality"]),
                                      (Payment, ["bank_reference"]), (User, ["username"]))
              for row in model.objects.values_list(*fields) for v in row]
    checker = PageChecker(values)
    client = _client(world["clerk"])
    for url in (reverse("admin:insured_insuredperson_file", args=[world["person"].pk]),
                reverse("admin:insured_insuredperson_file", args=[world["person"].pk]) + "?contributions=all",
                reverse("admin:employers_employer_file", args=[world["employer"].pk])):
        page = client.get(url, **ZH).content.decode()
        assert 'id="panel-contributions"' in page
        findings, _links = checker.findings(url, page)
        assert not findings, findings


def test_the_full_history_is_one_link_away_when_more_than_24_months(world):
    employer, person = world["employer"], world["person"]
    for month in range(1, 13):
        file(employer, date(2024, month, 1), {person: "8000.00"})
        file(employer, date(2023, month, 1), {person: "8000.00"})
    url = reverse("admin:insured_insuredperson_file", args=[person.pk])
    client = _client(world["clerk"])
    panel = _panel(client.get(url, **ZH).content.decode(), "contributions")
    # 2026-02, 2026-01, 2025-12, the twelve months of 2024, and 2023-12 back to 2023-04
    assert panel.count("<tr><td") == 24 and "2023-04" in panel and "2023-03" not in panel
    assert "?contributions=all" in panel
    panel = _panel(client.get(url + "?contributions=all", **ZH).content.decode(), "contributions")
    assert panel.count("<tr><td") == 27 and "2023-01" in panel and "?contributions=all" not in panel
