"""The yearly Art. 74 statement run at full size: 1,000,000 persons with 12 months of contributions.

1. Seed (fresh migrated database agency_bench_statements, cached with --reuse-seed): `seed_demo`
   loads the persons; channels are set to 30% e-mail, 20% post, 50% online; every person gets 12
   monthly contribution lines of the year at one of 1,000 employers (one declaration and charge per
   employer and month, 95% of the charges settled by a payment), an account with last year's
   balance, the year's 12 credits and the year's interest. VACUUM ANALYZE.
2. The run, by the services the Celery tasks call, with WORKERS processes (one per core) taking the
   work the way the workers do (ranges with SKIP LOCKED, e-mails claimed one at a time):
   start (ranges) -> generate every range (snapshots, statements, deliveries) -> send the e-mails
   (each renders its PDF; the mail backend serialises the message with its attachment and drops it)
   -> batch the letters and render every print batch (merged PDF and manifest on disk) -> done.
   Reported: total minutes and statements per second (target: under 30 minutes).
3. The snapshot phase (generating every range) against one SQL aggregate over the same
   contributions and entries (target: at most 3x); the baseline runs with PostgreSQL's parallel
   workers, the phase with WORKERS processes.
4. PDF throughput: PDFs rendered per second and process in the pipeline (e-mails and print pages)
   against the renderer alone on one fixed statement in one process (target: at least 0.7).
5. Storage of the run: the statements, deliveries, ranges and batches tables with their indexes,
   and the print files on disk (target: under 5 GB for 1,000,000 persons).

Prints one JSON line; also saved as bench/results/statements.json.

    python bench/statement_bench.py [--persons 1000000] [--year 2025] [--quick] [--keep] [--reuse-seed]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_statements"
TARGET_MINUTES, TARGET_SNAPSHOT_RATIO, TARGET_PDF_RATIO, TARGET_STORAGE_GB = 30.0, 3.0, 0.7, 5.0
WORKERS = os.cpu_count() or 2


def seed(persons: int, year: int) -> dict:
    started = time.perf_counter()
    support.manage(DB, "seed_demo", "--persons", str(persons), "--employers", "1000", "--seed", "5")
    import psycopg

    y0, prev = f"{year}-01-01", f"{year - 1}"
    with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
        # Channels: 30% e-mail, 20% post, 50% online (an address where the channel needs one).
        conn.execute("""
            UPDATE insured_insuredperson SET
              email = CASE WHEN id % 10 < 3 AND email = '' THEN 'p' || id || '@example.cn' ELSE email END,
              postal_address = CASE WHEN id % 10 IN (3, 4) AND postal_address = ''
                                    THEN (100000 + (id * 7919) % 800000)::text || ' 上海市黄浦区南京东路' || (id % 999 + 1) || '号'
                                    ELSE postal_address END,
              statement_delivery = CASE WHEN id % 10 < 3 THEN 'email' WHEN id % 10 IN (3, 4) THEN 'post'
                                        ELSE 'online' END""")
        for month in range(1, 13):
            conn.execute(f"CREATE TABLE IF NOT EXISTS contributions_contributionline_{year}_{month:02d} "
                         f"PARTITION OF contributions_contributionline FOR VALUES FROM ('{year}-{month:02d}-01') "
                         f"TO ('{year + (month == 12)}-{month % 12 + 1:02d}-01')")
        conn.execute("CREATE TEMP TABLE emp AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS n "
                     "FROM employers_employer ORDER BY id LIMIT 1000")
        employers = conn.execute("SELECT count(*) FROM emp").fetchone()[0]
        for month in range(1, 13):
            period = f"{year}-{month:02d}-01"
            conn.execute(f"""
                INSERT INTO contributions_declaration (employer_id, period, sequence, kind, source, rows, lines_written,
                    clamped_rows, totals, total, difference, due_on, declared_on, late, declared_at, actor)
                SELECT id, '{period}', 1, 'regular', 'json', 0, 0, 0, '{{}}', 0, 0, '{year}-{month:02d}-15',
                       '{year}-{month:02d}-05', false, now(), 'bench' FROM emp""")
            conn.execute(f"""
                INSERT INTO contributions_charge (employer_id, period, kind, declaration_id, amount, due_on, fee_from,
                                                  created_at, actor)
                SELECT d.employer_id, d.period, 'declared', d.id, 1000, d.due_on, d.due_on, now(), 'bench'
                FROM contributions_declaration d WHERE d.period = '{period}' AND d.actor = 'bench'""")
            conn.execute(f"""
                INSERT INTO contributions_contributionline (period, employer_id, person_id, declaration_id, charge_id,
                    wage, base, clamp, pension_employer, pension_individual, medical_employer, medical_individual,
                    unemployment_employer, unemployment_individual, work_injury_employer)
                SELECT '{period}', e.id, p.id, c.declaration_id, c.id, b.base, b.base, '',
                       round(b.base * 0.16, 2), round(b.base * 0.08, 2), round(b.base * 0.08, 2),
                       round(b.base * 0.02, 2), round(b.base * 0.005, 2), round(b.base * 0.005, 2),
                       round(b.base * 0.004, 2)
                FROM insured_insuredperson p
                JOIN emp e ON e.n = p.id % {employers}
                JOIN contributions_charge c ON c.employer_id = e.id AND c.period = '{period}' AND c.actor = 'bench'
                CROSS JOIN LATERAL (SELECT (5000 + (p.id % 97) * 100)::numeric(12, 2) AS base) b""")
        # 95% of the charges paid, each by a payment of its own that settles it.
        conn.execute("""
            INSERT INTO contributions_payment (employer_id, bank_reference, amount, paid_on, channel, note, recorded_at,
                                               actor)
            SELECT employer_id, 'BENCH-' || id, amount, due_on, 'bank', '', now(), 'bench'
            FROM contributions_charge WHERE actor = 'bench' AND id % 20 <> 0""")
        conn.execute("""
            INSERT INTO contributions_allocation (employer_id, charge_id, payment_id, amount, effective_on,
                                                  settles_charge, created_at, actor)
            SELECT c.employer_id, c.id, p.id, c.amount, c.due_on, true, now(), 'bench'
            FROM contributions_charge c JOIN contributions_payment p ON p.bank_reference = 'BENCH-' || c.id""")
        conn.execute("INSERT INTO accounts_pensionaccount (person_id, opened_on, balance) "
                     "SELECT id, %s, 0 FROM insured_insuredperson", (f"{prev}-01-01",))
        conn.execute(f"""
            INSERT INTO accounts_accountentry (account_id, kind, amount, contribution_month, posted_on,
                                               cause_type, actor, note, created_at)
            SELECT id, 'credit', 5000 + (id % 1000), '{prev}-12-01', '{prev}-12-20', 'bench', 'bench', '', now()
            FROM accounts_pensionaccount""")
        for month in range(1, 13):
            conn.execute(f"""
                INSERT INTO accounts_accountentry (account_id, kind, amount, contribution_month, posted_on,
                                                   cause_type, actor, note, created_at)
                SELECT a.id, 'credit', round((5000 + (a.person_id % 97) * 100) * 0.08, 2), '{year}-{month:02d}-01',
                       '{year}-{month:02d}-20', 'bench', 'bench', '', now()
                FROM accounts_pensionaccount a""")
        conn.execute(f"""
            INSERT INTO accounts_accountentry (account_id, kind, amount, posted_on, interest_year, interest_until_month,
                                               cause_type, actor, note, created_at)
            SELECT id, 'interest', 100 + (id % 50), '{year + 1}-01-01', {year}, 12, 'bench', 'bench', '', now()
            FROM accounts_pensionaccount""")
        for table in ("contributions_contributionline", "accounts_accountentry", "accounts_pensionaccount",
                      "insured_insuredperson", "contributions_charge", "contributions_allocation"):
            conn.execute(f"VACUUM ANALYZE {table}")
        lines = conn.execute("SELECT count(*) FROM contributions_contributionline").fetchone()[0]
        entries = conn.execute("SELECT count(*) FROM accounts_accountentry").fetchone()[0]
    del y0
    return {"seed_s": round(time.perf_counter() - started, 1), "lines": lines, "entries": entries}


# The baseline: one statement that aggregates the same lines (per person, month and employer) and
# the same entries (per person) as the snapshots read, and sums them so that a million rows need
# not travel to the client.
BASELINE_SQL = """
WITH l AS (
    SELECT person_id, period, employer_id, sum(base) AS base, sum(pension_employer + pension_individual
           + medical_employer + medical_individual + unemployment_employer + unemployment_individual
           + work_injury_employer) AS total
    FROM contributions_contributionline WHERE period BETWEEN %(y0)s AND %(y11)s
    GROUP BY person_id, period, employer_id
), lp AS (SELECT person_id, count(*) AS months, sum(base) AS base, sum(total) AS total FROM l GROUP BY person_id),
e AS (
    SELECT a.person_id,
           sum(e.amount) FILTER (WHERE (e.kind <> 'interest' AND e.posted_on < %(y0)s)
                                 OR (e.kind = 'interest' AND e.interest_year < %(year)s)) AS opening,
           sum(e.amount) FILTER (WHERE e.kind = 'credit' AND e.posted_on >= %(y0)s) AS credits,
           sum(e.amount) FILTER (WHERE e.kind = 'interest' AND e.interest_year = %(year)s) AS interest
    FROM accounts_accountentry e JOIN accounts_pensionaccount a ON a.id = e.account_id GROUP BY a.person_id
)
SELECT count(*), sum(lp.months), sum(lp.total), sum(e.opening), sum(e.credits), sum(e.interest)
FROM lp FULL JOIN e USING (person_id)
"""


def django_start(mail_dir: str | None = None) -> None:
    os.environ.update(support.django_env(DB, EMAIL_BACKEND="mail_sink.EmailBackend",
                                         MEDIA_ROOT=mail_dir or tempfile.gettempdir()))
    import django

    django.setup()


# --- the worker processes ------------------------------------------------------------------------

def _worker_init(media_root: str) -> None:
    django_start(media_root)
    from django.db import connection

    connection.close()
    from statements.render import warm_fonts

    warm_fonts()


def _generate(range_ids: list[int]) -> int:
    from unittest import mock

    from common.access import Viewer
    from statements.services.generation import statement_range_generate

    # The e-mail task each range queues after commit: this bench sends them in the next phase.
    with mock.patch("statements.tasks.statement_emails_send.delay"):
        done = 0
        for range_id in range_ids:
            if statement_range_generate(range_id=range_id, actor=Viewer.system()) is not None:
                done += 1
    return done


def _send(_n: int) -> dict:
    from common.access import Viewer
    from common.outbox import outbox_send_due
    from statements.queue import EMAILS

    sent = outbox_send_due(name=EMAILS, actor=Viewer.system())  # until no e-mail is due
    return {"sent": sent.sent, "retry": sent.retry, "failed": sent.failed}


def _render(batch_ids: list[int]) -> int:
    from common.access import Viewer
    from statements.services.delivery import print_batch_render

    pages = 0
    for batch_id in batch_ids:
        pages += print_batch_render(batch_id=batch_id, actor=Viewer.system()).letters
    return pages


def _split(ids: list[int], parts: int) -> list[list[int]]:
    return [ids[i::parts] for i in range(parts)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--quick", action="store_true", help="20,000 persons")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse-seed", action="store_true",
                        help="start from the seeded copy kept by an earlier run of the same size")
    args = parser.parse_args()
    persons = 20_000 if args.quick else args.persons

    seeded = {}
    reused, seconds = support.seeded_copy(DB, lambda _name: seeded.update(seed(persons, args.year)),
                                          key=f"statements {persons} {args.year}", reuse=args.reuse_seed)
    if reused:
        print(f"  copied the seeded database of {persons:,} persons in {seconds:.1f} s", flush=True)
    else:
        print(f"  seeded {persons:,} persons, {seeded['lines']:,} lines, {seeded['entries']:,} entries in "
              f"{seeded['seed_s']} s", flush=True)

    media = tempfile.mkdtemp(prefix="statement-bench-")
    django_start(media)
    from datetime import date

    from django.db import connection

    from common.access import Viewer
    from statements.models import Delivery, PrintBatch, RunRange, Statement
    from statements.render import statement_pdf, warm_fonts
    from statements.services.runs import statement_run_advance, statement_run_start

    params = {"y0": date(args.year, 1, 1), "y11": date(args.year, 12, 1), "year": args.year}

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, params)
            return cursor.fetchone()

    wait = 0 if args.quick else None
    quiet = {"run": support.wait_quiet(max_wait=wait)}
    ctx = multiprocessing.get_context("fork")
    connection.close()
    timings = {}
    with ctx.Pool(WORKERS, initializer=_worker_init, initargs=(media,)) as pool:
        from unittest import mock

        started = time.perf_counter()
        with mock.patch("statements.tasks.statement_run_advance_task.delay"):
            run, _ = statement_run_start(year=args.year, region=None, actor=Viewer.system())
        timings["start_s"] = time.perf_counter() - started
        range_ids = list(RunRange.objects.filter(run=run).values_list("pk", flat=True))
        connection.close()

        t = time.perf_counter()
        pool.map(_generate, _split(range_ids, WORKERS * 8))
        timings["generate_s"] = time.perf_counter() - t

        t = time.perf_counter()
        sent = pool.map(_send, range(WORKERS))
        timings["email_s"] = time.perf_counter() - t

        t = time.perf_counter()
        with mock.patch("statements.tasks.print_batch_render_task.delay"):
            statement_run_advance(run_id=run.pk, actor=Viewer.system())  # builds the print batches
        batch_ids = list(PrintBatch.objects.filter(run=run).values_list("pk", flat=True))
        connection.close()
        pages = sum(pool.map(_render, _split(batch_ids, WORKERS * 4)))
        run = statement_run_advance(run_id=run.pk, actor=Viewer.system())
        timings["print_s"] = time.perf_counter() - t
        total_s = time.perf_counter() - started
        connection.close()

        # The baseline of the snapshot phase, on the same data.
        quiet["snapshot"] = support.wait_quiet(max_wait=wait)
        baseline()  # warm
        t = time.perf_counter()
        base_row = baseline()
        baseline_s = time.perf_counter() - t
        connection.close()

    # The renderer alone: one fixed statement, one process.
    warm_fonts()
    fixed = Statement.objects.filter(channel="email").order_by("pk").values_list("snapshot", flat=True).first()
    statement_pdf(fixed)
    n, t = 300, time.perf_counter()
    for _ in range(n):
        statement_pdf(fixed)
    renderer_rate = n / (time.perf_counter() - t)
    emails = sum(s["sent"] for s in sent)
    pipeline_rate = (emails + pages) / (timings["email_s"] + timings["print_s"]) / WORKERS

    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relname IN "
                       "('statements_statement', 'statements_delivery', 'statements_runrange', "
                       "'statements_printbatch', 'statements_statementevent')")
        table_bytes = int(cursor.fetchone()[0])
    file_bytes = sum(p.stat().st_size for p in Path(media).rglob("*") if p.is_file())
    storage_gb = (table_bytes + file_bytes) / 1e9
    statements = Statement.objects.filter(run=run).count()
    result = {
        "machine": support.machine(), "persons": persons, "year": args.year, "workers": WORKERS,
        "seed": seeded or None, "seed_reused": reused, "cpu_busy_before": quiet,
        "load_average_after": support.load_average(),
        "run_state": run.state, "statements": statements,
        "deliveries": {c: Delivery.objects.filter(statement__run=run, channel=c).count()
                       for c in ("email", "post", "online")},
        "emails_sent": emails, "print_batches": len(batch_ids), "print_pages": pages,
        "phases_s": {k: round(v, 1) for k, v in timings.items()},
        "total_minutes": round(total_s / 60, 2), "statements_per_s": round(statements / total_s, 1),
        "snapshot_phase_s": round(timings["generate_s"], 1), "baseline_s": round(baseline_s, 1),
        "baseline_persons": base_row[0], "snapshot_ratio": round(timings["generate_s"] / baseline_s, 2),
        "renderer_pdfs_per_s": round(renderer_rate, 1), "pipeline_pdfs_per_s_per_process": round(pipeline_rate, 1),
        "pdf_ratio": round(pipeline_rate / renderer_rate, 2),
        "storage": {"tables_gb": round(table_bytes / 1e9, 2), "print_files_gb": round(file_bytes / 1e9, 2),
                    "total_gb": round(storage_gb, 2)},
        "targets": {"total_minutes": TARGET_MINUTES, "snapshot_ratio": TARGET_SNAPSHOT_RATIO,
                    "pdf_ratio": TARGET_PDF_RATIO, "storage_gb": TARGET_STORAGE_GB},
    }
    result["met"] = (result["total_minutes"] < TARGET_MINUTES and result["snapshot_ratio"] <= TARGET_SNAPSHOT_RATIO
                     and result["pdf_ratio"] >= TARGET_PDF_RATIO and storage_gb < TARGET_STORAGE_GB
                     and run.state == "done" and statements == persons)
    support.save("statements" if not args.quick else "statements_quick", result)
    print(json.dumps(result, ensure_ascii=False))
    connection.close()
    shutil.rmtree(media, ignore_errors=True)
    if not args.keep:
        support.db_drop(DB)


if __name__ == "__main__":
    main()
