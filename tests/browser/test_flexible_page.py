"""Enrolling as a flexible worker on the person's own page in a real browser (issue 28, item 1), on a 360 px
phone and a 1366 px screen: the planner's table, a refused base said on its field in Chinese, the enrolment,
a payment order for the month charged with its PDF.
Screenshots to $SCREENSHOT_DIR (else the test's temporary directory), like the other persons' pages."""

import pytest

from collection.models import PaymentOrder
from flexible.models import FlexibleEnrolment
from flexible.tasks import flexible_charges_run
from tests.browser.test_person_pages import PHONE, SCREEN, _accessible, _context, _log_in, _no_sideways_scroll, _shoot
from tests.builders import person_user
from tests.flexible.factories import flexible_region, person_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport,label", [(PHONE, "360"), (SCREEN, "1366")])
def test_a_person_enrols_as_a_flexible_worker_in_the_browser(chromium, live_server, shanghai, tmp_path,
                                                             viewport, label):
    flexible_region(shanghai)
    person = person_in(shanghai)
    person_user(person)
    context = _context(chromium, live_server, viewport)
    page = context.new_page()
    _log_in(page, person)
    page.get_by_role("navigation", name="我的记录").get_by_role("link", name="灵活就业参保", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "以灵活就业人员身份参保"
    plan = page.get_by_role("table", name="每档基数的月缴费、个人账户记账和养老金测算")
    assert plan.locator("tbody tr").filter(has_text="6000.00").first.is_visible()
    _no_sideways_scroll(page)
    _accessible(page)
    _shoot(page, f"person-{label}-flexible", tmp_path)

    page.get_by_label("月缴费基数（元）").fill("5000")
    page.get_by_role("button", name="确认参保").click()
    page.wait_for_load_state()
    error = page.locator("#id_base-error")
    assert error.inner_text() == "请在 6000.00 至 30000.00 之间选择缴费基数。"
    assert page.get_by_label("月缴费基数（元）").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").is_visible()
    _no_sideways_scroll(page)
    _shoot(page, f"person-{label}-flexible-refused", tmp_path)

    page.get_by_label("月缴费基数（元）").fill("12000.00")
    page.get_by_role("button", name="确认参保").click()
    page.wait_for_url("**/me/flexible/?done=enrolled")
    assert "12000.00 元" in page.locator("main").inner_text()
    assert page.get_by_role("status").inner_text().startswith("已参保")
    assert page.locator("tbody tr").filter(has_text="当前").first.inner_text().startswith("12000.00")
    _no_sideways_scroll(page)
    _accessible(page)
    _shoot(page, f"person-{label}-flexible-enrolled", tmp_path)
    assert FlexibleEnrolment.objects.filter(person=person).count() == 1

    # the month is charged (the daily run); the person asks for a payment order on the page
    flexible_charges_run()
    page.get_by_role("button", name="开具缴费通知单").click()
    page.wait_for_url("**/me/flexible/?done=order&order=*")
    order = PaymentOrder.objects.get(person=person)
    facts = page.locator("dl[aria-labelledby=h-order]").inner_text()
    assert "2400.00 元" in facts and order.reference in facts and order.account.account_number in facts
    assert page.evaluate("() => document.activeElement.id") == "h-order"  # focus on what was just issued
    assert page.get_by_role("status").inner_text().startswith("已开具缴费通知单")
    link = page.get_by_role("link", name="下载缴费通知单（PDF）")
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    _no_sideways_scroll(page)
    _accessible(page)
    _shoot(page, f"person-{label}-flexible-order", tmp_path)
    context.close()
