"""The statutory retirement age and the minimum years at the boundaries of the official table
(2024 decision, annex tables 1-3)."""

from datetime import date
from decimal import Decimal

import pytest

from common.problems import ValidationFailed
from insured.models import InsuredPerson
from refunds.retirement import minimum_months, minimum_years, retirement_age, retirement_date

# (born, years, months, retirement month) from the official tables.
MEN_60 = [
    (date(1964, 12, 1), 60, 0, date(2024, 12, 1)),
    (date(1965, 1, 1), 60, 1, date(2025, 2, 1)),
    (date(1965, 4, 1), 60, 1, date(2025, 5, 1)),
    (date(1965, 5, 1), 60, 2, date(2025, 7, 1)),
    (date(1966, 1, 1), 60, 4, date(2026, 5, 1)),
    (date(1976, 4, 1), 62, 10, date(2039, 2, 1)),
    (date(1976, 5, 1), 62, 11, date(2039, 4, 1)),
    (date(1976, 8, 1), 62, 11, date(2039, 7, 1)),
    (date(1976, 9, 1), 63, 0, date(2039, 9, 1)),
    (date(1985, 3, 1), 63, 0, date(2048, 3, 1)),
]
WOMEN_55 = [
    (date(1969, 12, 1), 55, 0, date(2024, 12, 1)),
    (date(1970, 1, 1), 55, 1, date(2025, 2, 1)),
    (date(1970, 4, 1), 55, 1, date(2025, 5, 1)),
    (date(1970, 5, 1), 55, 2, date(2025, 7, 1)),
    (date(1981, 8, 1), 57, 11, date(2039, 7, 1)),
    (date(1981, 9, 1), 58, 0, date(2039, 9, 1)),
    (date(1990, 1, 1), 58, 0, date(2048, 1, 1)),
]
WOMEN_50 = [
    (date(1974, 12, 1), 50, 0, date(2024, 12, 1)),
    (date(1975, 1, 1), 50, 1, date(2025, 2, 1)),
    (date(1975, 2, 1), 50, 1, date(2025, 3, 1)),
    (date(1975, 3, 1), 50, 2, date(2025, 5, 1)),
    (date(1984, 9, 1), 54, 11, date(2039, 8, 1)),
    (date(1984, 10, 1), 54, 11, date(2039, 9, 1)),
    (date(1984, 11, 1), 55, 0, date(2039, 11, 1)),
    (date(1995, 6, 1), 55, 0, date(2050, 6, 1)),
]


@pytest.mark.parametrize(("category", "rows"), [("men_60", MEN_60), ("women_55", WOMEN_55), ("women_50", WOMEN_50)])
def test_the_official_table_at_its_boundaries(category, rows):
    for born, years, months, month in rows:
        age = retirement_age(born.replace(day=15), category)
        assert (age.years, age.months, age.month) == (years, months, month), (category, born)
        assert age.on == month.replace(day=15)


def test_retirement_date_uses_the_persons_category_unless_given():
    person = InsuredPerson(birth_date=date(1975, 1, 31), sex="F", original_retirement_age="women_55")
    # 60 months of birth after 1970-01: 60 // 4 + 1 = 16 months later than 55, so 56 years 4 months
    assert retirement_date(person) == date(2031, 5, 31)
    assert retirement_date(person, "women_50") == date(2025, 2, 28)  # 50y1m, the day clamped to the month


def test_an_unrecorded_category_is_a_problem_naming_the_field():
    with pytest.raises(ValidationFailed) as err:
        retirement_date(InsuredPerson(birth_date=date(1970, 1, 1), sex="F"))
    assert err.value.errors[0]["field"] == "original_retirement_age"


@pytest.mark.parametrize(("year", "years"), [
    (2025, "15"), (2029, "15"), (2030, "15.5"), (2031, "16"), (2032, "16.5"), (2033, "17"), (2034, "17.5"),
    (2035, "18"), (2036, "18.5"), (2037, "19"), (2038, "19.5"), (2039, "20"), (2040, "20"), (2050, "20")])
def test_minimum_years_from_2029_to_2040(year, years):
    assert minimum_years(year) == Decimal(years)
    assert minimum_months(year) == int(Decimal(years) * 12)
