"""Art. 62: an employer that has not declared a month by its declaration day owes, provisionally,
110% of its previous month; the late declaration replaces the provisional charge.

`provisional_assess_run` (contributions.tasks, the daily Celery beat job's conductor) calls the
entry point `provisional_assess_batch` once per batch of employers (by id range): one set-based
INSERT .. SELECT, each batch its own transaction. The
database knows what is done: a partial unique index allows one provisional charge per employer
and period (`charge_one_provisional_per_period`, migration 0002) and the INSERT skips what
exists (ON CONFLICT DO NOTHING), so a run that was killed resumes where it stopped and a second
run the same day writes nothing.

Which months: the months in the look-back window (ASSESSMENT_LOOKBACK_MONTHS, default 12) after
the employer's latest declared month whose declaration day (region setting) is past, with no
declaration and no provisional charge. Run daily, that is every month an employer fails to
declare, at the cost of one index probe per employer (bench/assessment_bench.py). A month left
undeclared before a later declared one can only arise if the job did not run for a while; a
`full` run (`provisional_assess_run(full=True)`, e.g. after an outage) looks at every month of
the window after the employer's first declared month. "The previous month's total" is the net declared (and
determined) total of the latest month before it that the employer declared: a run of undeclared
months is each assessed on the last declared month, so the 110% does not compound.

A late declaration replaces the provisional charge (`contributions.allocation.provisional_replace`,
called by the declaration service in the transaction that records it): the provisional charge is
reversed, the money allocated to it given back and allocated again, so the declared amount stands
and its late fee runs from the original due day (the declared charge's `fee_from`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.db import connection

from common.access import Viewer
from common.services import SYSTEM, entry
from contributions import events
from contributions.allocation import charges_settle, employer_lock

ACTOR = "system:art62"
BATCH_EMPLOYERS = 10_000


def _assess_sql(full: bool) -> str:
    """The batch statement. Daily: the months after the employer's latest declared month (none of
    them can have a declaration, and the latest declared month is the base). Full: every month of
    the window after the first declared one, each checked for a declaration, the base looked up."""
    start = "emp.first_declared" if full else "emp.last_declared"
    first = ("(SELECT d.period FROM contributions_declaration d WHERE d.employer_id = e.id AND d.kind = 'declared' "
             "ORDER BY d.period LIMIT 1)") if full else "NULL::date"
    declared_check = """
     AND NOT EXISTS (SELECT 1 FROM contributions_declaration d
                      WHERE d.employer_id = emp.employer_id AND d.period = m::date AND d.kind = 'declared')""" \
        if full else ""
    base_period = """(SELECT max(d.period) FROM contributions_declaration d
                      WHERE d.employer_id = c.employer_id AND d.kind = 'declared' AND d.period < c.period)""" \
        if full else "c.last_declared"
    return f"""
WITH emp AS MATERIALIZED (
  SELECT e.id AS employer_id,
         COALESCE(s.declaration_day, 10) AS dday, COALESCE(s.payment_day, 15) AS pday,
         (SELECT d.period FROM contributions_declaration d
           WHERE d.employer_id = e.id AND d.kind = 'declared' ORDER BY d.period DESC LIMIT 1) AS last_declared,
         {first} AS first_declared
    FROM employers_employer e
    LEFT JOIN contributions_regioncontributionsettings s ON s.region_id = e.region_id
   WHERE e.registration_status = 'registered' AND e.id >= %(lo)s AND e.id < %(hi)s
), candidate AS MATERIALIZED (
  SELECT emp.employer_id, m::date AS period, emp.pday, emp.last_declared
    FROM emp
   CROSS JOIN LATERAL generate_series(GREATEST(%(since)s::date, ({start} + interval '1 month')::date),
                                      %(today)s::date, interval '1 month') AS m
   WHERE emp.last_declared IS NOT NULL
     AND m::date + LEAST(emp.dday, date_part('day', m + interval '1 month - 1 day')::int) - 1 < %(today)s::date
     {declared_check}
), open_candidate AS MATERIALIZED (
  SELECT c.* FROM candidate c
   WHERE NOT EXISTS (SELECT 1 FROM contributions_charge p
                      WHERE p.employer_id = c.employer_id AND p.period = c.period AND p.kind = 'provisional')
), based AS MATERIALIZED (
  SELECT c.employer_id, c.period, c.pday,
         (SELECT sum(x.amount) FROM contributions_charge x
           WHERE x.employer_id = c.employer_id AND x.kind IN ('declared', 'determined')
             AND x.period = {base_period}) AS previous_total
    FROM open_candidate c
), charged AS (
  INSERT INTO contributions_charge (employer_id, period, kind, amount, due_on, fee_from, created_at, actor)
  SELECT b.employer_id, b.period, 'provisional', round(b.previous_total * 1.10, 2),
         b.period + LEAST(b.pday, date_part('day', b.period + interval '1 month - 1 day')::int) - 1,
         b.period + LEAST(b.pday, date_part('day', b.period + interval '1 month - 1 day')::int) - 1,
         now(), %(actor)s
    FROM based b
   WHERE b.previous_total > 0
  ON CONFLICT (employer_id, period) WHERE kind = 'provisional' DO NOTHING
  RETURNING id, employer_id, period, amount, due_on
)""" + events.provisional_assessed_sql("charged")


ASSESS_SQL = {False: _assess_sql(False), True: _assess_sql(True)}

# Employers among those just assessed that hold unused money or credits: their new charges are
# paid from it at once (charges_settle); all others have nothing to allocate.
WITH_CREDIT_SQL = """
SELECT DISTINCT e FROM unnest(%(ids)s::bigint[]) AS e
 WHERE EXISTS (SELECT 1 FROM contributions_payment p WHERE p.employer_id = e
                 AND NOT EXISTS (SELECT 1 FROM contributions_paymentreversal r WHERE r.payment_id = p.id)
                 AND p.amount > COALESCE((SELECT sum(a.amount) FROM contributions_allocation a
                                           WHERE a.payment_id = p.id), 0))
    OR EXISTS (SELECT 1 FROM contributions_charge c WHERE c.employer_id = e AND c.amount < 0
                 AND -c.amount > COALESCE((SELECT sum(a.amount) FROM contributions_allocation a
                                            WHERE a.credit_id = c.id), 0))
"""


@dataclass
class AssessmentCounts:
    assessed: int = 0  # provisional charges written by this run
    settled_from_credit: int = 0  # employers whose new charges were paid from credit at once
    batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def provisional_assess_batch(*, today: date, since: date, lo: int, hi: int, counts: AssessmentCounts,
                             actor: Viewer, full: bool = False) -> None:
    """Assess the employers with ids in [lo, hi) (one transaction; see the module docstring)."""
    with connection.cursor() as cursor:
        # The estimates of the generated months are far off; JIT compiling would cost more than the run.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(ASSESS_SQL[full], {"today": today, "since": since, "lo": lo, "hi": hi, "actor": ACTOR})
        employer_ids = [row[0] for row in cursor.fetchall()]
        counts.batches += 1
        counts.assessed += len(employer_ids)
        if not employer_ids:
            return
        cursor.execute(WITH_CREDIT_SQL, {"ids": employer_ids})
        with_credit = sorted(row[0] for row in cursor.fetchall())
    for employer_id in with_credit:
        employer_lock(employer_id)
        charges_settle(employer_id=employer_id, actor=ACTOR)
    counts.settled_from_credit += len(with_credit)


provisional_assess_batch = entry(provisional_assess_batch, callers=SYSTEM)
