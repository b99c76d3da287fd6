"""Generating the month's notices and the alerts, set-based and resumable (issue 28 items 4 and 5).

`monthly_notices_generate_step` writes the notices of one range of NOTICE_GENERATE_PERSONS person ids
in one INSERT .. SELECT from the month's contribution lines (the period named, so PostgreSQL reads
one partition through the (person_id, period) index), and moves the month's `NoticeRun` past the
range in the same transaction. A run killed halfway resumes at the first range not done; a range
done twice writes nothing (one notice per person and month, ON CONFLICT DO NOTHING). The figures are
the month's lines net of corrections per employer (`month_on_the_roll`), summed over the person's
employers; `paid` is whether every positive charge behind the lines was settled (`charge_settled`)
when the notice was generated. The channel is the person's preference where the record holds the
address it needs, otherwise none (read online).

`alerts_generate_step` records the alerts (notices/alerts.py) of a range of persons: one row per
person, kind, month and employer, so an alert is recorded, and sent, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection
from django.utils import timezone

from common.access import Viewer
from common.services import SYSTEM, entry
from contributions.models import EMPLOYER_COLUMNS, INDIVIDUAL_COLUMNS
from contributions.sql import charge_settled, month_on_the_roll
from notices.alerts import RANGE_ALERTS_SQL, window_start
from notices.models import NoticeChannel, NoticeRun


def _channel_sql(preference: str, person: str) -> str:
    """The channel a notice goes by: the preference when the record holds its address, else none."""
    return (f"CASE WHEN {preference}.channel = '{NoticeChannel.EMAIL.value}' AND {person}.email <> '' "
            f"THEN '{NoticeChannel.EMAIL.value}' "
            f"WHEN {preference}.channel = '{NoticeChannel.SMS.value}' AND {person}.phone <> '' "
            f"THEN '{NoticeChannel.SMS.value}' ELSE '{NoticeChannel.NONE.value}' END")


_EMPLOYER_SUM = " + ".join(f"l.{c}" for c in EMPLOYER_COLUMNS)
_INDIVIDUAL_SUM = " + ".join(f"l.{c}" for c in INDIVIDUAL_COLUMNS)

GENERATE_SQL = f"""
WITH lr AS MATERIALIZED (
  SELECT * FROM contributions_contributionline l
   WHERE l.period = %(month)s::date AND l.person_id >= %(lo)s AND l.person_id < %(hi)s
), ch AS MATERIALIZED (
  SELECT c.id, (c.amount < 0 OR {charge_settled('c.id')}) AS settled
    FROM contributions_charge c WHERE c.id IN (SELECT DISTINCT charge_id FROM lr)
), m AS (
  SELECT l.person_id, l.employer_id, sum(l.base) AS base, sum({_EMPLOYER_SUM}) AS employer_total,
         sum({_INDIVIDUAL_SUM}) AS individual_total, bool_and(COALESCE(ch.settled, true)) AS paid
    FROM lr l LEFT JOIN ch ON ch.id = l.charge_id
   GROUP BY l.person_id, l.employer_id
  HAVING {month_on_the_roll('l')}
)
INSERT INTO notices_monthlynotice (person_id, month, region_id, employers, base, employer_total, individual_total,
                                   paid, channel, created_at, error)
SELECT m.person_id, %(month)s::date, p.region_id, count(*), sum(m.base), sum(m.employer_total),
       sum(m.individual_total), bool_and(m.paid), {_channel_sql('np', 'p')}, %(now)s, ''
  FROM m
  JOIN insured_insuredperson p ON p.id = m.person_id
  LEFT JOIN notices_noticepreference np ON np.person_id = m.person_id
 GROUP BY m.person_id, p.region_id, np.channel, p.email, p.phone
ON CONFLICT (person_id, month) DO NOTHING
"""

ALERTS_INSERT_SQL = f"""
WITH a AS ({RANGE_ALERTS_SQL})
INSERT INTO notices_alert (person_id, kind, month, employer_id, region_id, channel, created_at, error)
SELECT a.person_id, a.kind, a.month, a.employer_id, p.region_id, {_channel_sql('np', 'p')}, %(now)s, ''
  FROM a
  JOIN insured_insuredperson p ON p.id = a.person_id
  LEFT JOIN notices_noticepreference np ON np.person_id = a.person_id
ON CONFLICT (person_id, kind, month, employer_id) DO NOTHING
"""


@dataclass
class GenerationStep:
    written: int
    done: bool
    next_person_id: int


def _last_person_id(cursor) -> int:
    cursor.execute("SELECT COALESCE(max(id), 0) FROM insured_insuredperson")
    return cursor.fetchone()[0]


def monthly_notices_generate_step(*, month: date, actor: Viewer, persons: int | None = None) -> GenerationStep:
    """Generate the notices of the next range of persons of `month` (one transaction)."""
    month = month.replace(day=1)
    persons = persons or settings.NOTICE_GENERATE_PERSONS
    NoticeRun.objects.get_or_create(month=month)
    run = NoticeRun.objects.select_for_update().get(month=month)
    if run.finished_at is not None:
        return GenerationStep(0, True, run.next_person_id)
    lo, hi = run.next_person_id, run.next_person_id + persons
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(GENERATE_SQL, {"month": month, "lo": lo, "hi": hi, "now": timezone.now()})
        written = cursor.rowcount
        done = hi > _last_person_id(cursor)
    run.next_person_id = hi
    run.generated += written
    fields = ["next_person_id", "generated"]
    if done:
        run.finished_at = timezone.now()
        fields.append("finished_at")
    run.save(update_fields=fields)
    return GenerationStep(written, done, hi)


monthly_notices_generate_step = entry(monthly_notices_generate_step, callers=SYSTEM)


def alerts_generate_step(*, today: date, lo: int, hi: int, actor: Viewer) -> int:
    """Record the alerts of the persons with ids in [lo, hi) as of `today` (one transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(ALERTS_INSERT_SQL, {"today": today, "since": window_start(today), "lo": lo, "hi": hi,
                                           "now": timezone.now()})
        return cursor.rowcount


alerts_generate_step = entry(alerts_generate_step, callers=SYSTEM)
