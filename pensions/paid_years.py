"""A person's paid months per region and year, kept as one row a year (pensions.models.PaidYear), so that
an estimate reads one row per year paid instead of every line and credit of every year (issue 27
benchmarks: the statement run's estimates re-read 102,000 lines a range against the statement's 12,000).

What a row holds is what transfers.amounts counts as paid months (`_paid_months_sql`: the person's lines,
determined and flexible months netted per month and region, a base above zero, credited in the account),
grouped by region and year, from the same composed statement: the rule is not written again here.

Who writes the rows:
- the statement run of year Y (statements.snapshot.pension_estimates_json, before its estimates): the
  range's rows of Y and, for a person without rows up to Y - 1, of every year before (the first run);
- the reissue sweep (statements.services.superseding): the rows of the person-years whose ledger changed
  after the row was computed (a late declaration, a payment or a correction of an old year).
A row is written only for a year that is over (before the year of `until`): the months of the current
year, and of any year after a person's latest row, are read from the ledger (`paid_years_read`).

Both write inside the caller's transaction: a range rolled back leaves no row behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connection

from common.hot_paths import fetch_all
from transfers.amounts import _paid_months_sql

FIRST_YEAR = 1900  # a person without any row: every year of the ledger


def _months_sql(*, lower: str, upper: str) -> str:
    """Each person's paid months per year and region with periods between %(lower)s and %(upper)s (first
    days), in every region (`lower`/`upper` name the parameters: the period condition on the lines is what
    lets PostgreSQL skip the partitions outside it)."""
    months = _paid_months_sql(lines_period=f"l.period BETWEEN {lower} AND {upper}",
                              determined_period=f"dm.period BETWEEN {lower} AND {upper}",
                              credits_period=f"a.contribution_month BETWEEN {lower} AND {upper}",
                              regions="IS NOT NULL")
    return f"""
SELECT m.person_id, extract(year FROM m.period)::int AS year, m.region_id, count(*) AS months,
       sum(m.base) AS bases
FROM ({months}) m
GROUP BY 1, 2, 3"""


# The rows of years %(first_year)s..%(last_year)s of the persons, rewritten from the ledger; a person gets a
# row for %(last_year)s even without a month paid in it (their rows then reach that year), and a row
# already there for a year that has no paid month any more is emptied.
_REFRESH_SQL = f"""
WITH m AS ({_months_sql(lower="%(lower)s", upper="%(upper)s")}
), y AS (
    SELECT person_id, year, jsonb_agg(jsonb_build_array(region_id, months, bases::text) ORDER BY region_id) AS regions
    FROM m GROUP BY person_id, year
), wanted AS (
    SELECT p.id AS person_id, %(last_year)s AS year FROM unnest(%(persons)s::bigint[]) p(id)
    UNION
    SELECT person_id, year FROM pensions_paidyear
    WHERE person_id = ANY(%(persons)s) AND year BETWEEN %(first_year)s AND %(last_year)s
)
INSERT INTO pensions_paidyear (person_id, year, regions, computed_at)
SELECT coalesce(y.person_id, w.person_id), coalesce(y.year, w.year), coalesce(y.regions, '[]'::jsonb), now()
FROM y FULL JOIN wanted w ON w.person_id = y.person_id AND w.year = y.year
ON CONFLICT (person_id, year) DO UPDATE SET regions = EXCLUDED.regions, computed_at = EXCLUDED.computed_at
"""

_THROUGH_SQL = """
SELECT p.id, (SELECT max(y.year) FROM pensions_paidyear y WHERE y.person_id = p.id)
FROM unnest(%(persons)s::bigint[]) p(id)
"""


def paid_years_refresh(*, person_ids: list[int], first_year: int, last_year: int) -> None:
    """Rewrites the persons' rows of the years `first_year`..`last_year` from the ledger (each year must be
    over). The caller holds the transaction."""
    if not person_ids or first_year > last_year:
        return
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH_SQL, {"persons": list(person_ids), "first_year": first_year, "last_year": last_year,
                                      "lower": date(first_year, 1, 1), "upper": date(last_year, 12, 1)})


def paid_years_through(*, person_ids: list[int], year: int) -> None:
    """The statement run of `year`: every person's rows reach `year` (or the last year that is over, when
    the run is of the current year). A person whose rows end before the year gets the years after their
    latest row, one without any row every year of the ledger; the range's earliest such year is where the
    one statement starts."""
    if not person_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_THROUGH_SQL, {"persons": list(person_ids)})
        through = [row[1] for row in cursor.fetchall()]
    first = min((t + 1 if t is not None else FIRST_YEAR) for t in through)
    paid_years_refresh(person_ids=person_ids, first_year=min(first, year), last_year=year)


def paid_years_changed(pairs: Iterable[tuple[int, int]]) -> None:
    """The rows of (person, year) pairs whose ledger changed, rewritten (the reissue sweep): one statement
    per year."""
    by_year: dict[int, set[int]] = {}
    for person_id, year in pairs:
        by_year.setdefault(year, set()).add(person_id)
    for year in sorted(by_year):
        paid_years_refresh(person_ids=sorted(by_year[year]), first_year=year, last_year=year)


# (region id, year, months, summed bases): one per person, region and year
PaidMonths = tuple[int, int, int, Decimal]


_ROWS_SQL = """
SELECT y.person_id, y.year, (r ->> 0)::bigint, (r ->> 1)::int, (r ->> 2)::numeric
FROM pensions_paidyear y LEFT JOIN LATERAL jsonb_array_elements(y.regions) r ON true
WHERE y.person_id = ANY(%(persons)s) AND y.year < %(year)s
"""

# The months after each person's latest row (their `through` year), up to %(until)s, from the ledger.
_LEDGER_SQL = f"""
SELECT m.* FROM ({_months_sql(lower="%(lower)s", upper="%(until)s")}) m
JOIN unnest(%(persons)s::bigint[], %(through)s::int[]) t(person_id, through) ON t.person_id = m.person_id
WHERE m.year > t.through
"""


def paid_years_read(*, person_ids: list[int], until: date) -> dict[int, list[PaidMonths]]:
    """Each person's paid months per region and year up to `until` (a month's first day), ordered by region
    and year: the rows of the years that are over, the ledger after each person's latest row. Two
    statements however many persons."""
    rows = []
    if person_ids:
        with connection.cursor() as cursor:
            cursor.execute(_ROWS_SQL, {"persons": list(person_ids), "year": until.year})
            rows = cursor.fetchall()
    return paid_years_after(person_ids=person_ids, rows=rows, until=until)


def paid_years_after(*, person_ids: list[int], rows: Iterable[tuple], until: date,
                     prepared: bool = False) -> dict[int, list[PaidMonths]]:
    """paid_years_read from the persons' rows read already (person, year, region or None, months, bases: the
    rows of the years before the year of `until`), and the ledger after each person's latest row (one
    statement; `prepared`: a server-side prepared statement, common.hot_paths.fetch_prepared)."""
    found: dict[int, list[PaidMonths]] = {pk: [] for pk in person_ids}
    if not person_ids:
        return found
    through = dict.fromkeys(person_ids, FIRST_YEAR - 1)
    for person_id, year, region_id, months, bases in rows:
        if through[person_id] < year:
            through[person_id] = year
        if region_id is not None:  # a year without a paid month has its row and no region
            found[person_id].append((region_id, year, months, bases))
    lower = min(through.values()) + 1
    params = {"persons": list(through), "through": list(through.values()), "lower": date(lower, 1, 1),
              "until": until}
    for person_id, year, region_id, months, bases in fetch_all(connection.alias, _LEDGER_SQL, params,
                                                               prepared=prepared):
        found[person_id].append((region_id, year, months, bases))
    for found_rows in found.values():
        found_rows.sort()
    return found
