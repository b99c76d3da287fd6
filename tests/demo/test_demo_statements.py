"""demo_accounts runs last year's statements for a demo-sized population, and leaves a large one
(a benchmark's million persons) to the yearly run."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo import statements as demo_statements
from insured.models import InsuredPerson
from statements.models import Statement, StatementRun
from tests.demo.test_seed_demo import seed

pytestmark = pytest.mark.django_db


def test_a_demo_population_gets_last_years_statements():
    seed(employers=20, persons=300)
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    year = timezone.localdate().year - 1
    assert Statement.objects.filter(year=year).count() == InsuredPerson.objects.count()
    assert f"demo statements: the {year} run is" in out.getvalue()


def test_more_persons_than_a_demo_has_are_left_to_the_yearly_run(monkeypatch):
    seed(employers=20, persons=300)
    monkeypatch.setattr(demo_statements, "DEMO_STATEMENTS_MAX_PERSONS", 100)
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert not StatementRun.objects.exists()
    assert not Statement.objects.exists()
    assert "demo statements skipped: more than 100 persons" in out.getvalue()
