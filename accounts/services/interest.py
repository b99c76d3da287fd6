"""The yearly bookkeeping interest run (domain.md, "Interest"; the rule: accounts.rules).

The yearly run is a row (`InterestRun`, its state moved by the INTEREST_RUN machine) with a keyset
cursor over account ids. `interest_run_stage` stages every account's figure in one pass over the
entries, in its own transaction; `interest_run_post_chunk` then posts them chunk by chunk: each
chunk is one call, one transaction, one INSERT .. SELECT, and the cursor moves with it; the call
after the last chunk finishes the run. The conductor (`accounts.tasks.interest_run_continue`)
calls them in turn. The database holds one interest entry per account and year, so a re-run, a
resumed run or two workers credit each account once.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import InterestRun, RunState
from accounts.rules import InterestRateMissing, interest_rate_percent
from accounts.sql import interest_amount, interest_weight
from common.access import Viewer
from common.problems import ApplicationError
from common.services import STAFF, SYSTEM, Machine, Step, entry, transition

logger = logging.getLogger(__name__)
CHUNK_ACCOUNTS = 20_000
START_PERMISSION = "accounts.add_interestrun"

# A run is running until its cursor has passed the last staged account; then it is done.
INTEREST_RUN = Machine(gettext_lazy("interest run"), {
    RunState.RUNNING: {"finish": Step(RunState.DONE)},
}, states=RunState, actions={"finish": gettext_lazy("finished")})


# The year's figures for every account in one statement: the benchmark's baseline
# (bench/interest_bench.py), and what a run stages before it posts.
# An account closed during the year (a transfer out, a payout) was credited interest up to its closing
# month M then (accounts.postings.account_interest_until); the run credits the months after it: the
# balance at the end of month M for 12 - M months, and what was posted after M from its posting month
# (issue 23: the run used to find "that year's interest entry" and skip the account for good). With no
# closing, M is 0 and this is the whole year. `opening * -M` in the weighted sum keeps the one rounding
# of the formula (accounts.sql.interest_amount).
_INTEREST = interest_amount(opening="opening", weighted="weighted - opening * closed", percent="%(percent)s")
INTEREST_FIGURES_SQL = f"""
WITH closing AS (
    SELECT account_id, max(interest_until_month) AS m FROM accounts_accountentry
    WHERE kind = 'interest' AND interest_until_month < 12 AND interest_year = %(year)s GROUP BY account_id
)
SELECT account_id, {_INTEREST} FROM (
    SELECT e.account_id, coalesce(c.m, 0) AS closed,
           coalesce(sum(e.amount) FILTER (WHERE (e.kind <> 'interest'
                                                 AND e.posted_on < %(y0)s + coalesce(c.m, 0) * interval '1 month')
                                          OR (e.kind = 'interest' AND e.interest_year < %(year)s)
                                          OR (e.kind = 'interest' AND e.interest_year = %(year)s
                                              AND e.interest_until_month < 12)), 0) AS opening,
           coalesce(sum(e.amount * {interest_weight("e.posted_on")})
                    FILTER (WHERE e.kind <> 'interest' AND e.posted_on >= %(y0)s + coalesce(c.m, 0) * interval '1 month'
                              AND e.posted_on < %(y1)s), 0)
             AS weighted
    FROM accounts_accountentry e LEFT JOIN closing c ON c.account_id = e.account_id
    GROUP BY e.account_id, c.m) f
WHERE {_INTEREST} > 0
"""

# A run first stages every account's figure in a table of its own, in one pass over the entries
# (CREATE TABLE .. AS may use parallel workers; an INSERT .. SELECT may not), then posts the staged
# figures chunk by chunk in account order. Reading the entries per chunk of accounts instead was a
# random read of the whole table (an account's entries are spread over the years they were posted
# in): 2.1 s a chunk of 20,000 at 1,000,000 accounts, 9x the one pass. The staged figures are the
# entries' as the run starts (a chunked read had the same for every chunk already posted), and the
# staging table is created in its own transaction: a run killed while staging stages again.
_STAGE_SQL = "CREATE TABLE {table} AS SELECT f.account_id, f.round AS amount FROM (" + INTEREST_FIGURES_SQL + ") f"

_CHUNK_END_SQL = """
SELECT max(account_id) FROM (SELECT account_id FROM {table} WHERE account_id > %(cursor)s
                             ORDER BY account_id LIMIT %(limit)s) c
"""

_CHUNK_SQL = """
WITH posted AS (
    INSERT INTO accounts_accountentry (account_id, kind, amount, posted_on, interest_year, interest_until_month,
                                       cause_type, cause_id, actor, note, created_at)
    SELECT account_id, 'interest', amount, %(today)s, %(year)s, 12, 'interest_run', %(run)s, %(actor)s, '', now()
    FROM {table}
    WHERE account_id > %(cursor)s AND account_id <= %(last)s
    ON CONFLICT DO NOTHING
    RETURNING amount
)
SELECT count(*), coalesce(sum(amount), 0) FROM posted
"""


def _staging_table(run: InterestRun) -> str:
    return f"accounts_interest_staging_{int(run.pk)}"


def _figures_stage(run: InterestRun) -> str:
    """The run's staging table, created (in the caller's transaction) if it does not exist yet."""
    table = _staging_table(run)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        if not cursor.fetchone()[0]:
            cursor.execute(_STAGE_SQL.format(table=table), {
                "percent": run.percent, "y0": date(run.year, 1, 1), "y1": date(run.year + 1, 1, 1),
                "year": run.year})
            cursor.execute(f"CREATE UNIQUE INDEX ON {table} (account_id)")
            cursor.execute(f"ANALYZE {table}")
    return table


def interest_run_start(*, year: int, actor: Viewer) -> InterestRun:
    """Start (or return) the run for `year`. Refused while the year's rate is not entered, or
    while an earlier year's run is unfinished (opening balances need its interest)."""
    percent = interest_rate_percent(year)
    if percent is None:
        raise InterestRateMissing(f"No bookkeeping interest rate is entered for {year}; enter it under "
                                  "Policy tables → Bookkeeping interest rates, then start the run.", year=year)
    existing = InterestRun.objects.select_for_update().filter(year=year).first()
    if existing is not None:
        return existing
    earlier = InterestRun.objects.filter(year__lt=year, state=RunState.RUNNING).order_by("year").first()
    if earlier is not None:
        raise ApplicationError(f"The interest run for {earlier.year} is not finished; finish it first.",
                               status=409, type_slug="conflict", year=earlier.year)
    InterestRun.objects.bulk_create([InterestRun(year=year, percent=percent, started_by=actor.label())],
                                    ignore_conflicts=True)  # two starters at once: one row
    run = InterestRun.objects.select_for_update().get(year=year)
    return run


interest_run_start = entry(interest_run_start, callers=STAFF, permission=START_PERMISSION)


def _locked(run_id: int) -> InterestRun:
    return InterestRun.objects.select_for_update().get(pk=run_id)


def interest_run_stage(*, run_id: int, actor: Viewer) -> InterestRun:
    """Stage the run's figures (once; a run killed while staging stages again), in a transaction of its own."""
    run = _locked(run_id)
    if run.state != RunState.DONE:
        _figures_stage(run)
    return run


interest_run_stage = entry(interest_run_stage, callers=SYSTEM)


def interest_run_post_chunk(*, run_id: int, actor: Viewer, chunk: int = CHUNK_ACCOUNTS) -> InterestRun:
    """Post the next `chunk` accounts from the run's cursor and move the cursor, in one transaction;
    with nothing left, finish the run. Safe to call again at any time and from several workers
    (they take turns on the run's row); a finished run is returned as it is."""
    run = _locked(run_id)
    if run.state == RunState.DONE:
        return run
    table = _figures_stage(run)
    with connection.cursor() as cursor:
        cursor.execute(_CHUNK_END_SQL.format(table=table), {"cursor": run.cursor_account_id, "limit": chunk})
        last_id = cursor.fetchone()[0]
        if last_id is None:
            cursor.execute(f"DROP TABLE {table}")
        else:
            cursor.execute(_CHUNK_SQL.format(table=table), {
                "cursor": run.cursor_account_id, "last": last_id, "year": run.year,
                "today": timezone.localdate(), "run": run.pk, "actor": f"interest-run:{run.year}"})
            credited, total = cursor.fetchone()
    if last_id is None:
        run.finished_at = timezone.now()
        transition(INTEREST_RUN, run, "finish", actor=actor, fields=["finished_at"])
        logger.info("interest run %s done: %s accounts, %s", run.year, run.accounts_credited, run.interest_total)
        return run
    run.cursor_account_id = last_id
    run.accounts_credited += credited
    run.interest_total += total
    run.save(update_fields=["cursor_account_id", "accounts_credited", "interest_total"])
    return run


interest_run_post_chunk = entry(interest_run_post_chunk, callers=SYSTEM)
