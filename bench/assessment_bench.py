"""The daily Art. 62 assessment: 50,000 employers, 5,000 of which have not declared the month.

1. Fresh migrated database <BENCH_DB_PREFIX>_assess; one region; 50,000 registered employers, each with
   13 declared months before the assessed month (a declaration and its declared charge each, so the
   assessment's look-back window of 12 months is full of history), and 45,000 of them also declared
   the assessed month. ANALYZE.
2. Time `contributions.tasks.provisional_assess_run` (in-process: the daily job
   without Celery) on the day after the declaration day, median of --runs runs; between runs the
   provisional charges and their events are removed (not timed; the append-only triggers are
   disabled for that, in a transaction).
3. Time the reference: ONE `INSERT .. SELECT` that writes the same charges (the employers without a
   declaration of the month, 110% of the previous month's declared total), median of --runs runs.
   Both run with JIT off (the job sets it for its statement; with the planner's estimates JIT
   compiling costs seconds, more than either statement).
4. Check both wrote the same 5,000 (employer, period, amount) rows. Also: a second run of the job
   the same day writes nothing.

Target: job / reference at most 3x.

    python bench/assessment_bench.py [--employers 50000] [--missing 5000] [--runs 3] [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_assess"
TARGET_RATIO = 3.0
WAIT_QUIET_S = 120  # the machine is shared: wait at most this long for it to calm down, and record how busy it was
PERIOD = date(2026, 10, 1)  # the assessed month
TODAY = date(2026, 10, 11)  # the day after its declaration day (10th)
HISTORY_MONTHS = 13


def reference_sql() -> str:
    """The reference statement; the 110% is the rule's own fragment (contributions.sql), read once Django is set up."""
    from contributions.sql import provisional_amount

    return REFERENCE_SQL.format(amount=provisional_amount("prev.total"))


REFERENCE_SQL = """
INSERT INTO contributions_charge (employer_id, period, kind, amount, due_on, fee_from, created_at, actor)
SELECT e.id, %(period)s, 'provisional', {amount}, %(due)s, %(due)s, now(), 'reference'
  FROM employers_employer e
  JOIN LATERAL (SELECT sum(c.amount) AS total FROM contributions_charge c
                 WHERE c.employer_id = e.id AND c.kind = 'declared' AND c.period = %(previous)s) prev ON true
 WHERE e.registration_status = 'registered' AND prev.total > 0
   AND NOT EXISTS (SELECT 1 FROM contributions_declaration d WHERE d.employer_id = e.id AND d.period = %(period)s)
"""


def django_start() -> None:
    os.environ.update(support.django_env(DB, DJANGO_SETTINGS_MODULE="config.settings"))
    import django

    django.setup()


def sql(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def months_before(period: date, n: int) -> date:
    index = period.year * 12 + period.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def load(employers: int, missing: int) -> None:
    sql("INSERT INTO agency_region (code, name, province, external, pooling_area) "
        "VALUES ('310101', 'Bench', 'Shanghai', false, '')")
    sql("""
        INSERT INTO employers_employer (uscc, uscc_override_reason, name, kind, region_id, established_on,
               registration_status, registration_number, registered_on, risk_class, risk_float_percent,
               contact_name, contact_phone, contact_email, address, created_at)
        SELECT '91' || lpad(g::text, 16, '0'), '', 'Bench employer ' || g, 'enterprise', r.id, '2010-01-01', 'registered',
               'B' || g, '2010-01-20', 1, 100, '', '', '', '', now()
          FROM agency_region r, generate_series(1, %(n)s) g WHERE r.code = '310101'
        """, {"n": employers})
    first = months_before(PERIOD, HISTORY_MONTHS)
    # Declarations: HISTORY_MONTHS months for everyone, the assessed month for all but `missing`.
    sql("""
        INSERT INTO contributions_declaration (employer_id, period, sequence, kind, source, rows, lines_written,
               clamped_rows, totals, total, difference, due_on, declared_on, late, declared_at, actor)
        SELECT e.id, m::date, 1, 'declared', 'json', 10, 10, 0, '{}', 1000 + e.id %% 997, 1000 + e.id %% 997,
               m::date + 14, m::date + 5, false, m::date + time '09:00', 'bench'
          FROM employers_employer e, generate_series(%(first)s::date, %(period)s::date, interval '1 month') m
         WHERE m::date < %(period)s OR e.id %% %(every)s <> 0
        """, {"first": first, "period": PERIOD, "every": employers // missing})
    sql("""
        INSERT INTO contributions_charge (employer_id, period, kind, declaration_id, amount, due_on, fee_from,
               created_at, actor)
        SELECT d.employer_id, d.period, 'declared', d.id, d.difference, d.due_on, d.due_on, d.declared_at, 'bench'
          FROM contributions_declaration d
        """)
    sql("ANALYZE")


def provisional_clear() -> None:
    """Remove the run's provisional charges and their events (the append-only triggers off, not timed)."""
    from django.db import transaction

    with transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")  # triggers off for this transaction only
        sql("DELETE FROM contributions_contributionevent WHERE kind = 'provisional_assessed'")
        sql("DELETE FROM contributions_charge WHERE kind = 'provisional'")
    sql("VACUUM ANALYZE contributions_charge")


def written() -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT employer_id, period, amount FROM contributions_charge WHERE kind = 'provisional' "
                       "ORDER BY employer_id, period")
        return cursor.fetchall()


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employers", type=int, default=50_000)
    parser.add_argument("--missing", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="5,000 employers, 500 missing")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if args.quick:
        args.employers, args.missing = 5_000, 500
    print(f"assessment_bench: {args.employers:,} employers, {args.missing:,} not declared", flush=True)
    support.fresh_migrated(DB)
    django_start()
    started = time.perf_counter()
    load(args.employers, args.missing)
    load_s = time.perf_counter() - started
    print(f"  loaded in {load_s:.1f} s", flush=True)

    from contributions.tasks import provisional_assess_run

    job_runs, reference_runs, quiet = [], [], []
    expected = None
    second_run_assessed = None
    for run in range(args.runs):
        quiet.append(support.wait_quiet(max_wait=5 if args.quick else WAIT_QUIET_S))
        t0 = time.perf_counter()
        counts = provisional_assess_run(today=TODAY)
        job_runs.append(round(time.perf_counter() - t0, 3))
        rows = written()
        if expected is None:
            expected = rows
            second_run_assessed = provisional_assess_run(today=TODAY).assessed
        assert rows == expected and counts.assessed == len(rows), (counts, len(rows))
        provisional_clear()

        quiet.append(support.wait_quiet(max_wait=5 if args.quick else WAIT_QUIET_S))
        t0 = time.perf_counter()
        from django.db import transaction

        with transaction.atomic():
            sql("SET LOCAL jit = off")  # as the job does: JIT would cost more than either statement
            inserted = sql(reference_sql(), {"period": PERIOD, "previous": months_before(PERIOD, 1),
                                           "due": PERIOD.replace(day=15)})
        reference_runs.append(round(time.perf_counter() - t0, 3))
        same = written() == expected
        provisional_clear()
        print(f"  run {run + 1}: job {job_runs[-1]} s ({counts.assessed} charges), reference {reference_runs[-1]} s "
              f"({inserted} charges, same rows: {same})", flush=True)
        assert same

    job, reference = statistics.median(job_runs), statistics.median(reference_runs)
    result = {
        "employers": args.employers, "missing": args.missing, "history_months": HISTORY_MONTHS,
        "assessed": len(expected), "load_s": round(load_s, 1),
        "job_runs_s": job_runs, "reference_runs_s": reference_runs, "job_s": job, "reference_s": reference,
        "ratio": round(job / reference, 2), "target_ratio": TARGET_RATIO, "meets_target": job / reference <= TARGET_RATIO,
        "second_run_same_day_assessed": second_run_assessed, "same_rows": True,
        "cpu_busy_before_runs": quiet, "load_average_after": support.load_average(), "machine": support.machine(),
        "command": "python bench/assessment_bench.py " + " ".join(sys.argv[1:]),
    }
    support.save("assessment_quick" if args.quick else "assessment", result)
    print(f"  job {job} s, reference {reference} s: ratio {result['ratio']} (target <= {TARGET_RATIO})", flush=True)
    from django.db import connections

    connections.close_all()
    if not args.keep:
        support.db_drop(DB)
    return result


if __name__ == "__main__":
    main()
