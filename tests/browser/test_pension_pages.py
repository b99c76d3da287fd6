"""The pension estimate in a real browser, in Chinese, at 360 and 1366 px: the person's own page (养老金测算)
and the panel on the person's file in the admin. The person's page never scrolls sideways, nor does the file
at 1366 px; each part shows its amount and sources. Screenshots go to $SCREENSHOT_DIR when it is set (`make screenshots`), else to the test's
temporary directory."""

import os
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from insured.models import OriginalRetirementAge as Age
from insured.models import PersonLogin
from tests.agency.factories import clerk_user
from tests.pensions import factories as f
from tests.pensions.test_estimate import _deemed
from tests.transfers.factories import region

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "person-pw-for-tests-1"
STAFF_PASSWORD = "pw-for-tests-1"
SIZES = [({"width": 360, "height": 740}, "360"), ({"width": 1366, "height": 768}, "1366")]


@pytest.fixture
def estimate_world():
    with transaction.atomic():
        city = region("330100", "杭州市", "Zhejiang")
        person = f.person(city, born=date(1968, 9, 10), sex="M", category=Age.MEN_60)
        person.name = "赵建华"
        person.save(update_fields=["name"])
        employer = f.employer(city)
        f.paid(person, employer, date(2024, 1, 1), date(2024, 12, 1), base="6000.00", credit="480.00")
        f.paid(person, employer, date(2025, 1, 1), date(2025, 12, 1), base="9000.00", credit="720.00")
        f.wage(city, 2024, "8000.00")
        f.wage(city, 2025, "9000.00")
        f.benefit(city, 2029, "10000.00", "1.20")
        f.supplement(city, 2029, "地方补贴", "50.00")
        _deemed(person, 180)
        user = User.objects.create_user(person.document_number, password=PASSWORD)
        PersonLogin.objects.create(user=user, person=person)
        clerk = clerk_user(city.offices.first(), username="wangfang")
        clerk.first_name = "王芳"
        clerk.save()
    return {"person": person, "clerk": clerk}


def _context(chromium, live_server, viewport):
    context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url,
                                   extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    context.set_default_timeout(15_000)
    return context


def _shoot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def _no_sideways_scroll(page) -> None:
    widths = page.evaluate("() => ({page: document.documentElement.scrollWidth, window: window.innerWidth})")
    assert widths["page"] <= widths["window"], (page.url, widths)


@pytest.mark.parametrize("viewport,label", SIZES)
def test_the_person_reads_their_estimate(chromium, live_server, estimate_world, tmp_path, viewport, label):
    page = _context(chromium, live_server, viewport).new_page()
    page.goto("/accounts/login/")
    page.get_by_label("证件号码").fill(estimate_world["person"].document_number)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/me/")
    page.get_by_role("navigation", name="我的记录").get_by_role("link", name="养老金测算").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "养老金测算"
    text = page.locator("main").inner_text()
    assert "3327.84" in text and "基础养老金" in text and "计发基数" in text and "无法计算" in text
    page.locator("#pt-earliest").click()  # the earliest month's parts open: its benefit base is not published
    assert "2028年的计发基数尚未公布" in page.locator("main").inner_text()
    _no_sideways_scroll(page)
    _shoot(page, f"pension-{label}-person", tmp_path)
    page.context.close()


@pytest.mark.parametrize("viewport,label", SIZES)
def test_the_clerk_reads_the_estimate_on_the_persons_file(chromium, live_server, estimate_world, tmp_path,
                                                          viewport, label):
    page = _context(chromium, live_server, viewport).new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", estimate_world["clerk"].username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    page.goto(reverse("admin:insured_insuredperson_file", args=[estimate_world["person"].pk]))
    panel = page.locator(".pension-estimate")
    panel.scroll_into_view_if_needed()
    assert "3327.84" in panel.inner_text() and "过渡性养老金" in panel.inner_text()
    if label == "1366":  # the admin's file page is not built for phones: its identity panel is wider already
        _no_sideways_scroll(page)
    _shoot(page, f"pension-{label}-panel", tmp_path)
    page.context.close()


@pytest.fixture
def determination_world():
    """The man of tests/pensions/test_determination.py: retired 2024-06 at 60, his determination proposed by
    one clerk; another (a reviewer) opens it to check its parts."""
    from pensions.services.determination import determination_open
    from tests.builders import clerk
    from tests.pensions.test_determination import _man, _region

    with transaction.atomic():
        city = _region("330100", "杭州市")
        f.benefit(city, 2024, "10000.00", "1.20")
        f.supplement(city, 2024, "地方补贴", "50.00")
        man = _man(city)
        man.name = "钱立群"
        man.save(update_fields=["name"])
        row = determination_open(person=man, actor=clerk(city))
        reviewer = clerk_user(city.offices.first(), username="lijing", groups=("clerk", "reviewer"))
        reviewer.first_name = "李静"
        reviewer.save()
    return {"determination": row, "reviewer": reviewer}


def test_the_reviewer_reads_the_determination_with_its_parts(chromium, live_server, determination_world, tmp_path):
    page = _context(chromium, live_server, {"width": 1366, "height": 768}).new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", determination_world["reviewer"].username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    page.goto(reverse("admin:pensions_determination_change", args=[determination_world["determination"].pk]))
    text = page.locator("#content").inner_text()
    assert "1593.75" in text and "1575.00" in text and "基础养老金" in text and "过渡性养老金" in text
    assert "user:" not in text  # the proposer by name, not the actor's label
    # The title says what the reviewer does; the retirement month is a month; the proposal is not the
    # determination (核定 is the approval's word).
    assert page.locator("#content h1").inner_text() == "核定养老保险待遇"
    assert page.locator(".field-retirement_month_shown .readonly").inner_text() == "2024-06"
    assert page.locator(".field-proposed_at label").inner_text().startswith("提出时间")
    assert page.locator(".field-approved_at label").inner_text().startswith("核定时间")
    assert page.locator(".field-approved_by label").inner_text().startswith("核定人")
    inputs = page.locator("table.pension-parts ul").first.bounding_box()
    amount = page.locator("table.pension-parts td.numeric").first.bounding_box()
    assert inputs["x"] - (amount["x"] + amount["width"]) < 60  # the inputs sit in their cell, beside the amount
    _no_sideways_scroll(page)
    _shoot(page, "pension-1366-determination", tmp_path)
    page.context.close()
