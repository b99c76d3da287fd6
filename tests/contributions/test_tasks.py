"""The daily beat job: scheduled, and running the assessment and the determinations."""

from datetime import date

import pytest

from config.celery import app
from contributions.models import Charge, ChargeKind
from contributions.tasks import contributions_daily
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def test_every_scheduled_job_names_a_task_the_workers_know():
    """A beat entry is a task's name as a string: a typo would never run the job, silently."""
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert "contributions-daily" in schedule
    unknown = {name: entry["task"] for name, entry in schedule.items() if entry["task"] not in app.tasks}
    assert unknown == {}


def test_the_daily_job_assesses_and_reports_counts(monkeypatch):
    employer = EmployerFactory()
    declare(employer, date(2025, 1, 1), "100.00")
    monkeypatch.setattr("contributions.tasks.today_in_shanghai", lambda: date(2025, 2, 11))
    counts = contributions_daily()
    assert counts["assessed"] == 1 and counts["determinations_proposed"] == 0
    assert Charge.objects.filter(kind=ChargeKind.PROVISIONAL).count() == 1
    assert contributions_daily()["assessed"] == 0
