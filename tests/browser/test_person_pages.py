"""The person's own pages in a real browser, in Chinese, on a 360 px phone and a 1366 px screen:
log in with the document number, land on the record, reach every page from the menu by keyboard,
no page scrolls sideways, every table has headers and every form field a label.

Screenshots go to $SCREENSHOT_DIR when it is set (`make screenshots` writes docs/screenshots/),
else to the test's temporary directory."""

import os
from pathlib import Path

import pytest
from django.db import transaction

from tests.builders import PERSON_PASSWORD, person_user
from tests.statements.world import YEAR, build, run_year

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
SCREEN = {"width": 1366, "height": 768}
MENU = ["我的记录", "缴费", "个人账户", "权益记录单", "我的申请", "查询记录"]


@pytest.fixture
def person_with_a_year():
    with transaction.atomic():  # the test helpers lock rows as the services do
        w = build(paid_months=10)
    run_year()
    person_user(w.person)
    return w


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


def _accessible(page) -> None:
    assert page.locator("h1").count() == 1, page.url
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).length""")
    assert unlabelled == 0, page.url
    headless_tables = page.evaluate("() => [...document.querySelectorAll('table')].filter(t => !t.querySelector('th')).length")
    assert headless_tables == 0, page.url


def _log_in(page, person) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("证件号码").fill(person.document_number)
    page.get_by_label("密码").fill(PERSON_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/me/")


@pytest.mark.parametrize("viewport,label", [(PHONE, "360"), (SCREEN, "1366")])
def test_a_person_reads_their_record_in_the_browser(chromium, live_server, person_with_a_year, tmp_path,
                                                      viewport, label):
    w = person_with_a_year
    context = _context(chromium, live_server, viewport)
    page = context.new_page()
    _log_in(page, w.person)

    assert page.locator("h1").inner_text() == "我的社会保险记录"
    assert w.person.document_number in page.locator("main").inner_text()
    _no_sideways_scroll(page)
    _accessible(page)
    _shoot(page, f"person-{label}-record", tmp_path)

    # The keyboard: the first Tab reaches the skip link, which moves focus to the page's content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    shots = {"缴费": "contributions", "个人账户": "account", "权益记录单": "statements", "我的申请": "applications",
             "查询记录": "access-log"}
    for item in MENU[1:]:
        page.get_by_role("navigation", name="我的记录").get_by_role("link", name=item, exact=True).click()
        page.wait_for_load_state()
        assert page.get_by_role("link", name=item, exact=True).first.get_attribute("aria-current") == "page"
        _no_sideways_scroll(page)
        _accessible(page)
        if item == "缴费":
            assert f"{YEAR} 年缴费记录" in page.locator("h1").inner_text()
            assert page.locator("tbody tr").filter(has_text="已到账").count() == 10
        if item == "权益记录单":
            page.get_by_role("link", name=f"查看 {YEAR} 年度记录单").click()
            page.wait_for_load_state()
            assert "年末余额" in page.locator("main").inner_text()
            _no_sideways_scroll(page)
            _accessible(page)
            _shoot(page, f"person-{label}-statement", tmp_path)
            pdf = page.request.get(f"/me/statements/{YEAR}.pdf")
            assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
        _shoot(page, f"person-{label}-{shots[item]}", tmp_path)
    context.close()
