"""The review queue in the admin: scoped to the clerk's region, overdue first and highlighted,
with counts; only the assignee can be changed; the notices are a read-only record."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from agency.deadlines import deadline_close, deadline_open
from agency.models import Deadline, DeadlineNotice, DeadlineState, NoticeKind
from agency.sweep import deadline_sweep_run
from employers.terms import RegistrationRule
from employers.terms import terms_for as registration_terms_for
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import logged_in
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/agency/deadline/"


def due_in(region, days, label, *, assignee=None, subject=None):
    starts_on = timezone.localdate() + timedelta(days=days - registration_terms_for(region).review_days)
    return deadline_open(rule=RegistrationRule.REGISTRATION_REVIEW, subject=subject or PersonFactory(region=region),
                         region=region, starts_on=starts_on, assignee=assignee, label=label)


@pytest.fixture
def world(settings):
    settings.DEADLINE_REMIND_WITHIN_DAYS = 3
    home, away = RegionFactory(code="310101", name="黄浦区"), RegionFactory(code="110105", name="朝阳区")
    office, away_office = OfficeFactory(region=home, name="黄浦经办处"), OfficeFactory(region=away, name="朝阳经办处")
    clerk = clerk_user(office)
    decided = PersonFactory(region=home)
    items = {
        "later": due_in(home, 10, "稍后审核公司", assignee=clerk),
        "soon": due_in(home, 2, "即将到期公司"),
        "overdue": due_in(home, -4, "已逾期公司"),
        "late_not_swept": due_in(home, -1, "昨日到期公司"),
        "met": due_in(home, 5, "已办结公司", subject=decided),  # decided in time
        "theirs": due_in(away, -3, "外区逾期公司"),
    }
    deadline_close(subject=decided, rule=RegistrationRule.REGISTRATION_REVIEW)
    Deadline.objects.filter(pk=items["overdue"].pk).update(state=DeadlineState.MISSED, missed_at=timezone.now())
    return {"home": home, "office": office, "away_office": away_office, "clerk": clerk,
            "client": logged_in(clerk), **items}


def count(page: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">[^<]*<strong[^>]*>(\d+)</strong>', page).group(1))


def row_of(page: str, label: str) -> str:
    start = page.index(label)
    return page[page.rfind("<tr", 0, start):page.index("</tr>", start)]


def test_queue_shows_only_the_clerks_region_undecided_overdue_first(world):
    page = world["client"].get(QUEUE).content.decode()
    assert "外区逾期公司" not in page and "朝阳经办处" not in page  # nor in the office filter
    assert "已办结公司" not in page  # decided items are off the default queue
    order = [page.index(label) for label in ("已逾期公司", "昨日到期公司", "即将到期公司", "稍后审核公司")]
    assert order == sorted(order)


def test_overdue_rows_are_highlighted_with_days_left(world):
    page = world["client"].get(QUEUE).content.decode()
    assert "deadline-overdue" in row_of(page, "已逾期公司") and "-4" in row_of(page, "已逾期公司")
    assert "deadline-overdue" in row_of(page, "昨日到期公司")  # overdue before the sweep has run, too
    assert "deadline-due-soon" in row_of(page, "即将到期公司")
    assert "deadline-overdue" not in row_of(page, "即将到期公司")
    assert "deadline-overdue" not in row_of(page, "稍后审核公司")


def test_counts_above_the_list_are_the_clerks_region(world):
    page = world["client"].get(QUEUE, {"state": "all"}).content.decode()  # counts ignore the list's filters
    assert (count(page, "open"), count(page, "due_soon"), count(page, "overdue")) == (4, 1, 2)
    superuser = clerk_user(world["office"], groups=())
    superuser.is_superuser = True
    superuser.save()
    everything = logged_in(superuser).get(QUEUE).content.decode()
    assert count(everything, "overdue") == 3 and "外区逾期公司" in everything


def test_state_filter_shows_decided_items_on_request(world):
    client = world["client"]
    assert "已办结公司" in client.get(QUEUE, {"state": "met"}).content.decode()
    everything = client.get(QUEUE, {"state": "all"}).content.decode()
    assert "已办结公司" in everything and "外区逾期公司" not in everything
    missed = client.get(QUEUE, {"state": "missed"}).content.decode()
    assert "已逾期公司" in missed and "即将到期公司" not in missed


def test_item_links_to_its_admin_page(world):
    page = world["client"].get(QUEUE).content.decode()
    assert f'href="/admin/insured/insuredperson/{world["soon"].subject_id}/change/"' in page


def test_clerk_changes_only_the_assignee_and_cannot_add_or_delete(world):
    client, deadline = world["client"], world["soon"]
    colleague = clerk_user(world["office"])
    outsider = clerk_user(world["away_office"])
    form_page = client.get(f"{QUEUE}{deadline.pk}/change/").content.decode()
    assert 'name="assignee"' in form_page and 'name="due_on"' not in form_page and 'name="state"' not in form_page
    assert colleague.username in form_page and outsider.username not in form_page

    response = client.post(f"{QUEUE}{deadline.pk}/change/", {"assignee": colleague.pk, "due_on": "2099-01-01",
                                                             "state": "met"})
    assert response.status_code == 302
    deadline.refresh_from_db()
    assert (deadline.assignee, deadline.state, deadline.due_on) == (colleague, DeadlineState.OPEN,
                                                                    world["soon"].due_on)
    refused = client.post(f"{QUEUE}{deadline.pk}/change/", {"assignee": outsider.pk})
    assert refused.status_code == 200  # not a valid choice
    deadline.refresh_from_db()
    assert deadline.assignee == colleague

    assert client.get(f"{QUEUE}add/").status_code == 403
    assert client.get(f"{QUEUE}{deadline.pk}/delete/").status_code == 403
    decided_page = client.get(f"{QUEUE}{world['met'].pk}/change/").content.decode()
    assert 'name="assignee"' not in decided_page


def test_another_regions_deadline_is_not_shown(world):
    response = world["client"].get(f"{QUEUE}{world['theirs'].pk}/change/")
    assert response.status_code == 302


def test_notices_are_a_read_only_record_for_supervisors(world, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    boss = clerk_user(world["office"], groups=("supervisor",))
    boss.email = "boss@agency.example"
    boss.save()
    away_boss = clerk_user(world["away_office"], groups=("supervisor",))
    away_boss.email = "away@agency.example"
    away_boss.save()
    with django_capture_on_commit_callbacks(execute=True):
        deadline_sweep_run()
    assert DeadlineNotice.objects.filter(kind=NoticeKind.ESCALATION).count() == 2

    page = logged_in(boss).get("/admin/agency/deadlinenotice/").content.decode()
    assert "boss@agency.example" in page and "away@agency.example" not in page
    notice = DeadlineNotice.objects.get(recipient=boss)
    assert logged_in(boss).get(f"/admin/agency/deadlinenotice/{notice.pk}/delete/").status_code == 403
    assert world["client"].get("/admin/agency/deadlinenotice/").status_code == 403  # clerks: not theirs to read
