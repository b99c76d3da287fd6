from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    from agency.reference_data import (INTEREST_RATES, NATIONAL_RATES, NATIONAL_RATES_FROM,
                                       WORK_INJURY_BY_CLASS, holiday_calendar)

    InterestRate = apps.get_model("agency", "InterestRate")
    ContributionRate = apps.get_model("agency", "ContributionRate")
    CalendarYear = apps.get_model("agency", "CalendarYear")
    CalendarDay = apps.get_model("agency", "CalendarDay")

    InterestRate.objects.bulk_create(
        [InterestRate(year=y, percent=p, effective_from=date(y + 1, 1, 1)) for y, p in INTEREST_RATES.items()])
    rates = [ContributionRate(insurance_type=t, employer_percent=e, individual_percent=i,
                              effective_from=NATIONAL_RATES_FROM, note="national default (domain.md)")
             for t, (e, i) in NATIONAL_RATES.items()]
    rates += [ContributionRate(insurance_type="work_injury", risk_class=c, employer_percent=p,
                               individual_percent=0, effective_from=NATIONAL_RATES_FROM,
                               note="national default (domain.md)")
              for c, p in WORK_INJURY_BY_CLASS.items()]
    ContributionRate.objects.bulk_create(rates)

    holidays, workdays, years = holiday_calendar()
    CalendarYear.objects.bulk_create([CalendarYear(year=y, source="chinese-calendar package") for y in years])
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind="holiday", name=n) for d, n in holidays.items()]
        + [CalendarDay(date=d, kind="workday", name=n) for d, n in workdays.items()])


class Migration(migrations.Migration):
    dependencies = [("agency", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
