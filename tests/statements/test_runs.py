"""A run is split into ranges, resumes after a killed worker or a lost task, never makes a second
statement, and starting it again changes nothing."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from common.access import Viewer
from common.problems import Forbidden
from statements.models import RangeState, RunRange, RunState, Statement, StatementEvent, StatementRun
from statements.services import generation
from statements.services.generation import statement_range_generate
from statements.services.runs import statement_run_dispatch, statement_run_start
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import staff_viewer
from tests.insured.factories import PersonFactory
from tests.statements.world import YEAR, build, run_year

pytestmark = pytest.mark.django_db


def test_ranges_cover_every_person_once(settings):
    settings.STATEMENT_RANGE_SIZE = 3
    persons = [PersonFactory() for _ in range(8)]
    run, created = statement_run_start(year=YEAR, region=None, actor=Viewer.system())
    assert created and run.persons_total == 8 and run.ranges_total == 3
    ranges = list(RunRange.objects.filter(run=run).order_by("seq"))
    covered = [p.pk for p in persons if any(r.first_person_id <= p.pk <= r.last_person_id for r in ranges)]
    assert covered == [p.pk for p in persons]
    assert all(a.last_person_id < b.first_person_id for a, b in zip(ranges, ranges[1:], strict=False))


def test_ranges_of_one_person_each_and_a_region_with_nobody(settings):
    settings.STATEMENT_RANGE_SIZE = 1
    persons = [PersonFactory() for _ in range(3)]
    run, _ = statement_run_start(year=YEAR, region=None, actor=Viewer.system())
    ranges = list(RunRange.objects.filter(run=run).order_by("seq"))
    assert [(r.first_person_id, r.last_person_id) for r in ranges] == [(p.pk, p.pk) for p in persons]

    empty = RegionFactory()  # a region where nobody is insured yet: a run with nothing to do
    run, created = statement_run_start(year=YEAR, region=empty, actor=Viewer.system())
    assert created and run.persons_total == 0 and run.ranges_total == 0
    assert not RunRange.objects.filter(run=run).exists()


def test_a_worker_killed_in_a_range_leaves_it_pending_and_the_next_one_finishes_it(settings):
    settings.STATEMENT_RANGE_SIZE = 2
    build()
    PersonFactory(), PersonFactory()
    run, _ = statement_run_start(year=YEAR, region=None, actor=Viewer.system())
    first = RunRange.objects.filter(run=run).order_by("seq").first()

    # The worker dies after the statements were written, before the range commits.
    with mock.patch.object(generation, "persons_in_range", side_effect=SystemExit("killed")), \
            pytest.raises(SystemExit):
        statement_range_generate(range_id=first.pk, actor=Viewer.system())
    first.refresh_from_db()
    assert first.state == RangeState.PENDING and not Statement.objects.exists()

    for rng in RunRange.objects.filter(run=run):
        statement_range_generate(range_id=rng.pk, actor=Viewer.system())
    assert Statement.objects.count() == run.persons_total
    assert statement_range_generate(range_id=first.pk, actor=Viewer.system()) is None  # done: a redelivered task does nothing
    assert Statement.objects.count() == run.persons_total


def test_a_lost_task_is_queued_again_only_after_the_requeue_time(django_capture_on_commit_callbacks):
    build()
    run, _ = statement_run_start(year=YEAR, region=None, actor=Viewer.system())
    ranges = sorted(RunRange.objects.filter(run=run).values_list("pk", flat=True))
    with mock.patch("statements.tasks.statement_range_work.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            assert statement_run_dispatch(run_id=run.pk, actor=Viewer.system()) == run.ranges_total
        assert sorted(c.kwargs["range_id"] for c in delay.call_args_list) == ranges  # each range once
        delay.reset_mock()
        with django_capture_on_commit_callbacks(execute=True):
            assert statement_run_dispatch(run_id=run.pk, actor=Viewer.system()) == 0  # its task may still come
        assert delay.call_count == 0
        RunRange.objects.filter(run=run).update(queued_at=timezone.now() - timedelta(hours=1))  # Redis lost it
        with django_capture_on_commit_callbacks(execute=True):
            assert statement_run_dispatch(run_id=run.pk, actor=Viewer.system()) == run.ranges_total
        assert sorted(c.kwargs["range_id"] for c in delay.call_args_list) == ranges  # queued again


def test_starting_a_finished_run_again_changes_nothing():
    build()
    run = run_year()
    assert run.state == RunState.DONE
    before = (Statement.objects.count(), StatementEvent.objects.count(), RunRange.objects.count())
    again, created = statement_run_start(year=YEAR, region=None, actor=Viewer.system())
    assert again.pk == run.pk and not created and again.state == RunState.DONE
    assert (Statement.objects.count(), StatementEvent.objects.count(), RunRange.objects.count()) == before


def test_a_region_run_covers_its_region_and_skips_those_who_have_the_year_already():
    w = build()
    other = PersonFactory()  # another region
    run = run_year(region=w.person.region)
    assert set(Statement.objects.values_list("person_id", flat=True)) == {w.person.pk}
    assert run.persons_total == 1
    province = run_year()  # the province's run afterwards: Wang is not done twice
    assert Statement.objects.filter(person=w.person).count() == 1
    assert Statement.objects.filter(person=other).exists() and province.state == RunState.DONE


def test_only_a_supervisor_of_the_region_starts_its_run():
    w = build()
    office = OfficeFactory(region=w.person.region)
    clerk = clerk_user(office, groups=("clerk",))
    supervisor = clerk_user(office, groups=("supervisor",))
    as_clerk = staff_viewer(clerk)
    as_supervisor = staff_viewer(supervisor)
    with pytest.raises(Forbidden):
        statement_run_start(year=YEAR, region=w.person.region, actor=as_clerk)
    with pytest.raises(Forbidden):
        statement_run_start(year=YEAR, region=None, actor=as_supervisor)  # the province's run is not theirs
    run, created = statement_run_start(year=YEAR, region=w.person.region, actor=as_supervisor)
    assert created and StatementRun.objects.get().started_by == f"user:{supervisor.pk}"
