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


def test_the_transferred_demo_persons_statement_shows_paid_what_was_credited():
    """The demo's Beijing months carry the amounts of Beijing's rate card, so last year's statement of
    the person transferred in shows the individual pension part paid equal to the credits (not 0.00
    paid next to 14,400.00 credited)."""
    import json

    from demo.transfers import demo_transfer_person

    seed(employers=20, persons=300)
    call_command("demo_accounts", stdout=io.StringIO())
    person = demo_transfer_person()
    assert person is not None
    snapshot = json.loads(Statement.objects.get(person=person, year=timezone.localdate().year - 1).snapshot)
    individual_pension = snapshot["totals"][1]
    assert snapshot["account"]["credits"] not in ("0", "0.00")
    assert individual_pension == snapshot["account"]["credits"], snapshot["totals"]
