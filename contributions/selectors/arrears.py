"""Arrears and late fees as they stand on a day (issue 11, item 6), computed when read.

For each principal charge (declared, provisional, determined) on day `on`:
  paid      = its allocations counting as paid on or before `on`
  principal = amount - paid (what is still unpaid that day)
  late_fee  = fees.late_fee(parts paid with their days, principal unpaid counted to `on`)
              less what was paid of its late-fee charge by `on`
  days      = days late of the unpaid principal on `on` (0 when nothing is unpaid)
A day in the future assumes no further payment: it answers what the employer owes if it pays then.
When a principal is settled, its late fee was posted as a charge by the same rule (payments.py),
so the figure read on any day equals the rule.

One SQL statement reads an employer's charges with the sums of their allocations; the per-charge
arithmetic is the same as fees.late_fee, in SQL for the clerks' list of employers in arrears.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext_lazy as _

from common.hot_paths import fetch_prepared
from contributions.fees import fen, late_days
from contributions.models import ChargeKind
from contributions.terms import terms_for
from employers.hooks import CancellationBlocker

ZERO = Decimal("0.00")

# The employer's allocations are aggregated once per charge (and per credit) through their
# employer index, instead of two correlated subqueries per charge: 10 years of monthly charges are
# about 240 charges and 500 allocations (bench/arrears_bench.py).
_CHARGES_SQL = """
WITH paid AS (
  SELECT x.charge_id, sum(x.amount) AS paid,
         sum(x.amount * GREATEST(x.effective_on - c.fee_from, 0)) AS paid_days
    FROM contributions_allocation x
    JOIN contributions_charge c ON c.id = x.charge_id AND c.employer_id = %(employer)s
   WHERE x.employer_id = %(employer)s AND x.effective_on <= %(on)s
   GROUP BY x.charge_id
), used AS (
  SELECT u.credit_id, sum(u.amount) AS used
    FROM contributions_allocation u
   WHERE u.employer_id = %(employer)s AND u.credit_id IS NOT NULL
   GROUP BY u.credit_id
)
SELECT c.id, c.kind, c.period, c.due_on, c.fee_from, c.amount, c.parent_id,
       COALESCE(a.paid, 0), COALESCE(a.paid_days, 0), COALESCE(u.used, 0)
  FROM contributions_charge c
  LEFT JOIN paid a ON a.charge_id = c.id
  LEFT JOIN used u ON u.credit_id = c.id
 WHERE c.employer_id = %(employer)s
 ORDER BY c.period, c.id
"""

# A payment the collector reversed (issue 22) is no credit: its allocations are released and its
# amount is out, so it counts neither way.
_PAYMENTS_LEFT_SQL = """
SELECT COALESCE(sum(p.amount) FILTER (WHERE r.id IS NULL), 0)
       - COALESCE((SELECT sum(a.amount) FROM contributions_allocation a
                    WHERE a.employer_id = %(employer)s AND a.payment_id IS NOT NULL), 0)
  FROM contributions_payment p LEFT JOIN contributions_paymentreversal r ON r.payment_id = p.id
 WHERE p.employer_id = %(employer)s
"""


@dataclass
class PeriodArrears:
    period: date
    due_on: date
    principal: Decimal = ZERO
    days: int = 0
    late_fee: Decimal = ZERO
    provisional: bool = False

    @property
    def total(self) -> Decimal:
        return self.principal + self.late_fee


@dataclass
class Arrears:
    employer_id: int
    on: date
    periods: list[PeriodArrears] = field(default_factory=list)
    credit: Decimal = ZERO  # money and credits not yet used by any charge

    @property
    def principal(self) -> Decimal:
        return sum((p.principal for p in self.periods), ZERO)

    @property
    def late_fee(self) -> Decimal:
        return sum((p.late_fee for p in self.periods), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.late_fee


def employer_arrears(*, employer_id: int, region_id: int, on: date) -> Arrears:
    """What the employer owes on `on`, per period (only periods with something unpaid)."""
    rate = terms_for(region_id).late_fee_daily_rate
    periods: OrderedDict[date, PeriodArrears] = OrderedDict()
    fee_paid: dict[int, Decimal] = {}
    principal_rows = []
    credit = ZERO
    # Prepared statements (planned once per connection): a portal reads its arrears often.
    for cid, kind, period, due_on, fee_from, amount, parent_id, paid, paid_days, used in fetch_prepared(
            connection.alias, _CHARGES_SQL, {"on": on, "employer": employer_id}):
        if amount < 0:
            credit += -amount - used
        elif kind == ChargeKind.LATE_FEE:
            fee_paid[parent_id] = fee_paid.get(parent_id, ZERO) + paid
        else:
            principal_rows.append((cid, kind, period, due_on, fee_from, amount, paid, paid_days))
    credit += fetch_prepared(connection.alias, _PAYMENTS_LEFT_SQL, {"employer": employer_id})[0][0]
    for cid, kind, period, due_on, fee_from, amount, paid, paid_days in principal_rows:
        unpaid = amount - paid
        days = late_days(fee_from, on) if unpaid > 0 else 0
        fee = ZERO
        if fee_from is not None:
            fee = fen((paid_days + max(unpaid, ZERO) * late_days(fee_from, on)) * rate)
        fee_due = fee - fee_paid.get(cid, ZERO)
        if unpaid <= 0 and fee_due <= 0:
            continue
        row = periods.setdefault(period, PeriodArrears(period=period, due_on=due_on))
        row.principal += max(unpaid, ZERO)
        row.late_fee += max(fee_due, ZERO)
        row.days = max(row.days, days)
        row.due_on = min(row.due_on, due_on)
        row.provisional = row.provisional or (kind == ChargeKind.PROVISIONAL and unpaid > 0)
    return Arrears(employer_id=employer_id, on=on, periods=list(periods.values()), credit=credit)


# The clerks' list: every employer of a region with its arrears on a day, largest first.
_REGION_SQL = """
WITH charge_state AS (
  SELECT c.employer_id, c.id, c.kind, c.amount, c.fee_from, c.parent_id, c.due_on,
         COALESCE(a.paid, 0) AS paid, COALESCE(a.paid_days, 0) AS paid_days
    FROM contributions_charge c
    JOIN employers_employer e ON e.id = c.employer_id
    LEFT JOIN LATERAL (
          SELECT sum(x.amount) AS paid,
                 sum(x.amount * GREATEST(x.effective_on - c.fee_from, 0)) AS paid_days
            FROM contributions_allocation x WHERE x.charge_id = c.id AND x.effective_on <= %(on)s) a ON true
   WHERE c.amount > 0 AND (%(region)s::bigint IS NULL OR e.region_id = %(region)s)
), fee_paid AS (
  SELECT parent_id, sum(paid) AS paid FROM charge_state WHERE kind = 'late_fee' GROUP BY parent_id
), per_charge AS (
  SELECT s.employer_id, s.amount - s.paid AS unpaid, s.due_on,
         CASE WHEN s.fee_from IS NULL THEN 0
              ELSE round((s.paid_days + GREATEST(s.amount - s.paid, 0) * GREATEST(%(on)s::date - s.fee_from, 0))
                         * %(rate)s, 2) END - COALESCE(f.paid, 0) AS fee_due
    FROM charge_state s LEFT JOIN fee_paid f ON f.parent_id = s.id
   WHERE s.kind <> 'late_fee'
)
SELECT employer_id, sum(GREATEST(unpaid, 0)) AS principal, sum(GREATEST(fee_due, 0)) AS late_fee,
       min(due_on) FILTER (WHERE unpaid > 0) AS oldest_due
  FROM per_charge
 WHERE unpaid > 0 OR fee_due > 0
 GROUP BY employer_id
HAVING sum(GREATEST(unpaid, 0)) FILTER (WHERE due_on < %(on)s) > 0 OR sum(GREATEST(fee_due, 0)) > 0
 ORDER BY sum(GREATEST(unpaid, 0)) + sum(GREATEST(fee_due, 0)) DESC, employer_id
"""


def employers_in_arrears(*, region_id: int | None, on: date) -> list[dict]:
    """[{employer_id, principal, late_fee, total, oldest_due}] with overdue principal or unpaid fees,
    largest total first. `region_id` None: every region (system viewers)."""
    rate = terms_for(region_id).late_fee_daily_rate if region_id else Decimal("0.0005")
    with connection.cursor() as cursor:
        cursor.execute(_REGION_SQL, {"on": on, "region": region_id, "rate": rate})
        return [{"employer_id": e, "principal": p, "late_fee": f, "total": p + f, "oldest_due": d}
                for e, p, f, d in cursor.fetchall()]


def employer_open_charges_count(employer_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM contributions_charge c
             WHERE c.employer_id = %s AND c.amount > 0
               AND c.amount > COALESCE((SELECT sum(a.amount) FROM contributions_allocation a
                                         WHERE a.charge_id = c.id), 0)""", [employer_id])
        return cursor.fetchone()[0]


def employer_unsettled_blocker(employer_id: int) -> CancellationBlocker | None:
    """Registered with employers.hooks (item 8): an employer with unpaid charges or late fees
    (a principal unpaid still accrues its fee) cannot be cancelled."""
    count = employer_open_charges_count(employer_id)
    if not count:
        return None
    return CancellationBlocker(
        code="unpaid_charges", count=count, label=_("unpaid charges and late fees (must be 0 to approve)"),
        message=_("The employer still has %(count)d unpaid charge(s) or late fee(s); they must be settled "
                  "before the registration can be cancelled.") % {"count": count})
