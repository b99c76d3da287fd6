"""Yearly bookkeeping interest by the month-accumulation method (domain.md, "Interest").

For a year with rate r, an account's interest is

    opening x r  +  sum over months n = 1..12 of credit(n) x (12 - n + 1) x r / 12

where opening is the balance carried into the year (every entry posted before it, and the interest
of earlier years whenever it was posted) and credit(n) is what was posted in month n (记账月份: a
credit for an unpaid January posted in March counts from March). Written with the rate in percent:
(12 x opening + sum credit(n) x (13 - n)) x percent / 1200, rounded half-up to the fen once per
account and year. An account closed during the year gets interest up to its closing month m by
the same method: (m x opening + sum over n <= m of credit(n) x (m - n + 1)) x percent / 1200.

The yearly run is a row (`InterestRun`) with a keyset cursor over account ids. It stages every
account's figure in one pass over the entries, then posts them chunk by chunk: each chunk is one
transaction, one INSERT .. SELECT, and the cursor moves with it. The database holds one interest entry per account and year, so a re-run, a resumed run
or two workers credit each account once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AccountEntry, EntryKind, InterestRun, PensionAccount, RunState
from agency.models import InterestRate
from common.access import Viewer
from common.problems import ApplicationError

logger = logging.getLogger(__name__)
FEN = Decimal("0.01")
CHUNK_ACCOUNTS = 20_000


class InterestRateMissing(ApplicationError):
    status = 409
    type_slug = "interest-rate-missing"


def interest_rate_percent(year: int) -> Decimal | None:
    """The published rate for `year` in percent, or None while it is not entered."""
    row = InterestRate.objects.filter(year=year).order_by("-effective_from", "-id").first()
    return row.percent if row else None


def interest_rate_for_closing(year: int) -> tuple[Decimal, int]:
    """The rate for an account closed in `year` before that year's rate is published: the latest
    published year's rate (INTEREST_RATE for a closing year is not yet known). Returns (percent, year used)."""
    row = InterestRate.objects.filter(year__lte=year).order_by("-year", "-effective_from", "-id").first()
    if row is None:
        raise InterestRateMissing(f"No bookkeeping interest rate is entered for {year} or any year before it.",
                                  year=year)
    return row.percent, row.year


def interest_compute(*, opening: Decimal, credits_by_month: dict[int, Decimal], percent: Decimal,
                     until_month: int = 12) -> Decimal:
    """The month-accumulation formula for one account and year, up to `until_month` (12: whole year)."""
    weighted = sum((amount * (until_month - month + 1) for month, amount in credits_by_month.items()
                    if month <= until_month), Decimal(0))
    raw = (opening * until_month + weighted) * percent / Decimal(1200)
    return raw.quantize(FEN, rounding=ROUND_HALF_UP)


def _year_figures(account: PensionAccount, year: int) -> tuple[Decimal, dict[int, Decimal]]:
    """(opening, credits by month of posting) of `account` for `year`, from its entries."""
    opening, by_month = Decimal(0), defaultdict(lambda: Decimal(0))
    for kind, amount, posted_on, interest_year in account.entries.values_list(
            "kind", "amount", "posted_on", "interest_year"):
        if kind == EntryKind.INTEREST:
            if interest_year < year:
                opening += amount
        elif posted_on.year < year:
            opening += amount
        elif posted_on.year == year:
            by_month[posted_on.month] += amount
    return opening, dict(by_month)


# ---------------------------------------------------------------- the yearly run

# The year's figures for every account in one statement: the benchmark's baseline
# (bench/interest_bench.py), and what a run stages before it posts.
INTEREST_FIGURES_SQL = """
SELECT account_id, round((opening * 12 + weighted) * %(percent)s / 1200, 2) FROM (
    SELECT e.account_id,
           coalesce(sum(e.amount) FILTER (WHERE (e.kind <> 'interest' AND e.posted_on < %(y0)s)
                                          OR (e.kind = 'interest' AND e.interest_year < %(year)s)), 0) AS opening,
           coalesce(sum(e.amount * (13 - extract(month FROM e.posted_on)))
                    FILTER (WHERE e.kind <> 'interest' AND e.posted_on >= %(y0)s AND e.posted_on < %(y1)s), 0)
             AS weighted
    FROM accounts_accountentry e GROUP BY e.account_id) f
WHERE round((opening * 12 + weighted) * %(percent)s / 1200, 2) > 0
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


@transaction.atomic
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


def interest_run_continue(*, run_id: int, chunk: int = CHUNK_ACCOUNTS, max_chunks: int | None = None) -> InterestRun:
    """Post the run's interest chunk by chunk from its cursor; each chunk commits with its cursor.
    Safe to call again at any time and from several workers (they take turns on the run's row)."""
    with transaction.atomic():
        run = InterestRun.objects.select_for_update().get(pk=run_id)
        if run.state == RunState.DONE:
            return run
        table = _figures_stage(run)
    done_chunks = 0
    while max_chunks is None or done_chunks < max_chunks:
        with transaction.atomic():
            run = InterestRun.objects.select_for_update().get(pk=run_id)
            if run.state == RunState.DONE:
                return run
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
                run.state, run.finished_at = RunState.DONE, timezone.now()
                run.save(update_fields=["state", "finished_at"])
                logger.info("interest run %s done: %s accounts, %s", run.year, run.accounts_credited,
                            run.interest_total)
                return run
            run.cursor_account_id = last_id
            run.accounts_credited += credited
            run.interest_total += total
            run.save(update_fields=["cursor_account_id", "accounts_credited", "interest_total"])
        done_chunks += 1
    return InterestRun.objects.get(pk=run_id)


def interest_years_waiting() -> list[int]:
    """Years with entries but no finished run because their rate is not entered yet (shown in the admin)."""
    today = timezone.localdate()
    done = set(InterestRun.objects.filter(state=RunState.DONE).values_list("year", flat=True))
    first = AccountEntry.objects.order_by("posted_on").values_list("posted_on", flat=True).first()
    if first is None:
        return []
    return [y for y in range(first.year, today.year) if y not in done and interest_rate_percent(y) is None]


# ---------------------------------------------------------------- closing an account during a year

@transaction.atomic
def account_interest_until(*, account: PensionAccount, month: date, actor: Viewer) -> list[AccountEntry]:
    """Interest up to and including `month` for an account being closed (transfer out, payout).

    Years before `month`'s year that have no interest entry yet (their run has not reached this
    account, or their rate is not published) are credited in full first, each with its own rate, or
    the latest published one; then the closing year up to `month`. Posting is idempotent: a year
    already credited is skipped. Returns the entries posted.
    """
    account = PensionAccount.objects.select_for_update().get(pk=account.pk)
    credited = set(account.entries.filter(kind=EntryKind.INTEREST).values_list("interest_year", flat=True))
    first = account.entries.order_by("posted_on").values_list("posted_on", flat=True).first()
    if first is None:
        return []
    posted = []
    for year in range(first.year, month.year + 1):
        if year in credited:
            continue
        until = month.month if year == month.year else 12
        percent = interest_rate_percent(year)
        rate_year = year
        if percent is None:
            percent, rate_year = interest_rate_for_closing(year)
        opening, by_month = _year_figures(account, year)
        amount = interest_compute(opening=opening, credits_by_month=by_month, percent=percent, until_month=until)
        if amount <= 0:
            continue
        entry = AccountEntry(
            account=account, kind=EntryKind.INTEREST, amount=amount, posted_on=timezone.localdate(),
            interest_year=year, interest_until_month=until, cause_type="closing_interest",
            actor=actor.label(), actor_user_id=actor.user_id,
            # Language-neutral (shown as it is in the admin): "2.62% (2024)", or with the year whose
            # rate stood in for this year's, not yet published, "2.62% (2024 → 2025)".
            note=(f"{percent}% ({rate_year})" if rate_year == year else f"{percent}% ({rate_year} → {year})"))
        entry.save(force_insert=True)
        posted.append(entry)
    return posted
