from datetime import date

import pytest

from agency.models import CalendarDay, CalendarYear
from agency.workdays import CalendarNotCovered, WorkingCalendar, add_calendar_or_working_days

pytestmark = pytest.mark.django_db


def test_national_day_week_and_its_make_up_saturday():
    cal = WorkingCalendar()
    assert not cal.is_working_day(date(2024, 10, 1))  # National Day
    assert cal.is_working_day(date(2024, 10, 12))  # a Saturday worked in lieu (调休)
    # From Monday 2024-09-30: 1-7 October are off; 8-11 Oct (4), Sat 12 Oct (5), 14-18 Oct (10), 21-25 Oct (15).
    assert cal.add_working_days(date(2024, 9, 30), 15) == date(2024, 10, 25)


def test_calendar_and_working_day_rules_differ():
    start = date(2024, 9, 30)
    assert add_calendar_or_working_days(start, 15, working=False) == date(2024, 10, 15)
    assert add_calendar_or_working_days(start, 15, working=True) == date(2024, 10, 25)


def test_a_year_without_data_is_refused_with_a_clear_error():
    last = CalendarYear.objects.order_by("-year").first().year  # the seeded years, plus conftest's next year
    with pytest.raises(CalendarNotCovered) as err:
        WorkingCalendar().add_working_days(date(last, 12, 20), 15)
    assert str(last + 1) in err.value.detail


def test_an_administrators_edit_changes_the_arithmetic():
    CalendarDay.objects.create(date=date(2025, 3, 3), kind="holiday", name="local holiday")
    assert not WorkingCalendar().is_working_day(date(2025, 3, 3))


def test_seeded_policy_figures_match_the_domain_brief():
    from decimal import Decimal

    from agency.models import ContributionRate, InterestRate

    assert InterestRate.objects.get(year=2023).percent == Decimal("3.97")
    pension = ContributionRate.objects.effective_on(date(2025, 1, 1)).get(region=None, insurance_type="pension")
    assert (pension.employer_percent, pension.individual_percent) == (Decimal("16"), Decimal("8"))


def test_a_rate_change_is_a_new_row_effective_from_its_date():
    from decimal import Decimal

    from agency.models import ContributionRate

    ContributionRate.objects.create(insurance_type="medical", employer_percent=Decimal("7.5"),
                                    individual_percent=Decimal("2"), effective_from=date(2025, 7, 1))
    rates = ContributionRate.objects.filter(region=None, insurance_type="medical")
    assert rates.effective_on(date(2025, 6, 30)).get().employer_percent == Decimal("8")
    assert rates.effective_on(date(2025, 7, 1)).get().employer_percent == Decimal("7.5")
    assert rates.count() == 2
