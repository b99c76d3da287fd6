"""The yearly statement shows the estimate at the statutory month (issue 27 item 4): a line and the
assumptions, computed for a whole range at once.

The man of tests/pensions/test_estimate.py (born 1968-09, retires 2029-09 at 61 years 0 months; 2024 at
index 0.75, 2025 at 1.0, 180 deemed months; 2029 base 10,000.00, 1.2%, a supplement of 50.00): stopping
now, basic 1,593.75 + account 109.09 + transitional 1,575.00 + supplement 50.00 = 3,327.84 a month.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insured.models import OriginalRetirementAge as Age
from pensions.estimate import statement_estimates
from statements.render import statement_pdf
from statements.services.generation import _statement_generate_one
from tests.pensions import factories as f
from tests.pensions.test_estimate import _deemed
from tests.transfers.factories import region

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    city = region("330100", "杭州市", "Zhejiang")
    f.wage(city, 2024, "8000.00")
    f.wage(city, 2025, "9000.00")
    f.benefit(city, 2029, "10000.00", "1.20")
    f.supplement(city, 2029, "地方补贴", "50.00")
    return city


def _man(city, seq=11, *, deemed=180):
    person = f.person(city, born=date(1968, 9, 10), sex="M", category=Age.MEN_60, seq=seq)
    employer = f.employer(city)
    f.paid(person, employer, date(2024, 1, 1), date(2024, 12, 1), base="6000.00", credit="480.00")
    f.paid(person, employer, date(2025, 1, 1), date(2025, 12, 1), base="9000.00", credit="720.00")
    if deemed:
        _deemed(person, deemed)
    return person


def test_the_statement_carries_the_estimate_line_and_its_assumptions(city):
    man = _man(city)
    statement, created = _statement_generate_one(person_id=man.pk, year=2025, actor=f.SYSTEM)
    line = json.loads(statement.snapshot)["pension"]
    assert created and line["month"] == "2029-09" and line["age"] == [61, 0]
    assert line["total"] == "3327.84" and line["months_missing"] == 0
    assert dict(line["parts"]) == {"basic": "1593.75", "account": "109.09", "transitional": "1575.00",
                                   "supplements": "50.00"}
    assert line["assumptions"] and "利息" in line["assumptions"][0]  # stated in Chinese: without future interest
    pdf = statement_pdf(statement.snapshot)
    assert pdf.startswith(b"%PDF")


def test_below_the_minimum_the_statement_says_how_many_months_are_missing(city):
    short = _man(city, seq=12, deemed=0)
    statement, _created = _statement_generate_one(person_id=short.pk, year=2025, actor=f.SYSTEM)
    line = json.loads(statement.snapshot)["pension"]
    assert (line["total"], line["months_counted"], line["months_missing"]) == (None, 24, 156)


def test_a_person_past_the_month_or_without_category_gets_no_line(city):
    retired = f.person(city, born=date(1950, 1, 1), sex="M", category=Age.MEN_60, seq=13)
    unknown = f.person(city, born=date(1980, 1, 1), sex="F", category="", seq=14)
    assert statement_estimates([retired, unknown], as_of=timezone.localdate()) == {retired.pk: None, unknown.pk: None}


def test_a_range_reads_its_inputs_at_once_not_per_person(city):
    few = [_man(city, seq=20 + i) for i in range(2)]
    with CaptureQueriesContext(connection) as two:
        statement_estimates(few, as_of=timezone.localdate())
    many = few + [_man(city, seq=30 + i) for i in range(6)]
    statement_estimates(few, as_of=timezone.localdate())  # the parameters read once for their version
    with CaptureQueriesContext(connection) as two:
        statement_estimates(few, as_of=timezone.localdate())
    with CaptureQueriesContext(connection) as eight:
        found = statement_estimates(many, as_of=timezone.localdate())
    assert len(eight) == len(two)  # a fixed number of queries per range and region
    assert {v["total"] for v in found.values()} == {"3327.84"}


def _city(code, name):
    other = region(code, name, "Zhejiang")
    f.wage(other, 2024, "8000.00")
    f.wage(other, 2025, "9000.00")
    f.benefit(other, 2029, "10000.00", "1.20")
    f.supplement(other, 2029, "地方补贴", "50.00")
    return other


def test_a_range_of_many_regions_reads_as_few_queries_as_one_region(city):
    """Issue 27 (the statement run's cost): the months paid and the parameters are read for every region of
    the range at once, not once per region."""
    one = [_man(city, seq=40 + i) for i in range(3)]
    with CaptureQueriesContext(connection) as one_region:
        statement_estimates(one, as_of=timezone.localdate())
    others = [_man(_city(code, name), seq=50 + i)
              for i, (code, name) in enumerate([("330200", "宁波市"), ("330300", "温州市")])]
    with CaptureQueriesContext(connection) as three_regions:
        found = statement_estimates(one + others, as_of=timezone.localdate())
    assert len(three_regions) == len(one_region)
    assert {v["total"] for v in found.values()} == {"3327.84"}
