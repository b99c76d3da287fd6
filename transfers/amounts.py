"""What a transfer moves, computed from the ledger (No. 66, Art. 4), never typed.

- The individual account: its whole balance, after interest up to the transfer month
  (`accounts.services.interest.account_interest_until`).
- The pooled fund: 12% of the person's actual contribution base of every paid month since
  1998-01-01 in the old region, whole years and remaining months alike, per month. A month is
  paid when the account's credits for it net above zero (credits are posted when the money settles
  the charge, accounts/credits.py); its base is the net of the person's contribution lines
  of that month with the region's employers (corrections are lines of differences), or the base of
  an Art. 58 month the region's agency determined and charged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from accounts.sql import credited_months
from common.hot_paths import fetch_all
from contributions.sql import person_month_rows

POOLED_PERCENT = Decimal("12")
POOLED_SINCE = date(1998, 1, 1)
FEN = Decimal("0.01")

def pooled_amount_sql(bases: str) -> str:
    """The pooled fund's share of the summed bases `bases`, to the fen (the twin of `RegionMonths.pooled_amount`)."""
    return f"round({bases} * {POOLED_PERCENT} / 100, 2)"


def _paid_months_sql(*, lines_period: str, determined_period: str, credits_period: str,
                     regions: str = "= %(region)s") -> str:
    """Persons' paid months in a region (or, with `regions` "= ANY(%(regions)s)", in each of several) with
    their bases: the person's months (their lines with the region's employers and the region's counted
    Art. 58 months, netted per month and region) with a base above zero, that are months of contribution
    in the account. `*_period`: the caller's condition on the period of the lines (`l`), determined months
    (`dm`) and credits (`a`); on the lines it is what lets PostgreSQL skip the partitions outside it."""
    rows = person_month_rows(
        lines_join="JOIN employers_employer e ON e.id = l.employer_id", lines_region="e.region_id",
        lines_where=f"l.person_id = ANY(%(persons)s) AND e.region_id {regions} AND {lines_period}",
        determined_where=f"d.person_id = ANY(%(persons)s) AND d.region_id {regions} AND {determined_period}",
        # issue 28: a flexible worker's months in the region count as every paid month does
        self_paid_where=(f"f.person_id = ANY(%(persons)s) AND f.region_id {regions}"
                         f"{' AND ' + determined_period.replace('dm.', 'f.') if determined_period else ''}"))
    credited = credited_months(
        source="accounts_accountentry a JOIN accounts_pensionaccount p ON p.id = a.account_id",
        person="p.person_id", month="a.contribution_month", amount="a.amount",
        where=" AND ".join(c for c in ("p.person_id = ANY(%(persons)s)", credits_period) if c))
    return f"""
SELECT m.person_id, m.region_id, m.period, m.base
FROM (
    SELECT person_id, region_id, period, sum(base) AS base FROM (
        {rows}
    ) b
    GROUP BY person_id, region_id, period
    HAVING sum(base) > 0
) m
JOIN ({credited}) c
  ON c.person_id = m.person_id AND c.contribution_month = m.period"""


# Persons' paid months with their bases per person, region and year, in each of the regions named: one
# statement for one transfer, or for many persons and regions at once (the pension estimate of a range of
# persons, pensions.selectors.range_inputs; bench/transfer_bench.py computes 10,000 persons' amounts).
_MONTHS_SQL = f"""
SELECT m.person_id, m.region_id, extract(year FROM m.period)::int AS year, count(*) AS months,
       sum(m.base) AS bases,
       count(*) FILTER (WHERE m.period >= %(since)s) AS pooled_months,
       coalesce(sum(m.base) FILTER (WHERE m.period >= %(since)s), 0) AS pooled_bases
FROM ({_paid_months_sql(lines_period="l.period <= %(until)s", determined_period="dm.period <= %(until)s",
                        credits_period="a.contribution_month <= %(until)s", regions="= ANY(%(regions)s)")}) m
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""

# Each person's latest paid month up to %(until)s in any region of this system: its base (netted over the
# month's lines, determined and flexible months) and what the account credited for it (what "keep paying at
# the current base" repeats in the pension estimate).
_LATEST_SQL = f"""
SELECT t.person_id, t.period, t.base,
       (SELECT coalesce(sum(a.amount), 0) FROM accounts_accountentry a
        JOIN accounts_pensionaccount p ON p.id = a.account_id
        WHERE p.person_id = t.person_id AND a.contribution_month = t.period) AS credit
FROM (
    SELECT DISTINCT ON (m.person_id) m.person_id, m.period, sum(m.base) AS base
    FROM ({_paid_months_sql(lines_period="l.period BETWEEN %(since)s AND %(until)s",
                            determined_period="dm.period BETWEEN %(since)s AND %(until)s",
                            credits_period="a.contribution_month BETWEEN %(since)s AND %(until)s",
                            regions="IS NOT NULL")}) m
    GROUP BY m.person_id, m.period
    ORDER BY m.person_id, m.period DESC
) t
"""


@dataclass(frozen=True)
class LatestMonth:
    period: date
    base: Decimal
    credit: Decimal


def latest_paid_months(*, person_ids: list[int], until: date, since: date = date(1900, 1, 1),
                       prepared: bool = False) -> dict[int, LatestMonth]:
    """Each person's latest paid month up to `until` (a month's first day); a person without one has no key.
    `since`: where the caller knows it to be found (the first day of the year of their latest paid month):
    the months before it are not read. `prepared`: run as a server-side prepared statement (common.hot_paths
    .fetch_prepared: planned once per connection; one person's estimate over the API)."""
    params = {"persons": list(person_ids), "until": until, "since": since}
    rows = fetch_all(connection.alias, _LATEST_SQL, params, prepared=prepared)
    return {person_id: LatestMonth(period=period, base=base, credit=credit) for person_id, period, base, credit in rows}


# The benchmark's baseline (bench/transfer_bench.py): the same sums for many persons in one statement,
# without the per-year split.
POOLED_AGGREGATE_SQL = f"""
SELECT m.person_id, count(*), {pooled_amount_sql("sum(m.base)")}
FROM ({_paid_months_sql(lines_period="l.period >= %(since)s", determined_period="dm.period >= %(since)s",
                        credits_period="")}) m
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
        """The pooled fund's share of the bases since 1998 (the twin of `pooled_amount_sql`)."""
        return (self.pooled_bases * POOLED_PERCENT / 100).quantize(FEN, rounding=ROUND_HALF_UP)


def regions_months_many(*, person_ids: list[int], region_ids: list[int],
                        until: date) -> dict[tuple[int, int], RegionMonths]:
    """Each person's paid months in each of the regions up to `until` (a month's first day), per year, keyed
    by (person, region); one statement however many persons and regions. A person without a paid month in
    a region has no key."""
    result: dict[tuple[int, int], RegionMonths] = {}
    with connection.cursor() as cursor:
        cursor.execute(_MONTHS_SQL, {"persons": list(person_ids), "regions": list(region_ids), "until": until,
                                     "since": POOLED_SINCE})
        for person_id, region_id, year, months, bases, pooled_months, pooled_bases in cursor.fetchall():
            figures = result.setdefault((person_id, region_id), RegionMonths())
            figures.months += months
            figures.bases += bases
            figures.pooled_months += pooled_months
            figures.pooled_bases += pooled_bases
            figures.years.append({"year": year, "months": months, "bases": f"{bases:.2f}"})
    return result


def region_months_many(*, person_ids: list[int], region_id: int, until: date) -> dict[int, RegionMonths]:
    """Each person's paid months in the region up to `until` (a month's first day), per year."""
    found = regions_months_many(person_ids=person_ids, region_ids=[region_id], until=until)
    return {pk: found.get((pk, region_id)) or RegionMonths() for pk in person_ids}


def region_months(*, person_id: int, region_id: int, until: date) -> RegionMonths:
    """One person's paid months in the region up to `until` (a month's first day), per year."""
    return region_months_many(person_ids=[person_id], region_id=region_id, until=until)[person_id]
