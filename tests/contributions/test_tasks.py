"""The daily beat job: scheduled, and running the assessment and the determinations."""

from datetime import date

import pytest

from config.celery import app
from contributions.models import Charge, ChargeKind
from contributions.tasks import contributions_daily
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def test_the_daily_job_is_in_the_beat_schedule():
    app.loader.import_default_modules()
    app.conf.beat_schedule  # noqa: B018 - configured on access
    assert app.conf.beat_schedule["contributions-daily"]["task"] == "contributions.tasks.contributions_daily"


def test_the_daily_job_assesses_and_reports_counts(monkeypatch):
    employer = EmployerFactory()
    declare(employer, date(2025, 1, 1), "100.00")
    monkeypatch.setattr("contributions.tasks.today_in_shanghai", lambda: date(2025, 2, 11))
    counts = contributions_daily()
    assert counts["assessed"] == 1 and counts["determinations_proposed"] == 0
    assert Charge.objects.filter(kind=ChargeKind.PROVISIONAL).count() == 1
    assert contributions_daily()["assessed"] == 0
