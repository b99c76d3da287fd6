"""Yearly interest and the full reconciliation of individual accounts, each against one SQL statement.

1. Fresh migrated database agency_bench_interest; `seed_demo` loads the persons (1,000,000 by
   default); every person gets an account, and 12 monthly credits for the year (12,000,000 entries,
   one INSERT .. SELECT per month, so the balance trigger runs once per month's statement), plus an
   opening credit in the year before. ANALYZE.
2. Interest: the baseline is one SELECT that computes the same interest figures over the same
   entries (accounts.services.interest.INTEREST_FIGURES_SQL, summed so that 1,000,000 rows need not
   travel to the client), run once to warm the cache and then timed; the service is the yearly run
   as the Celery task runs it (interest_run_start + interest_run_continue, chunk by chunk, each
   chunk one INSERT .. SELECT with its cursor, committed). Both figures must agree to the fen.
3. Reconciliation: reconciliation_run(full=True) against one aggregate query over the entries
   (BALANCE_CHECK_SQL), the same way.

Prints one JSON line; also saved as bench/results/interest.json.
Targets: interest under 2 minutes and at most 3x; reconciliation at most 2x.

    python bench/interest_bench.py [--persons 1000000] [--year 2024] [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_interest"
TARGET_MINUTES, TARGET_RATIO, TARGET_RECONCILE_RATIO = 2.0, 3.0, 2.0


def seed(persons: int, year: int) -> dict:
    started = time.perf_counter()
    support.manage(DB, "seed_demo", "--persons", str(persons), "--employers", "1000", "--seed", "3")
    import psycopg

    with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
        conn.execute("INSERT INTO accounts_pensionaccount (person_id, opened_on, balance) "
                     "SELECT id, %s, 0 FROM insured_insuredperson", (f"{year - 1}-01-01",))
        entries = entries_load(conn, year)
    return {"seed_s": round(time.perf_counter() - started, 1), "entries": entries}


def entries_load(conn, year: int) -> int:
    """The opening credit (December of the year before) and the year's 12 credits of every account, in one
    INSERT .. SELECT in posting order (the balance trigger runs once), with `entry_by_account` built after
    the load: inserted into as it grows, 13 rows per account at 1,000,000 places each, took 3-4 minutes a
    month on a busy machine."""
    definition = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'entry_by_account'").fetchone()[0]
    conn.execute("DROP INDEX entry_by_account")
    conn.execute(f"""
        INSERT INTO accounts_accountentry (account_id, kind, amount, contribution_month, posted_on,
                                           cause_type, actor, note, created_at)
        SELECT a.id, 'credit',
               CASE WHEN m.n = 0 THEN 5000 + (a.id % 1000) ELSE 400 + (a.id % 997) * 0.37 END,
               make_date({year - 1}, 12, 1) + m.n * interval '1 month',
               make_date({year - 1}, 12, 20) + m.n * interval '1 month',
               'bench', 'bench', '', now()
        FROM generate_series(0, 12) m (n) CROSS JOIN accounts_pensionaccount a
        ORDER BY m.n, a.id""")
    conn.execute(definition)
    conn.execute("VACUUM ANALYZE accounts_accountentry")
    conn.execute("VACUUM ANALYZE accounts_pensionaccount")
    return conn.execute("SELECT count(*) FROM accounts_accountentry").fetchone()[0]


def django_start() -> None:
    os.environ.update(support.django_env(DB))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--quick", action="store_true", help="20,000 persons")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse-seed", action="store_true",
                        help="start from the seeded copy kept by an earlier run of the same size (seconds, not minutes)")
    args = parser.parse_args()
    persons = 20_000 if args.quick else args.persons

    seeded = {}
    reused, seconds = support.seeded_copy(DB, lambda _name: seeded.update(seed(persons, args.year)),
                                          key=f"interest {persons} {args.year}", reuse=args.reuse_seed)
    if reused:
        print(f"  copied the seeded database of {persons:,} accounts in {seconds:.1f} s", flush=True)
        # A cache seeded before a migration changed the accounts' storage (accounts 0005, fillfactor):
        # its pages laid out as a fresh load under the current migrations would lay them out.
        import psycopg

        with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
            conn.execute("VACUUM FULL accounts_pensionaccount")
            conn.execute("VACUUM ANALYZE accounts_pensionaccount")
    else:
        print(f"  seeded {persons:,} accounts, {seeded['entries']:,} entries in {seeded['seed_s']} s", flush=True)

    django_start()
    from datetime import date

    from django.db import connection

    from accounts.services.interest import INTEREST_FIGURES_SQL, interest_run_start
    from accounts.services.reconciliation import BALANCE_CHECK_SQL, reconciliation_run
    from accounts.tasks import interest_run_continue
    from agency.models import InterestRate
    from common.access import Viewer

    percent = InterestRate.objects.filter(year=args.year).order_by("-effective_from").first().percent
    params = {"percent": percent, "y0": date(args.year, 1, 1), "y1": date(args.year + 1, 1, 1), "year": args.year}
    baseline_sql = f"SELECT count(*), coalesce(sum(round), 0) FROM ({INTEREST_FIGURES_SQL}) f"

    def timed(fn):
        started = time.perf_counter()
        value = fn()
        return time.perf_counter() - started, value

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, params)
            return cursor.fetchone()

    wait = 0 if args.quick else None  # None: BENCH_QUIET_WAIT (default 900 s)
    quiet = {"interest": support.wait_quiet(max_wait=wait)}
    timed(baseline)  # warm the cache
    baseline_s, (base_count, base_total) = timed(baseline)

    def service():
        run = interest_run_start(year=args.year, actor=Viewer.system())
        return interest_run_continue(run_id=run.pk)

    service_s, run = timed(service)
    print(f"  interest: service {service_s:.1f} s, one SELECT {baseline_s:.1f} s", flush=True)

    def reconcile_baseline():
        with connection.cursor() as cursor:
            cursor.execute(BALANCE_CHECK_SQL)
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_accountentry")
        cursor.execute("VACUUM ANALYZE accounts_pensionaccount")
    quiet["reconcile"] = support.wait_quiet(max_wait=wait)
    timed(reconcile_baseline)
    recon_base_s, base_differences = timed(reconcile_baseline)
    recon_s, recon = timed(lambda: reconciliation_run(full=True, actor=Viewer.system()))
    print(f"  reconciliation: service {recon_s:.1f} s, one aggregate {recon_base_s:.1f} s", flush=True)

    result = {
        "machine": support.machine(), "persons": persons, "entries_before": seeded.get("entries"), "year": args.year,
        "rate_percent": str(percent), "seed_s": seeded.get("seed_s"), "seed_reused": reused, "cpu_busy_before": quiet,
        "load_average_after": support.load_average(),
        "interest_service_s": round(service_s, 2), "interest_baseline_s": round(baseline_s, 2),
        "interest_ratio": round(service_s / baseline_s, 2), "interest_minutes": round(service_s / 60, 2),
        "accounts_credited": run.accounts_credited, "baseline_accounts": base_count,
        "interest_total": str(run.interest_total), "baseline_total": str(base_total),
        "figures_agree": run.accounts_credited == base_count and run.interest_total == base_total,
        "reconcile_service_s": round(recon_s, 2), "reconcile_baseline_s": round(recon_base_s, 2),
        "reconcile_ratio": round(recon_s / recon_base_s, 2), "reconcile_accounts": recon.accounts_checked,
        "reconcile_differences": recon.differences_found, "baseline_differences": base_differences,
        "targets": {"interest_minutes": TARGET_MINUTES, "interest_ratio": TARGET_RATIO,
                    "reconcile_ratio": TARGET_RECONCILE_RATIO},
    }
    result["met"] = (result["interest_minutes"] < TARGET_MINUTES and result["interest_ratio"] <= TARGET_RATIO
                     and result["reconcile_ratio"] <= TARGET_RECONCILE_RATIO and result["figures_agree"])
    support.save("interest" if not args.quick else "interest_quick", result)
    print(json.dumps(result, ensure_ascii=False))
    connection.close()
    if not args.keep:
        support.db_drop(DB)


if __name__ == "__main__":
    main()
