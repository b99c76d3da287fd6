"""Plausible dates: every date a caller gives is checked against a range that says why.

Dates are Asia/Shanghai calendar days (TIME_ZONE). How far ahead a caller may date an event
(an employment's start, a last working day) is DATE_AHEAD_MAX_DAYS; nothing may lie before
the earliest date that makes sense for its kind, so an absurd year (0001, 9999) is a clear
400 naming the field, never an overflow or a stored record.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from common.problems import ValidationFailed

EARLIEST_BIRTH = date(1900, 1, 1)
EARLIEST_ESTABLISHMENT = date(1949, 1, 1)  # no employer registered here was established before 1949
MINIMUM_WORKING_AGE = 16  # Labour Law Art. 15: no employment before the 16th birthday
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)  # ASCII digits only (issue 25)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_YEAR = re.compile(r"[0-9]{4}", re.ASCII)


# A month (a contribution period, a payout month) in the API, in requests and answers alike (issue 24):
# "YYYY-MM", documented with this pattern wherever a month appears in the schema.
MONTH_PATTERN = r"^(19[4-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])$"


def today() -> date:
    return timezone.localdate()


def latest_ahead(on: date | None = None) -> date:
    """The latest date an event may be given for: today (or `on`) plus DATE_AHEAD_MAX_DAYS."""
    return (on or today()) + timedelta(days=settings.DATE_AHEAD_MAX_DAYS)


def birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # born on 29 February
        return birth.replace(year=birth.year + years, day=28) + timedelta(days=1)


def date_not_ahead(value: date, *, field: str, on: date | None = None) -> date:
    limit = latest_ahead(on)
    if value > limit:
        raise ValidationFailed.field(field, "too_far_ahead",
                                     _("At most %(days)d days ahead (not after %(limit)s).")
                                     % {"days": settings.DATE_AHEAD_MAX_DAYS, "limit": limit.isoformat()})
    return value


def date_not_future(value: date, *, field: str) -> date:
    if value > today():
        raise ValidationFailed.field(field, "future", _("The date cannot be in the future."))
    return value


def date_not_before(value: date, earliest: date, *, field: str, why: str) -> date:
    if value < earliest:
        raise ValidationFailed.field(field, "too_early", _("Not before %(earliest)s: %(why)s")
                                     % {"earliest": earliest.isoformat(), "why": why})
    return value


def date_not_before_establishment(value: date, established_on: date | None, *, field: str) -> date:
    """Not before the employer was established: an employment, a payment, a change of the employer's."""
    if established_on is not None:
        date_not_before(value, established_on, field=field, why=_("the employer was established on that day."))
    return value


def birth_date_check(value: date, *, field: str) -> date:
    date_not_before(value, EARLIEST_BIRTH, field=field, why=_("not a plausible date of birth."))
    if value > today():
        raise ValidationFailed.field(field, "future", _("A date of birth cannot be in the future."))
    return value


def employment_start_check(start: date, *, birth_date: date, field: str = "start_date") -> date:
    """Not before the person's 16th birthday, not more than DATE_AHEAD_MAX_DAYS ahead."""
    date_not_ahead(start, field=field)
    earliest = birthday(birth_date, MINIMUM_WORKING_AGE)
    if start < earliest:
        raise ValidationFailed.field(field, "under_working_age",
                                     _("Not before the person's 16th birthday (%(day)s).") % {"day": earliest.isoformat()})
    return start


def establishment_date_check(value: date, *, field: str) -> date:
    date_not_before(value, EARLIEST_ESTABLISHMENT, field=field,
                    why=_("no employer in the registry was established before 1949."))
    return date_not_future(value, field=field)


def month_next(period: date) -> date:
    """The first day of the month after `period`'s (contribution periods are calendar months)."""
    return date(period.year + (period.month == 12), period.month % 12 + 1, 1)


def month_parse(value: str, *, field: str) -> tuple[int, int]:
    """A YYYY-MM query value, from January 1949 to the month DATE_AHEAD_MAX_DAYS ahead."""
    match = _MONTH.fullmatch(value)
    if match is None:
        raise ValidationFailed.field(field, "invalid", _("Use YYYY-MM."))
    year, month = int(match[1]), int(match[2])
    limit = latest_ahead()
    if (year, month) < (EARLIEST_ESTABLISHMENT.year, 1) or (year, month) > (limit.year, limit.month):
        raise ValidationFailed.field(field, "out_of_range",
                                     _("Give a month from 1949-01 to %(limit)s.") % {"limit": limit.strftime("%Y-%m")})
    return year, month


def day_parse(value: str, *, field: str) -> date:
    """A YYYY-MM-DD query value in ASCII digits (not full-width or other scripts' digits)."""
    if _DAY.fullmatch(value or "") is None:
        raise ValidationFailed.field(field, "invalid", _("Use YYYY-MM-DD."))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.field(field, "invalid", _("Use YYYY-MM-DD.")) from None


def year_parse(value: str, *, field: str, earliest: int = 1949, latest: int = 2200) -> int:
    """A year as four ASCII digits, from `earliest` to `latest`."""
    if _YEAR.fullmatch(value or "") is None or not earliest <= int(value) <= latest:
        raise ValidationFailed.field(field, "invalid", _("Give a year as four digits, e.g. 2025."))
    return int(value)
