"""Which of a person's months are not in order (issue 28 item 5), as one SQL statement.

Three alerts, each composed from the rules contributions/sql.py owns (never written again here):

- **undeclared**: the person was on an employer's staff for some day of the month (an employment
  from its start to its last working day), the month's declaration day (`day_in_month`, the
  region's day) is past, and the employer has filed no declaration for the month;
- **provisional**: the same, and the employer is charged for the month provisionally (Art. 62) by
  a charge that no late declaration reversed: this alert replaces "undeclared";
- **unpaid**: a charge behind the person's lines of the month is positive, past its due day and
  not settled (`charge_settled`).

A month in order (declared and every charge settled, or not yet due) raises nothing. The window is
the NOTICE_ALERT_MONTHS months up to today. The statement reads a person (the API and the page) or a
range of person ids (the daily job that records and sends them).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from contributions.models import ChargeKind, DeclarationKind
from contributions.sql import charge_settled, day_in_month
from contributions.terms import Terms
from notices.models import AlertKind

_DEFAULTS = Terms()


def window_start(today: date) -> date:
    """The first month the alerts look at."""
    months = max(1, settings.NOTICE_ALERT_MONTHS)
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def alerts_sql(*, employments_where: str, lines_where: str) -> str:
    """The alerts as rows (person_id, kind, month, employer_id); parameters %(since)s, %(today)s and
    those of the two conditions (on employments `e` and on contribution lines `l`)."""
    return f"""
WITH staff AS MATERIALIZED (
  SELECT DISTINCT e.person_id, e.employer_id, mo.month,
         COALESCE(s.declaration_day, {_DEFAULTS.declaration_day}) AS dday
    FROM insured_employment e
    JOIN employers_employer er ON er.id = e.employer_id
    LEFT JOIN contributions_regioncontributionsettings s ON s.region_id = er.region_id
    CROSS JOIN LATERAL (SELECT m::date AS month
                          FROM generate_series(GREATEST(%(since)s::date, date_trunc('month', e.start_date)::date),
                                               LEAST(%(today)s::date, COALESCE(e.end_date, %(today)s::date)),
                                               interval '1 month') AS m) mo
   WHERE {employments_where}
), missing AS (
  SELECT st.person_id, st.employer_id, st.month,
         CASE WHEN EXISTS (SELECT 1 FROM contributions_charge pc
                            WHERE pc.employer_id = st.employer_id AND pc.period = st.month
                              AND pc.kind = '{ChargeKind.PROVISIONAL.value}'
                              AND NOT EXISTS (SELECT 1 FROM contributions_charge rv
                                               WHERE rv.parent_id = pc.id
                                                 AND rv.kind = '{ChargeKind.PROVISIONAL_REVERSAL.value}'))
              THEN '{AlertKind.PROVISIONAL.value}' ELSE '{AlertKind.UNDECLARED.value}' END AS kind
    FROM staff st
   WHERE {day_in_month('st.month', 'st.dday')} < %(today)s::date
     AND NOT EXISTS (SELECT 1 FROM contributions_declaration d
                      WHERE d.employer_id = st.employer_id AND d.period = st.month
                        AND d.kind = '{DeclarationKind.DECLARED.value}')
), unpaid AS (
  SELECT DISTINCT l.person_id, l.employer_id, l.period AS month, '{AlertKind.UNPAID.value}' AS kind
    FROM contributions_contributionline l
    JOIN contributions_charge c ON c.id = l.charge_id
   WHERE l.period >= %(since)s::date AND l.period <= %(today)s::date AND {lines_where}
     AND c.amount > 0 AND c.due_on < %(today)s::date
     AND NOT {charge_settled('c.id')}
)
SELECT person_id, kind, month, employer_id FROM missing
UNION ALL
SELECT person_id, kind, month, employer_id FROM unpaid
"""


PERSON_ALERTS_SQL = alerts_sql(employments_where="e.person_id = %(person)s", lines_where="l.person_id = %(person)s")
RANGE_ALERTS_SQL = alerts_sql(employments_where="e.person_id >= %(lo)s AND e.person_id < %(hi)s",
                              lines_where="l.person_id >= %(lo)s AND l.person_id < %(hi)s")
