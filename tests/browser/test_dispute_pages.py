"""The disputes' admin screens in a real browser, in Chinese at 1366 px: the queue of open disputes (the
earliest due first, one overdue), a dispute's page with its decision and letter, and a correction awaiting
the second clerk's approval. Screenshots go to $SCREENSHOT_DIR when it is set (`make screenshots`
writes docs/screenshots/), else to the test's temporary directory."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from agency.models import Deadline
from common.access import viewer_for_user
from disputes.models import Dispute, DisputeTerms
from disputes.services.corrections import correction_propose
from disputes.services.disputes import dispute_decide_confirmed, dispute_file, dispute_review_start
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.browser.test_clerk_flows import _fits, _log_in, _shoot
from tests.builders import person_user, staff_viewer
from tests.refunds.factories import insured_with_account

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["王芳", "李娜", "张伟", "刘洋"]


def _shoot_whole(page, name, tmp_path):
    """The whole page (the decision and the history sit below the first screen)."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


@pytest.fixture
def dispute_desk():
    region = RegionFactory(code="310101", name="黄浦区")
    office = OfficeFactory(region=region, name="黄浦区社会保险事业管理中心")
    reviewer = clerk_user(office, groups=("clerk", "reviewer"), username="lina")
    reviewer.first_name, reviewer.last_name = "娜", "李"
    reviewer.save()
    proposer = clerk_user(office, groups=("clerk", "reviewer"), username="wangjing")
    proposer.first_name, proposer.last_name = "静", "王"
    proposer.save()
    DisputeTerms.objects.create(region=region, four_eyes_amount=Decimal("500.00"))
    people = [insured_with_account(region, seq=321 + i, months=12, start=date(2025, 1, 1), name=name)[0]
              for i, name in enumerate(NAMES)]
    texts = ["2025年3月单位已扣缴，但记录中没有这个月。", "2025年度权益记录单的账户余额比我算的少。",
             "2024年6月的缴费基数与工资不符。", "2025年8月的记账金额有误。"]
    months = [date(2025, 3, 1), None, date(2024, 6, 1), date(2025, 8, 1)]
    disputes = []
    for person, text, month in zip(people, texts, months, strict=True):
        if month is None:
            disputes.append(dispute_file(person=person, subject_kind="statement_year", year=2025, account_text=text,
                                         actor=viewer_for_user(person_user(person))))
        else:
            disputes.append(dispute_file(person=person, subject_kind="month", month=month, account_text=text,
                                         actor=viewer_for_user(person_user(person))))
    # the first one is overdue (filed long ago), the second under review
    due_on = timezone.localdate() - timedelta(days=3)
    Deadline.objects.filter(subject_type=ContentType.objects.get_for_model(Dispute),
                            subject_id=disputes[0].pk).update(due_on=due_on, starts_on=due_on - timedelta(days=21))
    dispute_review_start(dispute=disputes[1], actor=staff_viewer(reviewer))
    decided = dispute_decide_confirmed(
        dispute=disputes[3], actor=staff_viewer(reviewer),
        reasons="经核查单位申报和银行到账记录，2025年8月的记账金额与申报一致，维持原记录。")
    waiting = correction_propose(person=people[2], dispute=disputes[2], kind="account_entry",
                                 amount=Decimal("860.00"), month=date(2024, 6, 1),
                                 reason="2024年6月缴费基数少报，补记个人账户。", actor=staff_viewer(proposer))
    dispute_file(person=people[3], subject_kind="statement_year", year=2025, account_text="2025年度记录单的月数少了一个月。",
                 actor=viewer_for_user(person_user(people[3])))
    return {"reviewer": reviewer, "decided": decided, "waiting": waiting, "person": people[3]}


def test_the_dispute_screens_in_chinese_at_1366(page, dispute_desk, tmp_path):
    _log_in(page, dispute_desk["reviewer"])

    page.goto("/admin/disputes/dispute/?open=1")
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 4  # the decided one is not in the queue
    first = rows.first.inner_text()
    assert "王芳" in first and "已逾期" in first, first  # the overdue one first, with its red badge
    assert "online" not in page.locator("#result_list").inner_text()  # every cell in Chinese
    _fits(page, "due")
    body = page.locator("#content").inner_text()
    assert "记录异议" in body
    _shoot(page, "disputes-1366-queue", tmp_path)

    page.goto(f"/admin/disputes/dispute/{dispute_desk['decided'].pk}/change/")
    page.wait_for_selector("#content-main")
    body = page.locator("#content-main").inner_text()
    assert "维持原记录" in body and "经核查单位申报" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert "online" not in body and "person" not in body
    _shoot_whole(page, "disputes-1366-decision", tmp_path)

    page.goto("/admin/disputes/correctionawaitingapproval/")
    page.wait_for_selector("#result_list")
    _fits(page)
    page.click("#result_list tbody tr th a")
    page.wait_for_selector("select[name=decision]")
    body = page.locator("#content-main").inner_text()
    assert "860.00" in body and "2024年6月缴费基数少报" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    _shoot_whole(page, "disputes-1366-approval", tmp_path)


@pytest.mark.parametrize(("viewport", "label"), [({"width": 360, "height": 740}, "360"),
                                                 ({"width": 1366, "height": 768}, "1366")])
def test_the_persons_own_list_of_disputes(chromium, live_server, dispute_desk, tmp_path, viewport, label):
    from tests.browser.test_person_pages import _accessible, _context, _no_sideways_scroll
    from tests.browser.test_person_pages import _log_in as person_log_in

    context = _context(chromium, live_server, viewport)
    page = context.new_page()
    person_log_in(page, dispute_desk["person"])
    page.get_by_role("navigation", name="我的记录").get_by_role("link", name="记录异议", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "我的记录异议"
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "已受理，待复核" in rows.nth(0).inner_text() and "权益记录单年度 2025" in rows.nth(0).inner_text()
    assert "维持原记录" in rows.nth(1).inner_text() and "经核查单位申报" in rows.nth(1).inner_text()
    _no_sideways_scroll(page)
    _accessible(page)
    letter = page.get_by_role("link", name="下载复核结果告知书（PDF）")
    pdf = page.request.get(letter.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    _shoot_whole(page, f"disputes-{label}-person", tmp_path)
    context.close()
