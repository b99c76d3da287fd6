"""Art. 62: an employer that has not declared a month by its declaration day owes, provisionally,
110% of its previous month; the late declaration replaces the provisional charge.

`provisional_assess_run` (the daily Celery beat job, contributions.tasks) is one set-based
INSERT .. SELECT per batch of employers (by id range), each batch its own transaction. The
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

`provisional_replace(declaration=...)`: called by the declaration service in the transaction
that records a declaration, after its charges are written. A provisional charge of the period is
cancelled by a reversal (a negative charge, allocated to it); money that had been allocated to it
or to its late fee is given back (negative allocations that keep their day) and, like the rest,
goes to the oldest open charges: the declared amount stands, and its late fee runs from the
original due day (the declared charge's `fee_from`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction

from agency.deadlines import today_in_shanghai
from common.access import Viewer
from contributions.events import EventKind, event_record
from contributions.models import Allocation, Charge, ChargeKind
from contributions.services.payments import charges_settle, employer_lock

log = logging.getLogger(__name__)

ACTOR = "system:art62"
BATCH_EMPLOYERS = 10_000


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


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
)
INSERT INTO contributions_contributionevent (kind, employer_id, period, recorded_at, actor, details)
SELECT 'provisional_assessed', c.employer_id, c.period, now(), %(actor)s,
       jsonb_build_object('charge', c.id, 'amount', c.amount::text, 'due_on', c.due_on)
  FROM charged c
RETURNING employer_id
"""


ASSESS_SQL = {False: _assess_sql(False), True: _assess_sql(True)}

# Employers among those just assessed that hold unused money or credits: their new charges are
# paid from it at once (charges_settle); all others have nothing to allocate.
WITH_CREDIT_SQL = """
SELECT DISTINCT e FROM unnest(%(ids)s::bigint[]) AS e
 WHERE EXISTS (SELECT 1 FROM contributions_payment p WHERE p.employer_id = e
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


def provisional_assess_run(*, today: date | None = None, batch_employers: int = BATCH_EMPLOYERS,
                           lookback_months: int | None = None, full: bool = False) -> AssessmentCounts:
    today = today or today_in_shanghai()
    months = lookback_months if lookback_months is not None else settings.ASSESSMENT_LOOKBACK_MONTHS
    since = _months_back(today, months)
    counts = AssessmentCounts()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(min(id), 0), COALESCE(max(id), 0) FROM employers_employer")
        low, high = cursor.fetchone()
    for lo in range(low, high + 1, batch_employers):
        provisional_assess_batch(today=today, since=since, lo=lo, hi=lo + batch_employers, counts=counts, full=full)
    log.info("Art. 62 assessment %s: %s", today, counts.as_dict())
    return counts


@transaction.atomic
def provisional_assess_batch(*, today: date, since: date, lo: int, hi: int, counts: AssessmentCounts,
                             full: bool = False) -> None:
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


def provisional_replace(*, declaration, actor: Viewer | None = None) -> Charge | None:
    """The employer declared a month that was assessed provisionally: reverse the provisional charge
    (and its late fee, if one was posted), give back the money allocated to them, and allocate
    again. Call inside the declaration's transaction, after its charges are written. Returns the
    reversal, or None when the month had no live provisional charge (then it only allocates credit)."""
    label = actor.label() if actor is not None else "system"
    employer_lock(declaration.employer_id)
    provisional = (Charge.objects.filter(employer_id=declaration.employer_id, period=declaration.period,
                                         kind=ChargeKind.PROVISIONAL)
                   .exclude(children__kind=ChargeKind.PROVISIONAL_REVERSAL).first())
    reversal = None
    if provisional is not None:
        event_record(kind=EventKind.PROVISIONAL_REPLACED, employer_id=declaration.employer_id,
                     actor=actor or Viewer.system(), period=declaration.period, declaration=declaration,
                     details={"provisional": provisional.pk, "amount": str(provisional.amount)})
        fee = Charge.objects.filter(parent=provisional, kind=ChargeKind.LATE_FEE).first()
        for charge in ([fee] if fee is not None else []) + [provisional]:
            _give_back(charge, label)
            reversal = Charge.objects.create(
                employer_id=charge.employer_id, period=charge.period, kind=ChargeKind.PROVISIONAL_REVERSAL,
                parent=charge, amount=-charge.amount, due_on=charge.due_on, fee_from=None, actor=label)
            Allocation.objects.create(employer_id=charge.employer_id, charge=charge, credit=reversal,
                                      amount=charge.amount, effective_on=charge.fee_from or charge.due_on,
                                      settles_charge=True, actor=label)
    charges_settle(employer_id=declaration.employer_id, actor=label)
    return reversal


def _give_back(charge: Charge, actor: str) -> None:
    """Negative allocations undoing every live allocation to `charge`, each with the day of the one it undoes."""
    live = Allocation.objects.filter(charge=charge, amount__gt=0, released_by__isnull=True)
    Allocation.objects.bulk_create([
        Allocation(employer_id=a.employer_id, charge_id=a.charge_id, payment_id=a.payment_id, credit_id=a.credit_id,
                   amount=-a.amount, effective_on=a.effective_on, releases=a, actor=actor)
        for a in live])
