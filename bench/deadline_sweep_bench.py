"""The daily deadline sweep: does its cost follow the open items, not every item ever?

1. Fresh migrated database agency_bench_sweep; 10 regions with one office each, and per office
   two clerks, a reviewer and two supervisors with e-mail addresses.
2. INSERT .. SELECT generate_series: 1,000,000 closed deadlines (met or missed, closed_at set,
   due over the past ten years), each with the reminder notice it once had (missed ones also
   an escalation), then 10,000 open deadlines due from 20 days ago to 39 days ahead, half of
   them assigned. ANALYZE.
3. Time the sweep (agency.tasks.deadline_sweep, run in this process with Celery eager and the
   locmem mail backend, so the mail is built and "sent" but never leaves), median of 3 runs;
   between runs the open items get their state back and lose their notices (VACUUM ANALYZE,
   not timed).
4. Add closed deadlines (and their notices) up to 10,000,000; ANALYZE; time again.
5. EXPLAIN every SELECT the sweep ran on the deadline tables: the reads of deadlines must use
   a partial index over open items (deadline_open_due, deadline_one_open_per_subject_rule), and
   no plan may scan the deadline or notice tables sequentially.

Prints one JSON line; also saved as bench/results/deadline_sweep.json. Target: ratio <= 1.2.

    python bench/deadline_sweep_bench.py [--closed 1000000] [--closed-large 10000000]
                                         [--open 10000] [--runs 3] [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_sweep"
TARGET_RATIO = 1.2
OFFICES = 10
CHUNK = 1_000_000
# Partial indexes over open deadlines only (agency/models.py): a read through them costs what is open.
OPEN_ONLY_INDEXES = ("deadline_open_due", "deadline_one_open_per_subject_rule")


def django_start() -> None:
    os.environ.update(support.django_env(DB, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                                         CELERY_TASK_ALWAYS_EAGER="1", DJANGO_SETTINGS_MODULE="config.settings"))
    import django

    django.setup()


def staff_create() -> None:
    from django.contrib.auth.models import Group, User

    from agency.models import ClerkProfile, Office, Region

    groups = {g.name: g for g in Group.objects.all()}
    for n in range(OFFICES):
        region = Region.objects.create(code=f"{310101 + n:06d}", name=f"Bench region {n}", province="Shanghai")
        office = Office.objects.create(name=f"Bench office {n}", region=region)
        for role, how_many in (("clerk", 2), ("reviewer", 1), ("supervisor", 2)):
            for i in range(how_many):
                user = User.objects.create_user(f"{role}{n}-{i}", email=f"{role}{n}-{i}@bench.example",
                                                is_staff=True)
                ClerkProfile.objects.create(user=user, office=office)
                user.groups.add(groups[role])


def sql(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def closed_insert(first: int, last: int, content_type_id: int) -> None:
    """Closed deadlines numbered first..last, and the notices they once had, in chunks."""
    for lo in range(first, last + 1, CHUNK):
        hi = min(lo + CHUNK - 1, last)
        sql("""
            WITH o AS (SELECT array_agg(id ORDER BY id) AS office, array_agg(region_id ORDER BY id) AS region,
                              count(*)::int AS n FROM agency_office)
            INSERT INTO agency_deadline (rule, subject_type_id, subject_id, subject_label, region_id, office_id,
                                         assignee_id, starts_on, due_on, working_days, days, state, closed_at,
                                         missed_at, created_at)
            SELECT (ARRAY['registration_review', 'staff_reduction_review', 'enrolment_review'])[1 + g %% 3],
                   %(ct)s, g, 'closed item ' || g, o.region[1 + g %% o.n], o.office[1 + g %% o.n], NULL,
                   d.due - 15, d.due, false, 15,
                   CASE WHEN g %% 10 = 0 THEN 'missed' ELSE 'met' END,
                   d.due + CASE WHEN g %% 10 = 0 THEN 5 ELSE -(g %% 10)::int END + time '10:00',
                   CASE WHEN g %% 10 = 0 THEN d.due + 1 + time '07:00' END,
                   d.due - 15 + time '09:00'
            FROM o, generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g,
                 LATERAL (SELECT (current_date - 30 - (g %% 3650)::int) AS due) AS d
            """, {"ct": content_type_id, "lo": lo, "hi": hi})
        sql("""
            WITH u AS (SELECT array_agg(p.user_id ORDER BY p.user_id) AS ids, count(*)::int AS n
                       FROM agency_clerkprofile p)
            INSERT INTO agency_deadlinenotice (deadline_id, kind, recipient_id, email, sent_at, created_at)
            SELECT d.id, k.kind, u.ids[1 + (d.id %% u.n)::int], 'someone@bench.example', d.due_on - 2 + time '07:00',
                   d.due_on - 2 + time '07:00'
            FROM u, agency_deadline d
            JOIN LATERAL (SELECT 'reminder' AS kind UNION ALL
                          SELECT 'escalation' WHERE d.state = 'missed') AS k ON true
            WHERE d.subject_id BETWEEN %(lo)s AND %(hi)s AND d.subject_type_id = %(ct)s AND d.closed_at IS NOT NULL
            """, {"ct": content_type_id, "lo": lo, "hi": hi})
        print(f"  closed deadlines {lo:,}..{hi:,} loaded", flush=True)


def open_insert(count: int, content_type_id: int) -> tuple[int, int]:
    """Open deadlines due from 20 days ago to 39 days ahead; every other one assigned to a clerk."""
    sql("""
        WITH o AS (SELECT array_agg(id ORDER BY id) AS office, array_agg(region_id ORDER BY id) AS region,
                          count(*)::int AS n FROM agency_office)
        INSERT INTO agency_deadline (rule, subject_type_id, subject_id, subject_label, region_id, office_id,
                                     assignee_id, starts_on, due_on, working_days, days, state, created_at)
        SELECT 'registration_review', %(ct)s, 1000000000 + g, 'open item ' || g, o.region[1 + g %% o.n],
               o.office[1 + g %% o.n],
               CASE WHEN g %% 2 = 0 THEN (SELECT min(p.user_id) FROM agency_clerkprofile p
                                          JOIN auth_user_groups ug ON ug.user_id = p.user_id
                                          JOIN auth_group gr ON gr.id = ug.group_id AND gr.name = 'clerk'
                                          WHERE p.office_id = o.office[1 + g %% o.n]) END,
               d.due - 15, d.due, false, 15, 'open', now()
        FROM o, generate_series(1, %(count)s) AS g,
             LATERAL (SELECT current_date + (g %% 60)::int - 20 AS due) AS d
        """, {"ct": content_type_id, "count": count})
    from agency.models import Deadline

    ids = Deadline.objects.filter(subject_id__gt=1_000_000_000).values_list("id", flat=True)
    return min(ids), max(ids)


def analyze() -> None:
    sql("VACUUM (ANALYZE) agency_deadline")
    sql("VACUUM (ANALYZE) agency_deadlinenotice")


def open_reset(first: int, last: int) -> None:
    sql("DELETE FROM agency_deadlinenotice WHERE deadline_id BETWEEN %s AND %s", [first, last])
    sql("UPDATE agency_deadline SET state = 'open', missed_at = NULL WHERE id BETWEEN %s AND %s AND state <> 'open'",
        [first, last])
    analyze()


class QueryLog:
    """Records each distinct SELECT the sweep sends about deadlines and notices, with its parameters."""

    def __init__(self):
        self.seen: dict[str, tuple] = {}

    def __call__(self, execute, statement, params, many, context):
        head = statement.lstrip()[:6].upper()
        if head == "SELECT" and "agency_deadline" in statement and statement not in self.seen:
            self.seen[statement] = params
        return execute(statement, params, many, context)


def sweep_once(first: int, last: int, log: QueryLog | None = None) -> tuple[float, dict]:
    from django.core import mail
    from django.db import connection

    from agency.tasks import deadline_sweep

    open_reset(first, last)
    mail.outbox = []
    support.wait_quiet(max_wait=120)
    started = time.perf_counter()
    if log is not None:
        with connection.execute_wrapper(log):
            counts = deadline_sweep.apply().get()
    else:
        counts = deadline_sweep.apply().get()
    seconds = time.perf_counter() - started
    counts["mails"] = len(mail.outbox)
    return seconds, counts


def explain(log: QueryLog) -> list[dict]:
    from django.db import connection, transaction

    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for statement, params in log.seen.items():
            cursor.execute("EXPLAIN " + statement, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            reads = "agency_deadlinenotice" if "FROM \"agency_deadlinenotice\"" in statement else "agency_deadline"
            plans.append({"reads": reads, "sql": statement[:160] + ("..." if len(statement) > 160 else ""),
                          "uses_open_index": any(name in plan for name in OPEN_ONLY_INDEXES),
                          "seq_scan_on_big_table": bool(re.search(r"Seq Scan on agency_deadline", plan)),
                          "plan": plan})
    return plans


def measure(label: str, runs: int, first: int, last: int) -> tuple[list[float], dict]:
    timings, counts = [], {}
    for i in range(runs):
        seconds, counts = sweep_once(first, last)
        timings.append(round(seconds, 3))
        print(f"  {label} run {i + 1}: {seconds:.2f} s {counts}", flush=True)
    return timings, counts


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--closed-large", type=int, default=10_000_000)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20,000 / 200,000 closed, 1,000 open")
    parser.add_argument("--keep", action="store_true", help=f"keep the scratch database {DB}")
    args = parser.parse_args()
    if args.quick:
        args.closed, args.closed_large, args.open = 20_000, 200_000, 1_000

    print(f"deadline_sweep_bench: {args.open:,} open, {args.closed:,} then {args.closed_large:,} closed",
          flush=True)
    started = time.perf_counter()
    migrate_s = support.fresh_migrated(DB)
    try:
        django_start()
        from django.contrib.contenttypes.models import ContentType

        from agency.models import Region

        content_type_id = ContentType.objects.get_for_model(Region).id
        staff_create()
        load_started = time.perf_counter()
        closed_insert(1, args.closed, content_type_id)
        first, last = open_insert(args.open, content_type_id)
        analyze()
        load_small_s = time.perf_counter() - load_started

        small, counts_small = measure("small", args.runs, first, last)

        load_started = time.perf_counter()
        closed_insert(args.closed + 1, args.closed_large, content_type_id)
        analyze()
        load_large_s = time.perf_counter() - load_started

        large, counts_large = measure("large", args.runs, first, last)
        log = QueryLog()
        sweep_once(first, last, log)
        plans = explain(log)
        rows = {t: sql_count(t) for t in ("agency_deadline", "agency_deadlinenotice")}
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            support.db_drop(DB)

    small_s, large_s = statistics.median(small), statistics.median(large)
    ratio = large_s / small_s
    deadline_reads = [p for p in plans if p["reads"] == "agency_deadline"]
    result = {
        "bench": "deadline_sweep", "open": args.open, "closed_small": args.closed,
        "closed_large": args.closed_large, "quick": args.quick,
        "seconds_small": round(small_s, 3), "seconds_large": round(large_s, 3), "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO, "meets_target": ratio <= TARGET_RATIO,
        "runs_small_s": small, "runs_large_s": large, "counts_small": counts_small, "counts_large": counts_large,
        "rows_at_end": rows,
        "deadline_reads_use_open_index": bool(deadline_reads) and all(p["uses_open_index"] for p in deadline_reads),
        "seq_scan_on_deadlines_or_notices": any(p["seq_scan_on_big_table"] for p in plans), "plans": plans,
        "load_small_s": round(load_small_s, 1), "load_large_s": round(load_large_s, 1),
        "migrate_s": round(migrate_s, 1), "total_s": round(time.perf_counter() - started, 1),
        "machine": support.machine(),
        "command": "python bench/deadline_sweep_bench.py" + (" --quick" if args.quick else
                                                             f" --closed {args.closed} --closed-large "
                                                             f"{args.closed_large} --open {args.open}"),
    }
    support.save("deadline_sweep_quick" if args.quick else "deadline_sweep", result)
    print(json.dumps({k: v for k, v in result.items() if k != "plans"}, ensure_ascii=False), flush=True)
    return result


def sql_count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
