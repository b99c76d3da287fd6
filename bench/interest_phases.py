"""Where the yearly interest run's time goes, statement by statement, against its one-SELECT baseline.

On a copy of the database `bench/interest_bench.py --keep` seeded (its `<BENCH_DB_PREFIX>_interest_seed_cache`,
migrated to the current code), times, one after the other on one connection: the baseline SELECT (warm,
then timed), the run's staging statement, and every chunk's INSERT .. SELECT (with the balance trigger),
each committed as the service commits it; then the accounts' HOT-update counters. With --explain, one
chunk's INSERT and the trigger's nested UPDATE are shown with EXPLAIN (ANALYZE, BUFFERS) (auto_explain)
in a rolled-back transaction before the timed chunks. --rewrite rewrites the accounts table first
(VACUUM FULL: its pages as a fresh load under the current fillfactor would lay them out).

    python bench/interest_phases.py [--chunk 20000] [--explain] [--rewrite] [--source NAME] [--sql "ALTER .."]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_interest_phases"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default=f"{support.DB_PREFIX}_interest_seed_cache")
    parser.add_argument("--chunk", type=int, default=None)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--rewrite", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reconcile", action="store_true",
                        help="after the run: the full reconciliation against BALANCE_CHECK_SQL (with --explain, its plan)")
    parser.add_argument("--no-interest", action="store_true", help="skip the run (with --reconcile)")
    parser.add_argument("--suffix", default="", help="appended to the scratch database's name (two runs at once)")
    parser.add_argument("--sql", default="", help="statements run on the copy before the rewrite (a variant to try)")
    args = parser.parse_args()
    global DB
    DB += args.suffix

    support.db_drop(DB)
    with support.admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{DB}" TEMPLATE "{args.source}"')
    support.manage(DB, "migrate", "--noinput")
    os.environ.update(support.django_env(DB))
    import django

    django.setup()
    from django.db import connection

    from accounts.services import interest
    from accounts.services.interest import INTEREST_FIGURES_SQL
    from agency.models import InterestRate

    chunk = args.chunk or interest.CHUNK_ACCOUNTS
    with connection.cursor() as cursor:
        if args.sql:
            cursor.execute(args.sql)
        if args.rewrite:
            cursor.execute("VACUUM FULL accounts_pensionaccount")
        cursor.execute("VACUUM ANALYZE accounts_accountentry")
        cursor.execute("VACUUM ANALYZE accounts_pensionaccount")
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'accounts_pensionaccount'")
        reloptions = cursor.fetchone()[0]
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'accounts_pensionaccount' ORDER BY 1")
        account_indexes = [r[0] for r in cursor.fetchall()]
    percent = InterestRate.objects.filter(year=args.year).order_by("-effective_from").first().percent
    params = {"percent": percent, "y0": date(args.year, 1, 1), "y1": date(args.year + 1, 1, 1), "year": args.year}
    out: dict = {"load_before": os.getloadavg()[0], "chunk": chunk, "reloptions": reloptions,
                 "account_indexes": account_indexes, "cpu_busy_before": support.wait_quiet(max_wait=0)}

    def timed(fn):
        started = time.perf_counter()
        value = fn()
        return round(time.perf_counter() - started, 2), value

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), coalesce(sum(round), 0) FROM ({INTEREST_FIGURES_SQL}) f", params)
            return cursor.fetchone()

    if not args.no_interest:
        interest_measure(args, out, timed, baseline, chunk)
    if args.reconcile:
        reconcile_measure(args, out, timed)
    out["load_after"] = os.getloadavg()[0]
    print(json.dumps(out, default=str))
    connection.close()
    if not args.keep:
        support.db_drop(DB)


def reconcile_measure(args, out, timed) -> None:
    from django.db import connection

    from accounts.services import reconciliation
    from common.access import Viewer

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_accountentry")
        cursor.execute("VACUUM ANALYZE accounts_pensionaccount")

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(reconciliation.BALANCE_CHECK_SQL)
            return cursor.fetchone()[0]

    if args.explain:
        from contributions.sql import charge_paid_in_full, credit_used_up, self_paid_month_counts

        check = reconciliation._CHECK_SQL.format(
            entry_filter="", line_filter="", determined_filter="", self_paid_filter="", account_filter="",
            self_paid_counts=self_paid_month_counts("f"), was_settled=charge_paid_in_full("c"),
            used_up=credit_used_up("c"))
        for sql in (reconciliation.BALANCE_CHECK_SQL, check):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, {"run": 0, "since": None})
                print("\n".join(r[0] for r in cursor.fetchall()), flush=True)
    timed(baseline)
    out["reconcile_baseline_s"], differences = timed(baseline)
    out["reconcile_service_s"], run = timed(lambda: reconciliation.reconciliation_run(full=True, actor=Viewer.system()))
    out["reconcile_ratio"] = round(out["reconcile_service_s"] / out["reconcile_baseline_s"], 2)
    out["reconcile_differences"] = [differences, run.differences_found, run.accounts_checked]


def interest_measure(args, out, timed, baseline, chunk) -> None:
    from django.db import connection, transaction

    from accounts.services import interest
    from accounts.services.interest import interest_run_start
    from common.access import Viewer

    timed(baseline)
    out["baseline_s"], (count, total) = timed(baseline)
    run = interest_run_start(year=args.year, actor=Viewer.system())
    out["stage_s"], _ = timed(lambda: interest.interest_run_stage(run_id=run.pk, actor=Viewer.system()))
    table = interest._staging_table(run)

    if args.explain:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            cursor.execute("SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; "
                           "SET auto_explain.log_buffers = on; SET auto_explain.log_nested_statements = on; "
                           "SET auto_explain.log_level = notice; SET client_min_messages = notice")
            cursor.execute(interest._CHUNK_END_SQL.format(table=table), {"cursor": 0, "limit": chunk})
            last = cursor.fetchone()[0]
            notices = []
            connection.connection.add_notice_handler(lambda diag: notices.append(diag.message_primary))
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + interest._CHUNK_SQL.format(table=table), {
                "cursor": 0, "last": last, "year": args.year, "today": date.today(), "run": run.pk, "actor": "x"})
            plan = "\n".join(r[0] for r in cursor.fetchall())
            cursor.execute("SET auto_explain.log_min_duration = -1")
            transaction.set_rollback(True)
        print(plan)
        for n in notices:
            if "UPDATE accounts_pensionaccount" in n or "Update on" in n:
                print(n)

    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'accounts_pensionaccount'")
        upd0, hot0 = cursor.fetchone()
    chunk_times = []
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        run = interest.interest_run_post_chunk(run_id=run.pk, actor=Viewer.system(), chunk=chunk)
        chunk_times.append(time.perf_counter() - t0)
        if run.state == "done":
            break
    out["post_s"] = round(time.perf_counter() - started, 2)
    out["chunks"] = len(chunk_times) - 1
    out["chunk_s_min_median_max"] = [round(sorted(chunk_times)[i], 3) for i in (0, len(chunk_times) // 2, -1)]
    time.sleep(1)  # the statistics collector
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    time.sleep(1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'accounts_pensionaccount'")
        upd1, hot1 = cursor.fetchone()
    out.update({"account_updates": upd1 - upd0, "hot_updates": hot1 - hot0,
                "run_s": round(out["stage_s"] + out["post_s"], 2),
                "ratio": round((out["stage_s"] + out["post_s"]) / out["baseline_s"], 2),
                "figures_agree": run.accounts_credited == count and run.interest_total == total,
                "accounts": run.accounts_credited, "total": str(run.interest_total)})


if __name__ == "__main__":
    main()
