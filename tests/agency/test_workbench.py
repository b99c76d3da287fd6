"""Today's work on the admin home page: counts per kind from the undecided deadlines (through
their partial index), links to each kind's queue filtered by `due`, the items assigned to me,
and for supervisors the escalations and missed items. An overdue item shows as overdue before
the nightly sweep has marked it."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from agency.deadlines import deadline_close, deadline_open
from agency.models import Deadline, DeadlineState
from agency.sweep import deadline_sweep_run
from agency.workbench import WorkKind, todays_work, undecided_deadlines, work_counts, work_kind, work_kind_register
from employers.terms import RegistrationRule
from insured.terms import StaffingRule
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import logged_in, staff_viewer
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

REVIEW = RegistrationRule.REGISTRATION_REVIEW
REDUCTION = StaffingRule.STAFF_REDUCTION_REVIEW


def due_in(region, days, label, *, rule=REVIEW, assignee=None, subject=None):
    today = timezone.localdate()
    deadline = deadline_open(rule=rule, subject=subject or PersonFactory(region=region), region=region,
                             starts_on=today, assignee=assignee, label=label)
    due_on = today + timedelta(days=days)
    Deadline.objects.filter(pk=deadline.pk).update(due_on=due_on, starts_on=due_on - timedelta(days=15))
    return Deadline.objects.get(pk=deadline.pk)


@pytest.fixture
def world(settings):
    settings.DEADLINE_REMIND_WITHIN_DAYS = 3
    home, away = RegionFactory(code="310101", name="黄浦区"), RegionFactory(code="110105", name="朝阳区")
    office = OfficeFactory(region=home, name="黄浦经办处")
    OfficeFactory(region=away, name="朝阳经办处")
    clerk = clerk_user(office, groups=("reviewer",), username="wang")
    clerk.first_name, clerk.last_name = "芳", "王"
    clerk.save()
    supervisor = clerk_user(office, groups=("supervisor",), username="boss")
    supervisor.email = "boss@example.org"
    supervisor.save()
    decided = PersonFactory(region=home)
    items = {
        "later": due_in(home, 10, "稍后审核公司", assignee=clerk),
        "soon": due_in(home, 2, "即将到期公司"),
        "overdue_swept": due_in(home, -4, "已逾期公司"),
        "overdue_not_swept": due_in(home, -1, "昨日到期公司", assignee=clerk),
        "reduction_soon": due_in(home, 1, "减员甲", rule=REDUCTION),
        "decided": due_in(home, -2, "已办结公司", subject=decided),
        "theirs": due_in(away, -3, "外区逾期公司"),
    }
    deadline_close(subject=decided, rule=REVIEW)
    Deadline.objects.filter(pk=items["overdue_swept"].pk).update(state=DeadlineState.MISSED,
                                                                 missed_at=timezone.now())
    return {"home": home, "office": office, "clerk": clerk, "supervisor": supervisor, **items}


def test_counts_per_kind_are_the_clerks_regions_undecided_items(world):
    counts = work_counts(staff_viewer(world["clerk"]), today=timezone.localdate(), within_days=3)
    review = counts[REVIEW]
    # later, soon, overdue swept and not swept; not the decided one, nor the other region's.
    assert (review["undecided"], review["due_soon"], review["overdue"], review["mine"]) == (4, 1, 2, 2)
    assert (counts[REDUCTION]["undecided"], counts[REDUCTION]["due_soon"]) == (1, 1)
    assert StaffingRule.ENROLMENT_REVIEW not in counts


def test_home_page_shows_todays_work_with_links_to_the_filtered_queues(world):
    page = logged_in(world["clerk"]).get("/admin/").content.decode()
    row = re.search(r'<tr data-rule="registration_review">.*?</tr>', page, re.S).group(0)
    assert re.search(r'data-count="overdue"><a href="/admin/employers/registrationapplication/\?due=overdue">2<', row)
    assert re.search(r'data-count="due_soon"><a href="[^"]*\?due=soon">1<', row)
    assert re.search(r'data-count="undecided"><a href="[^"]*\?due=undecided">4<', row)
    assert 'data-rule="staff_reduction_review"' in page and 'data-rule="enrolment_review"' in page
    # Items assigned to me, soonest first; the overdue one marked.
    mine = page[page.index('id="assigned-to-me"'):]
    assert mine.index("昨日到期公司") < mine.index("稍后审核公司")
    assert "外区逾期公司" not in page and "已办结公司" not in page
    assert 'id="escalations"' not in page  # not a supervisor


def test_kinds_the_clerk_may_not_open_are_not_shown(world):
    auditor = clerk_user(world["office"], groups=())
    auditor.user_permissions.add(*Permission.objects.filter(codename__in=["view_deadline", "view_staffreduction"]))
    page = logged_in(auditor).get("/admin/").content.decode()
    assert 'data-rule="staff_reduction_review"' in page
    assert 'data-rule="registration_review"' not in page


def test_a_rule_nobody_registered_links_to_the_review_queue_of_deadlines():
    kind = work_kind("a_rule_of_a_later_issue")  # (transfers register theirs since issue 14)
    assert kind.queue_url("overdue") == "/admin/agency/deadline/?rule=a_rule_of_a_later_issue&due=overdue"


def test_a_later_app_registers_its_kind(world):
    work_kind_register(WorkKind(rule="registration_review", label="登记审核（测试）",
                                queue="admin:employers_registrationapplication_changelist",
                                queue_params={"kind__exact": "new"}, order=1))
    try:
        work = todays_work(viewer=staff_viewer(world["clerk"]), user=world["clerk"], today=timezone.localdate())
        assert str(work.kinds[0].kind.label) == "登记审核（测试）"
        assert work.kinds[0].url("soon") == "/admin/employers/registrationapplication/?kind__exact=new&due=soon"
    finally:
        from django.apps import apps

        apps.get_app_config("employers").ready()  # put the real registration back


def test_the_filtered_queues_show_what_the_counts_count(world):
    client = logged_in(world["clerk"])
    deadlines = client.get("/admin/agency/deadline/?rule=registration_review&due=overdue").content.decode()
    assert "已逾期公司" in deadlines and "昨日到期公司" in deadlines
    assert "即将到期公司" not in deadlines and "稍后审核公司" not in deadlines
    soon = client.get("/admin/agency/deadline/?due=soon").content.decode()
    assert "即将到期公司" in soon and "减员甲" in soon and "已逾期公司" not in soon


def test_supervisors_see_escalations_and_missed_items(world, mailoutbox):
    deadline_sweep_run(today=timezone.localdate())
    page = logged_in(world["supervisor"]).get("/admin/").content.decode()
    escalations = page[page.index('id="escalations"'):page.index('id="missed-items"')]
    assert "昨日到期公司" in escalations  # escalated by this sweep
    assert "已逾期公司" not in escalations  # marked missed before: escalated to nobody by this sweep
    missed = page[page.index('id="missed-items"'):]
    assert missed.index("已逾期公司") < missed.index("昨日到期公司")  # oldest first
    assert "王芳" in missed  # the assignee by name, family name first


def test_an_overdue_item_shows_overdue_before_the_sweep(world):
    page = logged_in(world["clerk"]).get("/admin/agency/deadline/").content.decode()
    row = page[page.rfind("<tr", 0, page.index("昨日到期公司")):page.index("</tr>", page.index("昨日到期公司"))]
    assert Deadline.objects.get(pk=world["overdue_not_swept"].pk).state == DeadlineState.OPEN
    assert 'class="state-overdue"' in row
    later = page[page.rfind("<tr", 0, page.index("稍后审核公司")):page.index("</tr>", page.index("稍后审核公司"))]
    assert 'class="state-overdue"' not in later
    detail = logged_in(world["clerk"]).get(f"/admin/agency/deadline/{world['overdue_not_swept'].pk}/change/")
    assert 'class="state-overdue"' in detail.content.decode()


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: ask whether the index serves
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_counts_and_lists_read_the_partial_indexes_of_undecided_items(world):
    viewer, today = staff_viewer(world["clerk"]), timezone.localdate()
    counts = undecided_deadlines(viewer).order_by().values("rule").annotate(n=Count("id"))
    assert "deadline_undecided" in _plan(counts)
    mine = undecided_deadlines(viewer).filter(assignee_id=world["clerk"].pk).order_by("due_on", "id")[:10]
    assert re.search(r"deadline_undecided(_assignee)?", _plan(mine))
    missed = undecided_deadlines(viewer).filter(due_on__lt=today).order_by("due_on", "id")[:10]
    assert "deadline_undecided" in _plan(missed)
