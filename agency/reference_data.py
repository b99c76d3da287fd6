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


# The seed is stored in Chinese, as clerks read it: the chinese-calendar package names its
# holidays in English, so they are mapped here (an unknown name is kept as the package gives it).
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
NATIONAL_RATE_NOTE = "全国默认费率"
CALENDAR_SOURCE = "chinese-calendar 节假日数据"


def holiday_calendar() -> tuple[dict[date, str], dict[date, str], range]:
    """Holidays and make-up working days known to the chinese-calendar package, and its years."""
    from chinese_calendar import constants

    holidays = {d: HOLIDAY_NAMES_ZH.get(str(name), str(name)) for d, name in constants.holidays.items()}
    workdays = {d: HOLIDAY_NAMES_ZH.get(str(name), str(name)) for d, name in constants.workdays.items()}
    years = range(min(holidays).year, max(holidays).year + 1)
    return holidays, workdays, years


def reference_data_load(apps) -> None:
    """Seed the policy tables and the holiday calendar (used by migration 0002, and by
    transactional tests, whose table flush removes what migrations inserted)."""
    InterestRate = apps.get_model("agency", "InterestRate")
    ContributionRate = apps.get_model("agency", "ContributionRate")
    CalendarYear = apps.get_model("agency", "CalendarYear")
    CalendarDay = apps.get_model("agency", "CalendarDay")

    InterestRate.objects.bulk_create(
        [InterestRate(year=y, percent=p, effective_from=date(y + 1, 1, 1)) for y, p in INTEREST_RATES.items()])
    rates = [ContributionRate(insurance_type=t, employer_percent=e, individual_percent=i,
                              effective_from=NATIONAL_RATES_FROM, note=NATIONAL_RATE_NOTE)
             for t, (e, i) in NATIONAL_RATES.items()]
    rates += [ContributionRate(insurance_type="work_injury", risk_class=c, employer_percent=p,
                               individual_percent=0, effective_from=NATIONAL_RATES_FROM,
                               note=NATIONAL_RATE_NOTE)
              for c, p in WORK_INJURY_BY_CLASS.items()]
    ContributionRate.objects.bulk_create(rates)

    holidays, workdays, years = holiday_calendar()
    CalendarYear.objects.bulk_create([CalendarYear(year=y, source=CALENDAR_SOURCE) for y in years])
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind="holiday", name=n) for d, n in holidays.items()]
        + [CalendarDay(date=d, kind="workday", name=n) for d, n in workdays.items()])
