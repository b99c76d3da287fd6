"""Working-day arithmetic over the editable holiday calendar.

A working day is Monday-Friday unless a statutory holiday, or a weekend day
that is a make-up working day (调休). Years without calendar data are refused:
a deadline computed on a guess would be a wrong deadline.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from agency.models import CalendarDay, CalendarYear, DayKind
from common.problems import ApplicationError


class CalendarNotCovered(ApplicationError):
    status = 422
    type_slug = "calendar-not-covered"


class WorkingCalendar:
    """Loads the years it needs once; cheap to reuse across many deadlines."""

    def __init__(self):
        self._years: set[int] | None = None
        self._days: dict[date, str] = {}
        self._loaded: set[int] = set()

    def _require(self, year: int) -> None:
        if self._years is None:
            self._years = set(CalendarYear.objects.values_list("year", flat=True))
        if year not in self._years:
            raise CalendarNotCovered(
                _("The holiday calendar has no data for %(year)d; an administrator must enter that year's "
                  "holidays and make-up working days before working-day deadlines can be computed.") % {"year": year},
                year=year)
        if year not in self._loaded:
            self._days.update(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
            self._loaded.add(year)

    def is_working_day(self, day: date) -> bool:
        self._require(day.year)
        kind = self._days.get(day)
        if kind == DayKind.HOLIDAY:
            return False
        if kind == DayKind.WORKDAY:
            return True
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current, remaining = start, days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count


def add_working_days(start: date, days: int) -> date:
    return WorkingCalendar().add_working_days(start, days)


def add_calendar_or_working_days(start: date, days: int, *, working: bool) -> date:
    return add_working_days(start, days) if working else start + timedelta(days=days)
