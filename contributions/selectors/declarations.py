"""Reads of declarations and the roll check, scoped by `common.access.scope` like every read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import QuerySet

from agency.deadlines import today_in_shanghai
from common.access import Viewer, scope
from common.dates import month_next
from contributions.models import Charge, Declaration
from contributions.sql import determined_month_counts
from employers.models import Employer


def declarations_visible(viewer: Viewer) -> QuerySet[Declaration]:
    return scope(Declaration.objects.select_related("employer", "actor_user"), viewer)


def declaration_charges(declaration: Declaration) -> list[Charge]:
    return list(Charge.objects.filter(declaration=declaration).order_by("id"))


@dataclass(frozen=True)
class RollGap:
    employer_id: int
    employer_name: str
    person_id: int
    person_name: str
    document_number: str
    period: date


# Person-months on an employer's roll (same ownership rule as the declaration service: an
# employment covering a day of the month, unless another employer's employment that started
# earlier covers it too) from the later of the employment's start and `since` to the earlier of
# its end and `until`, whose lines sum to no base and which have no confirmed determined month.
_GAPS_SQL = f"""
WITH months AS MATERIALIZED (
  SELECT e.employer_id, e.person_id, m::date AS period
    FROM insured_employment e
    JOIN employers_employer er ON er.id = e.employer_id
   CROSS JOIN LATERAL generate_series(
          GREATEST(date_trunc('month', e.start_date)::date, date_trunc('month', er.established_on)::date,
                   %(since)s::date)::timestamp,
          LEAST(date_trunc('month', COALESCE(e.end_date, %(until)s::date))::date, %(until)s::date)::timestamp,
          interval '1 month') AS m
   WHERE e.employer_id = ANY(%(employers)s)
     AND NOT EXISTS (SELECT 1 FROM insured_employment o
                      WHERE o.person_id = e.person_id AND o.employer_id <> e.employer_id
                        AND o.start_date < e.start_date AND o.start_date < (m + interval '1 month')::date
                        AND (o.end_date IS NULL OR o.end_date >= m::date))
)
SELECT DISTINCT x.employer_id, er.name, x.person_id, p.name, p.document_number, x.period
  FROM months x
  JOIN employers_employer er ON er.id = x.employer_id
  JOIN insured_insuredperson p ON p.id = x.person_id
 WHERE COALESCE((SELECT sum(l.base) FROM contributions_contributionline l
                  WHERE l.person_id = x.person_id AND l.period = x.period AND l.employer_id = x.employer_id), 0) = 0
   AND NOT EXISTS (SELECT 1 FROM contributions_determinedmonth dm
                     JOIN contributions_determination d ON d.id = dm.determination_id
                    WHERE d.person_id = x.person_id AND d.employer_id = x.employer_id
                      AND dm.period = x.period AND {determined_month_counts()})
 ORDER BY x.employer_id, x.period, x.person_id
 LIMIT %(limit)s
"""


def last_past_month(today: date | None = None) -> date:
    today = today or today_in_shanghai()
    first = today.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def roll_gaps(viewer: Viewer, *, employer_id: int | None = None, until: date | None = None,
              since: date | None = None, limit: int = 1000) -> list[RollGap]:
    """Person-months on the roll of an employer the viewer may see, for past months (up to
    `until`, default the last past month; from `since`, default the employer's establishment),
    with no contribution line and no confirmed determined month. A clerk's roll check."""
    until = (until or last_past_month()).replace(day=1)
    since = (since or date(1990, 1, 1)).replace(day=1)
    employers = scope(Employer.objects.all(), viewer)
    if employer_id is not None:
        employers = employers.filter(pk=employer_id)
    ids = list(employers.values_list("id", flat=True))
    if not ids or since > until:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_GAPS_SQL, {"employers": ids, "since": since, "until": until, "limit": limit})
        return [RollGap(*row) for row in cursor.fetchall()]


# Persons on the employer's roll in the month [%(first)s, %(last)s]: employment covering a day of
# it, not owned by another employer's employment that started earlier and covers the month too,
# and not a confirmed determined month. With the employment's recording time (item 2).
_ROLL_SQL = f"""
SELECT DISTINCT ON (e.person_id) e.person_id, p.document_number, e.created_at
  FROM insured_employment e
  JOIN insured_insuredperson p ON p.id = e.person_id
 WHERE e.employer_id = %(employer)s AND e.start_date <= %(last)s
   AND (e.end_date IS NULL OR e.end_date >= %(first)s)
   AND NOT EXISTS (SELECT 1 FROM insured_employment o
                    WHERE o.person_id = e.person_id AND o.employer_id <> e.employer_id
                      AND o.start_date < e.start_date AND o.start_date <= %(last)s
                      AND (o.end_date IS NULL OR o.end_date >= %(first)s))
   AND NOT EXISTS (SELECT 1 FROM contributions_determinedmonth dm
                     JOIN contributions_determination d ON d.id = dm.determination_id
                    WHERE d.person_id = e.person_id AND d.employer_id = e.employer_id
                      AND dm.period = %(first)s AND {determined_month_counts()})
 ORDER BY e.person_id, e.start_date
"""


def _month_last_day(period: date) -> date:
    return month_next(period) - timedelta(days=1)


def roll_of_month(employer_id: int, period: date) -> dict[str, tuple[int, datetime]]:
    """{document number: (person id, when the owning employment was recorded)}: the roll the
    declaration service checks a filing against. Not scoped: its callers (the service, the demo)
    have checked the employer."""
    with connection.cursor() as cursor:
        cursor.execute(_ROLL_SQL, {"employer": employer_id, "first": period, "last": _month_last_day(period)})
        return {number: (person_id, created_at) for person_id, number, created_at in cursor.fetchall()}
