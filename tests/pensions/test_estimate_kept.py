"""The rendered estimate kept on its inputs (pensions.estimate.estimate_rendered, issue 27 benchmarks): the
same inputs answer the body kept, anything the estimate reads that changes answers a new one — a month paid,
a parameter published, the person's row, the month the estimate is made in, the language."""

from __future__ import annotations

from datetime import date

import pytest

from insured.models import OriginalRetirementAge as Age
from pensions import estimate as estimates
from pensions.apis import estimate_document
from tests.builders import person_client
from tests.pensions import factories as f
from tests.pensions.test_estimate import _deemed
from tests.transfers.factories import region

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/pension-estimate"


@pytest.fixture
def man(city):
    person = f.person(city, born=date(1968, 9, 10), sex="M", category=Age.MEN_60)
    f.paid(person, f.employer(city), date(2024, 1, 1), date(2024, 12, 1), base="6000.00", credit="480.00")
    f.wage(city, 2024, "8000.00")
    f.wage(city, 2025, "9000.00")
    f.benefit(city, 2029, "10000.00", "1.20")
    _deemed(person, 180)
    return person


@pytest.fixture
def computed(monkeypatch):
    """How many estimates were computed (not answered from what was kept)."""
    calls = []
    real = estimates._estimate_of
    monkeypatch.setattr(estimates, "_estimate_of", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def _statutory_stop(body):
    return next(p for p in body["points"] if p["key"] == "statutory")["scenarios"][0]


def test_the_same_inputs_answer_the_kept_body_without_computing_again(man, computed):
    client = person_client(man)
    first = client.get(URL)
    second = client.get(URL)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(computed) == 1


def test_a_month_paid_after_the_first_answer_is_in_the_next(man, city, computed):
    client = person_client(man)
    before = _statutory_stop(client.get(URL).json())
    f.paid(man, f.employer(city), date(2025, 1, 1), date(2025, 3, 1), base="9000.00", credit="720.00")
    after = client.get(URL).json()
    assert (before["months_paid"], _statutory_stop(after)["months_paid"]) == (12, 15)
    assert after["balance"] == "7920.00"  # 12 x 480 + 3 x 720
    assert len(computed) == 2


def test_a_benefit_base_published_after_the_first_answer_is_in_the_next(man, city):
    client = person_client(man)
    earliest = next(p for p in client.get(URL).json()["points"] if p["key"] == "earliest")
    assert earliest["scenarios"][0]["total"] is None
    f.benefit(city, 2028, "9800.00", "1.20")
    earliest = next(p for p in client.get(URL).json()["points"] if p["key"] == "earliest")
    assert earliest["scenarios"][0]["total"] is not None and earliest["scenarios"][0]["missing"] == []


def test_a_category_recorded_on_the_person_after_the_first_answer_is_in_the_next(city):
    woman = f.person(city, born=date(1975, 5, 10), sex="F", category=Age.WOMEN_50, seq=21)
    client = person_client(woman)

    def statutory():
        return next(p for p in client.get(URL).json()["points"] if p["key"] == "statutory")["age_years"]

    assert statutory() == 50
    woman.original_retirement_age = Age.WOMEN_55
    woman.save(update_fields=["original_retirement_age"])
    assert statutory() == 56  # 55 raised by the 2024 decision for her birth month


def test_the_month_and_the_language_are_part_of_what_is_kept(man, computed):
    from django.utils import translation

    from common.access import Kind, Viewer

    viewer = Viewer(Kind.PERSON, person_id=man.pk)
    december = estimates.estimate_rendered(viewer, person_id=man.pk, render=estimate_document, as_of=date(2026, 12, 7))
    november = estimates.estimate_rendered(viewer, person_id=man.pk, render=estimate_document, as_of=date(2026, 11, 7))
    assert (december["as_of"], november["as_of"]) == ("2026-12", "2026-11")
    with translation.override("zh-hans"):
        chinese = estimates.estimate_rendered(viewer, person_id=man.pk, render=estimate_document,
                                              as_of=date(2026, 12, 7))
    assert chinese["notes"] != december["notes"]
    assert len(computed) == 3


def test_nothing_is_kept_when_the_setting_is_zero(man, computed, settings):
    settings.PENSION_ESTIMATE_KEPT = 0
    client = person_client(man)
    assert client.get(URL).content == client.get(URL).content
    assert len(computed) == 2


def test_one_persons_inputs_in_one_statement_are_the_ranges(man, city):
    """selectors.person_inputs (the API's one statement) reads what range_inputs reads for a range of one: stored
    years and the ledger after them, two regions, transfers in with and without bases, the latest deemed months,
    the balance; and the estimate made of each is the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from insured.models import InsuranceRelationship, RelationshipState
    from pensions import selectors
    from pensions.paid_years import paid_years_through
    from tests.pensions.test_estimate import _transfer_in

    f.paid(man, f.employer(city), date(2025, 1, 1), date(2025, 6, 1), base="9000.00", credit="720.00")
    paid_years_through(person_ids=[man.pk], year=2024)  # 2024 stored, 2025 from the ledger
    other = region("320100", "南京市", "Jiangsu")
    InsuranceRelationship.objects.create(person=man, region=other, state=RelationshipState.SUSPENDED,
                                         opened_on=date(2026, 1, 1), state_since=date(2026, 3, 1))
    f.paid(man, f.employer(other), date(2026, 1, 1), date(2026, 2, 1), base="7000.00", credit="560.00")
    outside = region("440300", "深圳市", "Guangdong", external=True)
    _transfer_in(man, outside, {"recorded_from": "external", "months": 24,
                                "by_year": [{"year": 2020, "months": 24, "bases": "120000.00"}]})
    _transfer_in(man, outside, {"recorded_from": "external", "months": 6})
    _deemed(man, 200)  # the latest replaces the fixture's 180
    as_of, points = estimates._retirement_months(man, date(2026, 12, 7))
    months = {month for _key, month in points}
    ranged = selectors.range_inputs([man], until=as_of, months_by_region={man.region_id: months})
    with CaptureQueriesContext(connection) as queries:
        one = selectors.person_inputs(man, until=as_of, months=months)
    assert len(queries.captured_queries) <= 2  # the statement and the ledger after the stored years
    assert [(r.region.pk, r.region.name, r.year, r.months, r.bases) for r in one.paid[man.pk]] \
        == [(r.region.pk, r.region.name, r.year, r.months, r.bases) for r in ranged.paid[man.pk]]
    assert [(t.pk, t.from_region_id, t.from_region.name, t.months, t.form) for t in one.transfers[man.pk]] \
        == [(t.pk, t.from_region_id, t.from_region.name, t.months, t.form) for t in ranged.transfers[man.pk]]
    d1, d2 = one.deemed[man.pk], ranged.deemed[man.pk]
    assert (d1.pk, d1.months, d1.recorded_by, d1.recorded_at, d1.voucher.original_name) \
        == (d2.pk, d2.months, d2.recorded_by, d2.recorded_at, d2.voucher.original_name)
    assert (one.balances, one.latest_year, one.version, one.wages, one.params) \
        == (ranged.balances, ranged.latest_year, ranged.version, ranged.wages, ranged.params)
    assert one.paid[man.pk] and len(one.transfers[man.pk]) == 2 and d1.months == 200
    latest = selectors.latest_month(person_id=man.pk, until=as_of, latest_year=one.latest_year[man.pk])
    documents = [estimate_document(estimates._estimate_of(man, as_of, points, *estimates._record_from(
        man, as_of, inputs, latest, months=sorted(months)))) for inputs in (one, ranged)]
    assert documents[0] == documents[1]
    assert _statutory_stop(documents[0])["months_paid"] == 12 + 6 + 2 + 24 + 6
