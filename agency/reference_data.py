"""Figures from domain.md that seed the policy tables; administrators add rows after."""

from datetime import date
from decimal import Decimal as D

# Published bookkeeping interest rates (记账利率), percent.
INTEREST_RATES = {2016: D("8.31"), 2017: D("7.12"), 2018: D("8.29"), 2019: D("7.61"), 2020: D("6.04"),
                  2021: D("6.69"), 2022: D("6.12"), 2023: D("3.97"), 2024: D("2.62")}

# National default rates, percent (employer, individual); regions override with rows of their own.
NATIONAL_RATES = {
    "pension": (D("16"), D("8")),
    "medical": (D("8"), D("2")),
    "unemployment": (D("0.5"), D("0.5")),
}
# Work injury: employer only, by industry risk class 1-8.
WORK_INJURY_BY_CLASS = {1: D("0.2"), 2: D("0.4"), 3: D("0.7"), 4: D("0.9"), 5: D("1.1"), 6: D("1.3"),
                        7: D("1.6"), 8: D("1.9")}
NATIONAL_RATES_FROM = date(2019, 5, 1)  # the 2019 cut of the employer pension rate to 16%


def holiday_calendar() -> tuple[dict[date, str], dict[date, str], range]:
    """Holidays and make-up working days known to the chinese-calendar package, and its years."""
    from chinese_calendar import constants

    holidays = {d: str(name) for d, name in constants.holidays.items()}
    workdays = {d: str(name) for d, name in constants.workdays.items()}
    years = range(min(holidays).year, max(holidays).year + 1)
    return holidays, workdays, years
