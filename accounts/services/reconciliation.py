"""The nightly reconciliation of individual accounts: nothing is corrected, every difference is recorded.

Checks, per account: the stored balance equals the sum of its entries, and the credits posted from
the contribution ledger equal the individual pension parts of the settled charges' lines. The nightly run checks the accounts whose balance moved
since the previous run started (`PensionAccount.touched_at`, one pass over the accounts: it is not indexed,
so that balance updates stay HOT updates); a full run checks all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import ReconciliationDifference, ReconciliationRun
from common.access import Viewer
from common.registry import Registry
from common.services import SYSTEM, entry
from contributions.sql import charge_paid_in_full, credit_used_up, self_paid_month_counts

# Both checks in one SELECT, so the entries are read once (bench/interest_bench.py: two passes over
# 14 million entries were 4.3x one aggregate) and in parallel (an INSERT .. SELECT is planned without
# parallel workers, and read them by index, 55 s); the few differences are inserted after. Per account, the stored balance against the sum
# of its entries, and the credits posted from the contribution ledger (cause "charge") against the
# individual pension parts of the lines whose charges are settled (paid in full now or, a negative
# correction, used up) and of the Art. 58 determined months whose charges are settled. Each mismatch is
# one difference row.
_CHECK_SQL = """
WITH entry_sums AS (
    SELECT e.account_id, sum(e.amount) AS total,
           coalesce(sum(e.amount) FILTER (WHERE e.cause_type = 'charge'), 0) AS credited
    FROM accounts_accountentry e {entry_filter}
    GROUP BY e.account_id
), paid AS (
    SELECT person_id, sum(total) AS total FROM (
        SELECT l.person_id, sum(l.pension_individual) AS total
        FROM contributions_contributionline l
        JOIN contributions_charge c ON c.id = l.charge_id AND c.employer_id = l.employer_id AND c.period = l.period
        WHERE ((c.amount > 0 AND {was_settled})
               OR ({used_up}))
              {line_filter}
        GROUP BY l.person_id
        UNION ALL
        -- Art. 58 determined months: their individual parts, once their charge is settled
        SELECT d.person_id, sum(dm.pension_individual)
        FROM contributions_determinedmonth dm
        JOIN contributions_determination d ON d.id = dm.determination_id
        JOIN contributions_charge c ON c.id = dm.charge_id
        WHERE {was_settled}
              {determined_filter}
        GROUP BY d.person_id
        UNION ALL
        -- issue 28: a flexible worker's months, their account part once their charge is settled
        SELECT f.person_id, sum(f.pension_individual)
        FROM contributions_selfpaidmonth f
        JOIN contributions_charge c ON c.id = f.charge_id
        WHERE {was_settled} AND {self_paid_counts}
              {self_paid_filter}
        GROUP BY f.person_id
    ) parts
    GROUP BY person_id
)
SELECT x.id, d.kind, d.expected, d.found
FROM (SELECT a.id, a.balance, coalesce(s.total, 0) AS total, coalesce(p.total, 0) AS paid,
             coalesce(s.credited, 0) AS credited
      FROM accounts_pensionaccount a
      LEFT JOIN entry_sums s ON s.account_id = a.id
      LEFT JOIN paid p ON p.person_id = a.person_id
      -- the few accounts that differ first: the two checks' rows are made for them only, not for every account
      WHERE (coalesce(s.total, 0) <> a.balance OR coalesce(p.total, 0) <> coalesce(s.credited, 0))
            {account_filter}) x
CROSS JOIN LATERAL (VALUES ('balance', x.total, x.balance),
                           ('credits', x.paid, x.credited)) AS d (kind, expected, found)
WHERE d.expected <> d.found
"""
_TOUCHED = " AND a.touched_at >= %(since)s"
_TOUCHED_ENTRIES = " WHERE e.account_id IN (SELECT id FROM accounts_pensionaccount WHERE touched_at >= %(since)s)"
_TOUCHED_LINES = " AND l.person_id IN (SELECT person_id FROM accounts_pensionaccount WHERE touched_at >= %(since)s)"
_TOUCHED_DETERMINED = _TOUCHED_LINES.replace("l.person_id", "d.person_id")
_TOUCHED_SELF_PAID = _TOUCHED_LINES.replace("l.person_id", "f.person_id")

# The balance check as one aggregate, for the benchmark's baseline (bench/interest_bench.py).
BALANCE_CHECK_SQL = """
SELECT count(*) FROM accounts_pensionaccount a
LEFT JOIN (SELECT account_id, sum(amount) AS total FROM accounts_accountentry GROUP BY account_id) s
  ON s.account_id = a.id
WHERE a.balance <> coalesce(s.total, 0)
"""

# Further checks that other apps may register from their AppConfig.ready(): (run, since or None) ->
# differences found. None is registered yet; the extension point is kept for the apps above.
credit_checks: Registry[Callable[[ReconciliationRun, datetime | None], int]] = Registry("accounts.credit_checks")


def reconciliation_run(*, actor: Viewer, full: bool = False) -> ReconciliationRun:
    """Check the accounts touched since the last run started (all of them with `full`); the run and
    its differences are written in one transaction."""
    previous = ReconciliationRun.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    # Overlap the previous run by a margin: an entry written in a transaction that began before that
    # run started but committed after it carries an earlier time than the run's start.
    overlap = timedelta(minutes=settings.ACCOUNTS_RECONCILE_OVERLAP_MINUTES)
    since = None if full or previous is None else previous.started_at - overlap
    run = ReconciliationRun.objects.create(full=since is None, checked_since=since)
    with connection.cursor() as cursor:
        params = {"run": run.pk, "since": since}
        cursor.execute(_CHECK_SQL.format(entry_filter=_TOUCHED_ENTRIES if since else "",
                                         line_filter=_TOUCHED_LINES if since else "",
                                         determined_filter=_TOUCHED_DETERMINED if since else "",
                                         self_paid_filter=_TOUCHED_SELF_PAID if since else "",
                                         self_paid_counts=self_paid_month_counts("f"),
                                         account_filter=_TOUCHED if since else "",
                                         was_settled=charge_paid_in_full("c"), used_up=credit_used_up("c")), params)
        differences = [ReconciliationDifference(run=run, account_id=account_id, kind=kind, expected=expected,
                                                found=found_value)
                       for account_id, kind, expected, found_value in cursor.fetchall()]
        ReconciliationDifference.objects.bulk_create(differences, batch_size=5000)
        found = len(differences)
        found += sum(check(run, since) for check in credit_checks)
        if since is None:
            cursor.execute("SELECT count(*) FROM accounts_pensionaccount")
        else:
            cursor.execute("SELECT count(*) FROM accounts_pensionaccount WHERE touched_at >= %s", [since])
        checked = cursor.fetchone()[0]
    run.accounts_checked, run.differences_found, run.finished_at = checked, found, timezone.now()
    run.save(update_fields=["accounts_checked", "differences_found", "finished_at"])
    return run


reconciliation_run = entry(reconciliation_run, callers=SYSTEM)
