"""The estimate pinned on hand-computed persons (issue 27, item 3). Figures as of 2026-12; each part is
rounded half-up to the fen; the index to four decimals.

The man born 1968-09 (original age 60) retires at 61 years 0 months in 2029-09 (one month for every four
months of birth since 1965-01: 45 months -> 12 months). He paid 2024 at base 6000 against an average wage of
8000 (index 0.75 x 12) and 2025 at 9000 against 9000 (1.0 x 12), crediting 8% (480, 720) to his account
(14,400.00), and has 180 deemed months. Region 2029: benefit base 10,000.00, coefficient 1.2%, a supplement
of 50.00. Index (9 + 12) / 24 = 0.8750, indexed wage 8,750.00:
  basic        (10000 + 8750) / 2 x 204/12 x 1%      = 1,593.75
  account      14400 / 132 (age 61)                   =   109.09
  transitional 8750 x 180/12 x 1.2%                   = 1,575.00
  supplement                                          =    50.00   total 3,327.84
Keeping 9000 until 2029-08 adds 33 months at index 1 (the 2025 wage): index 54/57 = 0.9474, 237 months,
balance 14400 + 33 x 720 = 38,160.00:
  basic (10000 + 9474) / 2 x 237/12 x 1% = 1,923.06; account 38160 / 132 = 289.09;
  transitional 9474 x 15 x 1.2% = 1,705.32; supplement 50.00; total 3,967.47.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.problems import NotFound
from insured.models import OriginalRetirementAge as Age
from pensions.estimate import estimate_compute, estimate_for
from pensions.services.deemed import deemed_service_record
from tests.builders import clerk, person_viewer
from tests.pensions import factories as f
from tests.transfers.factories import region

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 12, 7)


def _deemed(person, months):
    return deemed_service_record(person=person, months=months, actor=f.SYSTEM,
                                 voucher=SimpleUploadedFile("档案.pdf", b"%PDF-1.4 deemed", "application/pdf"))


def _point(estimate, key):
    return next(p for p in estimate.points if p.key == key)


def _parts(scenario):
    return {p.key: p.amount for p in scenario.parts}


@pytest.fixture
def man(city):
    person = f.person(city, born=date(1968, 9, 10), sex="M", category=Age.MEN_60)
    employer = f.employer(city)
    f.paid(person, employer, date(2024, 1, 1), date(2024, 12, 1), base="6000.00", credit="480.00")
    f.paid(person, employer, date(2025, 1, 1), date(2025, 12, 1), base="9000.00", credit="720.00")
    f.wage(city, 2024, "8000.00")
    f.wage(city, 2025, "9000.00")
    f.benefit(city, 2029, "10000.00", "1.20")
    f.supplement(city, 2029, "地方补贴", "50.00")
    _deemed(person, 180)
    return person


def test_a_man_at_the_statutory_month_stopping_now(man):
    estimate = estimate_compute(man, as_of=AS_OF)
    point = _point(estimate, "statutory")
    assert (point.month, point.age_years, point.age_months) == (date(2029, 9, 1), 61, 0)
    stop = point.scenarios[0]
    assert stop.basis == "stop" and stop.index == D("0.8750")
    assert (stop.months_paid, stop.months_deemed, stop.months_counted) == (24, 180, 204)
    assert _parts(stop) == {"basic": D("1593.75"), "account": D("109.09"), "transitional": D("1575.00"),
                            "supplements": D("50.00")}
    assert stop.total == D("3327.84") and stop.missing == []
    sources = {i.key: i.source for p in stop.parts for i in p.inputs}
    assert sources["benefit_base"] == f.SOURCE and "国发〔2005〕38号" in sources["divisor"]
    assert sources["supplement:地方补贴"] == f.SOURCE


def test_a_man_keeping_his_current_base_until_retirement(man):
    keep = _point(estimate_compute(man, as_of=AS_OF), "statutory").scenarios[1]
    assert keep.basis == "keep" and keep.index == D("0.9474") and keep.months_counted == 237
    assert _parts(keep) == {"basic": D("1923.06"), "account": D("289.09"), "transitional": D("1705.32"),
                            "supplements": D("50.00")}
    assert keep.total == D("3967.47")
    assert any("33" in a and "9000.00" in a for a in keep.assumptions)


def test_a_benefit_base_not_yet_published_is_named_and_the_rest_is_answered(man):
    """The earliest flexible month, 2028-09 (age 60, never below the original age): 2028 has no benefit base."""
    point = _point(estimate_compute(man, as_of=AS_OF), "earliest")
    assert (point.month, point.age_years, point.age_months) == (date(2028, 9, 1), 60, 0)
    stop = point.scenarios[0]
    parts = _parts(stop)
    assert parts["basic"] is None and parts["transitional"] is None
    assert parts["account"] == D("103.60")  # 14400 / 139
    assert stop.total is None
    assert [m.key for m in stop.missing] == [f"benefit_base:{man.region.code}:2028"]
    assert "2028" in stop.missing[0].text


def test_the_latest_flexible_month_is_three_years_after(man):
    point = _point(estimate_compute(man, as_of=AS_OF), "latest")
    assert (point.month, point.age_years) == (date(2032, 9, 1), 64)


def test_a_missing_average_wage_is_named_not_guessed(city):
    person = f.person(city, born=date(1968, 9, 10), sex="M", category=Age.MEN_60, seq=12)
    f.paid(person, f.employer(city), date(2023, 1, 1), date(2023, 3, 1), base="6000.00", credit="480.00")
    f.benefit(city, 2029, "10000.00")
    _deemed(person, 200)
    stop = _point(estimate_compute(person, as_of=AS_OF), "statutory").scenarios[0]
    assert stop.index is None and _parts(stop)["basic"] is None
    assert f"average_wage:{city.name}:2023" in [m.key for m in stop.missing]


@pytest.fixture
def woman_55(city):
    """A woman of original age 55 born 1972-02: 25 months after 1970-01, so 7 months later: 55 years 7 months,
    in 2027-09. Balance 16,700.00; divisors 55: 170, 56: 164."""
    person = f.person(city, born=date(1972, 2, 10), sex="F", category=Age.WOMEN_55, seq=13)
    f.paid(person, f.employer(city), date(2025, 1, 1), date(2025, 10, 1), base="5000.00", credit="1670.00")
    f.wage(city, 2025, "10000.00")
    f.benefit(city, 2027, "9000.00")
    _deemed(person, 180)
    return person


def _account(person):
    point = _point(estimate_compute(person, as_of=AS_OF), "statutory")
    assert (point.month, point.age_years, point.age_months) == (date(2027, 9, 1), 55, 7)
    return point.scenarios[0]


def test_an_age_with_months_where_the_region_set_no_rule_names_the_divisor(woman_55):
    stop = _account(woman_55)
    assert _parts(stop)["account"] is None and stop.total is None
    assert [m.key for m in stop.missing] == ["divisor:55:7"]
    assert "杭州市" in stop.missing[0].text
    f.policy(woman_55.region, "none")
    assert [m.key for m in _account(woman_55).missing] == ["divisor:55:7"]


def test_an_age_with_months_under_the_lower_whole_age(woman_55):
    f.policy(woman_55.region, "lower")
    assert _parts(_account(woman_55))["account"] == D("98.24")  # 16700 / 170


def test_an_age_with_months_interpolated_to_the_whole_month(woman_55):
    f.policy(woman_55.region, "linear", "month")  # 170 - 6 x 7/12 = 166.5 -> 167
    stop = _account(woman_55)
    assert _parts(stop)["account"] == D("100.00")
    assert next(i.value for p in stop.parts for i in p.inputs if i.key == "divisor") == "167"


def test_an_age_with_months_interpolated_to_two_decimals(woman_55):
    f.policy(woman_55.region, "linear", "cent")  # 166.50
    assert _parts(_account(woman_55))["account"] == D("100.30")  # 16700 / 166.50 = 100.3003


def test_a_woman_of_50_below_the_minimum_years_learns_the_months_missing_and_the_options(city):
    """Born 1980-06, original age 50: 65 months after 1975-01, so 33 months later: 52 years 9 months, in 2033-03,
    when the minimum is 17 years (204 months). 24 months paid to 2026-12: 180 missing stopping now; keeping on from 2027-01 to 2033-02 adds 74."""
    person = f.person(city, born=date(1980, 6, 1), sex="F", category=Age.WOMEN_50, seq=14)
    f.paid(person, f.employer(city), date(2025, 1, 1), date(2026, 12, 1), base="5000.00", credit="400.00")
    point = _point(estimate_compute(person, as_of=AS_OF), "statutory")
    assert (point.month, point.age_years, point.age_months) == (date(2033, 3, 1), 52, 9)
    stop, keep = point.scenarios
    assert (stop.eligible, stop.minimum_months, stop.months_missing, stop.parts) == (False, 204, 180, [])
    assert keep.months_paid == 24 + 74 and keep.months_missing == 106
    assert "180" in stop.options[0] and "Order No. 13" in stop.options[1] and "9600.00" in stop.options[1]


def test_a_woman_of_50_counts_years_in_months_with_no_transitional_part(city):
    """A woman of original age 50 born 1974-11 (before 1975-01: no delay) retired at 50 in 2024-11; 181 months
    paid at index 1 with no deemed years: basic (8000 + 8000) / 2 x 181/12 x 1% = 1,206.67."""
    person = f.person(city, born=date(1974, 11, 3), sex="F", category=Age.WOMEN_50, seq=15)
    employer = f.employer(city)
    f.paid(person, employer, date(2009, 1, 1), date(2024, 1, 1), base="8000.00", credit="10.00")
    for year in range(2009, 2025):
        f.wage(city, year, "8000.00")
    f.benefit(city, 2024, "8000.00", transitional=None)
    stop = _point(estimate_compute(person, as_of=AS_OF), "statutory").scenarios[0]
    assert stop.months_counted == 181 and stop.index == D("1.0000")
    assert _parts(stop) == {"basic": D("1206.67"), "account": D("9.28"), "transitional": D("0.00"),
                            "supplements": D("0.00")}  # account 1810 / 195


def test_a_person_sees_only_their_own_and_a_clerk_their_regions(man, city):
    other_city = region("320100", "南京市", "Jiangsu")
    other = f.person(other_city, born=date(1970, 1, 1), sex="M", category=Age.MEN_60, seq=16)
    assert estimate_for(person_viewer(man), person_id=man.pk, as_of=AS_OF).person == man
    with pytest.raises(NotFound):
        estimate_for(person_viewer(other), person_id=man.pk)
    assert estimate_for(clerk(city), person_id=man.pk, as_of=AS_OF).person == man
    with pytest.raises(NotFound):
        estimate_for(clerk(other_city), person_id=man.pk)


def _transfer_in(person, old_region, form):
    from transfers.models import Transfer, TransferKind, TransferState

    return Transfer.objects.create(person=person, from_region=old_region, to_region=person.region,
                                   kind=TransferKind.FUNDS, state=TransferState.COMPLETED, channel="admin",
                                   filed_by="test", filed_on=date(2026, 3, 1), months=form.get("months", 0),
                                   form=form)


def test_months_transferred_in_from_outside_count_with_the_forms_bases_and_that_regions_wage(man):
    """24 months of 2020-2021 in an external region at bases summing 2 x 12 x 5,000 against its wage of 5,000
    (index 1 x 24): the index is (9 + 12 + 24) / 48 = 0.9375 and 228 months count."""
    outside = region("440300", "深圳市", "Guangdong", external=True)
    _transfer_in(man, outside, {"recorded_from": "external", "months": 24, "by_year": [
        {"year": 2020, "months": 12, "bases": "60000.00"}, {"year": 2021, "months": 12, "bases": "60000.00"}]})
    f.wage(outside, 2020, "5000.00")
    f.wage(outside, 2021, "5000.00")
    stop = _point(estimate_compute(man, as_of=AS_OF), "statutory").scenarios[0]
    assert (stop.months_paid, stop.months_counted, stop.index) == (48, 228, D("0.9375"))


def test_months_transferred_in_without_bases_count_as_years_and_the_index_is_named_not_guessed(man):
    outside = region("440300", "深圳市", "Guangdong", external=True)
    transfer = _transfer_in(man, outside, {"recorded_from": "external", "months": 30})
    stop = _point(estimate_compute(man, as_of=AS_OF), "statutory").scenarios[0]
    assert (stop.months_paid, stop.months_counted, stop.index) == (54, 234, None)
    assert _parts(stop)["basic"] is None and _parts(stop)["account"] == D("109.09")
    assert f"transfer_bases:{transfer.pk}" in [m.key for m in stop.missing]


@pytest.mark.parametrize("fixture", ["man", "woman_55"])
def test_the_api_document_renders_the_same_bytes_as_the_serializer(fixture, city, request):
    """The estimate's body is built without the nested serializers (issue 27 benchmarks): for men and women,
    missing parameters, an age with months and a person below the minimum, it renders what
    PensionEstimateOutput renders, key order included."""
    from rest_framework.renderers import JSONRenderer

    from pensions.apis import PensionEstimateOutput, estimate_document

    f.policy(city, "linear", "cent")
    short = f.person(city, born=date(1976, 3, 15), sex="F", category=Age.WOMEN_50, seq=18)
    f.paid(short, f.employer(city), date(2024, 1, 1), date(2024, 6, 1), base="7000.00", credit="560.00")
    for person in (request.getfixturevalue(fixture), short):
        for estimate in (estimate_compute(person, as_of=AS_OF), estimate_compute(person, as_of=date(2026, 12, 1))):
            assert (JSONRenderer().render(estimate_document(estimate))
                    == JSONRenderer().render(PensionEstimateOutput(estimate).data))
