"""What a transfer moves, computed from the ledger (No. 66, Art. 4), never typed.

- The individual account: its whole balance, after interest up to the transfer month
  (`accounts.services.interest.account_interest_until`).
- The pooled fund: 12% of the person's actual contribution base of every paid month since
  1998-01-01 in the old region, whole years and remaining months alike, per month. A month is
  paid when the account's credits for it net above zero (credits are posted when the money settles
  the charge, accounts/services/credits.py); its base is the net of the person's contribution lines
  of that month with the region's employers (corrections are lines of differences).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

POOLED_PERCENT = Decimal("12")
POOLED_SINCE = date(1998, 1, 1)
FEN = Decimal("0.01")

# One person, one region: the paid months with their bases, per year.
_MONTHS_SQL = """
SELECT extract(year FROM m.period)::int AS year, count(*) AS months, sum(m.base) AS bases,
       count(*) FILTER (WHERE m.period >= %(since)s) AS pooled_months,
       coalesce(sum(m.base) FILTER (WHERE m.period >= %(since)s), 0) AS pooled_bases
FROM (
    SELECT l.period, sum(l.base) AS base
    FROM contributions_contributionline l
    JOIN employers_employer e ON e.id = l.employer_id
    WHERE l.person_id = %(person)s AND e.region_id = %(region)s AND l.period <= %(until)s
    GROUP BY l.period
    HAVING sum(l.base) > 0
) m
WHERE m.period IN (SELECT a.contribution_month FROM accounts_accountentry a
                   JOIN accounts_pensionaccount p ON p.id = a.account_id
                   WHERE p.person_id = %(person)s AND a.contribution_month IS NOT NULL
                   GROUP BY a.contribution_month HAVING sum(a.amount) > 0)
GROUP BY 1 ORDER BY 1
"""

# The benchmark's baseline (bench/transfer_bench.py): the same sums for many persons in one statement.
POOLED_AGGREGATE_SQL = """
SELECT m.person_id, count(*), round(sum(m.base) * 12 / 100, 2)
FROM (
    SELECT l.person_id, l.period, sum(l.base) AS base
    FROM contributions_contributionline l
    JOIN employers_employer e ON e.id = l.employer_id
    WHERE e.region_id = %(region)s AND l.period >= %(since)s AND l.person_id = ANY(%(persons)s)
    GROUP BY l.person_id, l.period
    HAVING sum(l.base) > 0
) m
JOIN (SELECT p.person_id, a.contribution_month
      FROM accounts_accountentry a JOIN accounts_pensionaccount p ON p.id = a.account_id
      WHERE p.person_id = ANY(%(persons)s) AND a.contribution_month IS NOT NULL
      GROUP BY p.person_id, a.contribution_month HAVING sum(a.amount) > 0) c
  ON c.person_id = m.person_id AND c.contribution_month = m.period
GROUP BY m.person_id
"""


@dataclass
class RegionMonths:
    months: int = 0
    bases: Decimal = Decimal("0.00")
    pooled_months: int = 0
    pooled_bases: Decimal = Decimal("0.00")
    years: list[dict] = field(default_factory=list)

    @property
    def pooled_amount(self) -> Decimal:
        return (self.pooled_bases * POOLED_PERCENT / 100).quantize(FEN, rounding=ROUND_HALF_UP)


def region_months(*, person_id: int, region_id: int, until: date) -> RegionMonths:
    """The person's paid months in the region up to `until` (a month's first day), per year."""
    result = RegionMonths()
    with connection.cursor() as cursor:
        cursor.execute(_MONTHS_SQL, {"person": person_id, "region": region_id, "until": until,
                                     "since": POOLED_SINCE})
        for year, months, bases, pooled_months, pooled_bases in cursor.fetchall():
            result.months += months
            result.bases += bases
            result.pooled_months += pooled_months
            result.pooled_bases += pooled_bases
            result.years.append({"year": year, "months": months, "bases": f"{bases:.2f}"})
    return result
