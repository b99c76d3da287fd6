"""Scale-out (issue 29 item 3): the statement run and the interest run with 1, 2 and 4 Celery workers.

What production deploys (docker-compose.yml `worker`): `celery -A config worker`. Here each worker is
a real Celery worker process started with `--concurrency 1` (prefork: one parent, one child that runs
the tasks), all against the same PostgreSQL database and the same Redis broker. The bench process
plays the beat: it starts the run the way the yearly task does and, once a second, calls the periodic
check that finishes a run (the beat's `statement_runs_check` does this every few minutes in
production; the bench does it at once so the wall time is the work's, not the schedule's).

For each worker count, from the same seeded copy (support.seeded_copy; a fresh copy per trial):

1. Statements (the database of statement_bench.py: every person with 12 months of lines and an
   account; 30% e-mail, 20% post, 50% online): `statement_run_start` queues the run's advance; the
   workers generate the ranges (1,000 persons a task, SKIP LOCKED), send the e-mails (each renders its
   PDF; the mail backend serialises and drops it: bench/mail_sink.py), build the print batches and
   render them. Timed from the start to the run's state `done`.
2. Interest (the database of interest_bench.py: every account with 13 credits):
   `interest_run_start`, then one `accounts.tasks.interest_run_work` task per worker (each is safe to
   run beside the others: they take turns on the run's row). Timed to the run's state `done`.

Reported per trial: wall seconds, persons per second, the workers' CPU seconds (parents and children,
from /proc), the CPU seconds of the database backends serving this database (sampled twice a second
from pg_stat_activity and /proc: the backends live as long as a worker's connection), the machine's
busy share over the trial, and the load average. After each trial the bench proves that nobody was
done twice: one statement per person, one open delivery per statement, every e-mail sent once, every
letter in one batch; one interest entry per account and year, and the run's total equal to the one
SELECT's figures (accounts.services.interest.INTEREST_FIGURES_SQL).

Prints one JSON line; also saved as bench/results/scale.json.

    python bench/scale_bench.py [--persons 1000000] [--interest-persons N] [--workers 1,2,4]
                                [--jobs statements,interest] [--reuse-seed] [--keep]

The worker counts run one after another, each alone on the machine (4 workers on a 2-core machine
cannot run 4x: see BENCHMARKS.md "Scale-out" for the projection from CPU seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import interest_bench  # noqa: E402
import psutil  # noqa: E402
import statement_bench  # noqa: E402
import support  # noqa: E402

STATEMENTS_DB, INTEREST_DB = statement_bench.DB, interest_bench.DB
POLL_S = 0.5
TRIAL_TIMEOUT_S = float(os.environ.get("SCALE_TRIAL_TIMEOUT", 6 * 3600))


def broker_url() -> str:
    """This bench's Redis database: BENCH_REDIS_URL, else the caller's REDIS_URL (the wrapper's own)."""
    return os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or support.redis_url()


def worker_env(db: str, media: str) -> dict[str, str]:
    env = support.django_env(db, EMAIL_BACKEND="mail_sink.EmailBackend", MEDIA_ROOT=media, REDIS_URL=broker_url())
    env["PYTHONPATH"] = os.pathsep.join([str(support.ROOT), str(support.ROOT / "bench")])
    return env


class Workers:
    """N Celery workers, `--concurrency 1` each, in their own process groups (stopped by group)."""

    def __init__(self, n: int, env: dict[str, str], log_dir: str):
        self.n, self.env, self.log_dir, self.procs = n, env, log_dir, []

    def start(self) -> Workers:
        for i in range(self.n):
            log = open(Path(self.log_dir) / f"worker{i}.log", "w")  # noqa: SIM115 (closed in stop)
            self.procs.append((subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1", "-P", "prefork",
                 "-n", f"scale{i}-{os.getpid()}@%h", "-l", "warning", "--without-gossip", "--without-mingle",
                 "--without-heartbeat"],
                cwd=support.ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True), log))
        from config.celery import app

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0) or []
            if sum(1 for reply in replies for name in reply if f"-{os.getpid()}@" in name) >= self.n:
                return self
            for proc, _log in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a worker exited: see {self.log_dir}")
        raise RuntimeError(f"workers not ready in 120 s: see {self.log_dir}")

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc, _log in self.procs:
            try:
                parent = psutil.Process(proc.pid)
                for p in [parent, *parent.children(recursive=True)]:
                    t = p.cpu_times()
                    total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        for proc, _log in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, log in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            log.close()
        self.procs = []


class DatabaseCpu:
    """CPU seconds of the backends connected to one database, sampled from /proc (same machine)."""

    def __init__(self, db: str):
        self.db, self.start, self.last = db, {}, {}

    def sample(self, conn) -> None:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
                                           "pg_backend_pid()", [self.db]).fetchall()]
        for pid in pids:
            try:
                t = psutil.Process(pid).cpu_times()
            except psutil.NoSuchProcess:
                continue
            self.start.setdefault(pid, t.user + t.system)
            self.last[pid] = t.user + t.system

    def seconds(self) -> float:
        return sum(self.last[pid] - self.start[pid] for pid in self.last)


def machine_busy() -> tuple[float, float]:
    fields = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields), idle


def redis_flush() -> None:
    import redis

    redis.Redis.from_url(broker_url()).flushdb()


def use_database(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def trial(job: str, workers: int, persons: int, year: int, media: str) -> dict:
    """One run of `job` with `workers` Celery workers on a fresh copy of the seeded database."""
    import psycopg

    db = STATEMENTS_DB if job == "statements" else INTEREST_DB
    redis_flush()
    use_database(db)
    log_dir = tempfile.mkdtemp(prefix=f"scale-{job}-{workers}-")
    pool = Workers(workers, worker_env(db, media), log_dir).start()
    dbcpu = DatabaseCpu(db)
    try:
        with psycopg.connect(support.db_url(db), autocommit=True) as watch:
            from django.db import connection

            from common.access import Viewer

            load_before = support.load_average()
            busy0 = machine_busy()
            cpu0 = pool.cpu_seconds()
            dbcpu.sample(watch)
            started = time.perf_counter()
            if job == "statements":
                from statements.models import RunState, StatementRun
                from statements.services.runs import statement_run_advance, statement_run_start

                run, _ = statement_run_start(year=year, region=None, actor=Viewer.system())
                done = lambda: StatementRun.objects.get(pk=run.pk).state == RunState.DONE  # noqa: E731

                def beat():  # the periodic check: finish the run once nothing waits (a no-op before)
                    if _statements_idle(watch, run.pk):
                        statement_run_advance(run_id=run.pk, actor=Viewer.system())
            else:
                from accounts.models import InterestRun, RunState
                from accounts.services.interest import interest_run_start
                from accounts.tasks import interest_run_work

                run = interest_run_start(year=year, actor=Viewer.system())
                for _ in range(workers):
                    interest_run_work.delay(run.pk)
                done = lambda: InterestRun.objects.get(pk=run.pk).state == RunState.DONE  # noqa: E731
                beat = lambda: None  # noqa: E731
            connection.close()
            while not done():
                if time.perf_counter() - started > TRIAL_TIMEOUT_S:
                    raise RuntimeError(f"{job} with {workers} workers not done in {TRIAL_TIMEOUT_S} s")
                dbcpu.sample(watch)
                beat()
                time.sleep(POLL_S)
            wall = time.perf_counter() - started
            dbcpu.sample(watch)
            cpu1 = pool.cpu_seconds()
            busy1 = machine_busy()
            total, idle = busy1[0] - busy0[0], busy1[1] - busy0[1]
            result = {"workers": workers, "wall_s": round(wall, 2), "persons_per_s": round(persons / wall, 1),
                      "worker_cpu_s": round(cpu1 - cpu0, 2), "db_cpu_s": round(dbcpu.seconds(), 2),
                      "machine_busy": round(1 - idle / total, 2) if total else None,
                      "load_average_before": load_before, "load_average_after": support.load_average()}
            result["checks"] = (_statements_checks(watch, run.pk, persons) if job == "statements"
                                else _interest_checks(watch, year))
            return result
    finally:
        pool.stop()
        from django.db import connection

        connection.close()
        shutil.rmtree(log_dir, ignore_errors=True)


def _statements_idle(conn, run_id: int) -> bool:
    """Every range generated, no e-mail waiting or being sent, every print batch rendered."""
    return conn.execute("""
        SELECT NOT EXISTS (SELECT 1 FROM statements_runrange WHERE run_id = %(run)s AND state = 'pending')
           AND NOT EXISTS (SELECT 1 FROM statements_delivery d JOIN statements_statement s ON s.id = d.statement_id
                           WHERE s.run_id = %(run)s AND d.channel = 'email' AND d.state IN ('pending', 'sending'))
           AND EXISTS (SELECT 1 FROM statements_printbatch WHERE run_id = %(run)s)
           AND NOT EXISTS (SELECT 1 FROM statements_printbatch WHERE run_id = %(run)s AND pdf_bytes = 0)""",
                        {"run": run_id}).fetchone()[0]


def _statements_checks(conn, run_id: int, persons: int) -> dict:
    statements, people = conn.execute(
        "SELECT count(*), count(DISTINCT person_id) FROM statements_statement WHERE run_id = %s", [run_id]).fetchone()
    deliveries, delivered = conn.execute(
        "SELECT count(*), count(DISTINCT d.statement_id) FROM statements_delivery d "
        "JOIN statements_statement s ON s.id = d.statement_id WHERE s.run_id = %s", [run_id]).fetchone()
    emails = dict(conn.execute(
        "SELECT d.state, count(*) FROM statements_delivery d JOIN statements_statement s ON s.id = d.statement_id "
        "WHERE s.run_id = %s AND d.channel = 'email' GROUP BY d.state", [run_id]).fetchall())
    letters, lettered, batch_letters = conn.execute(
        "SELECT count(*), count(DISTINCT d.statement_id), (SELECT coalesce(sum(letters), 0) FROM statements_printbatch "
        "WHERE run_id = %(run)s) FROM statements_delivery d JOIN statements_printbatch b ON b.id = d.batch_id "
        "WHERE b.run_id = %(run)s", {"run": run_id}).fetchone()
    post = conn.execute(
        "SELECT count(*) FROM statements_delivery d JOIN statements_statement s ON s.id = d.statement_id "
        "WHERE s.run_id = %s AND d.channel = 'post'", [run_id]).fetchone()[0]
    checks = {"statements": statements, "persons_with_a_statement": people, "deliveries": deliveries,
              "statements_delivered": delivered, "emails_by_state": emails, "letters_in_batches": letters,
              "statements_in_batches": lettered, "batch_letters_sum": int(batch_letters), "post_deliveries": post}
    checks["nobody_twice"] = (statements == people == persons and deliveries == delivered == persons
                              and set(emails) == {"sent"} and letters == lettered == batch_letters == post)
    return checks


def _interest_checks(conn, year: int) -> dict:
    entries, accounts, total = conn.execute(
        "SELECT count(*), count(DISTINCT account_id), coalesce(sum(amount), 0) FROM accounts_accountentry "
        "WHERE kind = 'interest' AND interest_year = %s", [year]).fetchone()
    run = conn.execute("SELECT accounts_credited, interest_total, state FROM accounts_interestrun WHERE year = %s",
                       [year]).fetchone()
    return {"interest_entries": entries, "accounts_with_interest": accounts, "entries_total": str(total),
            "run_accounts_credited": run[0], "run_total": str(run[1]), "run_state": run[2]}


def interest_baseline(persons: int, year: int, reuse: bool) -> tuple[int, str]:
    """The one SELECT's count and total on the seeded data (what every trial must credit, to the fen)."""
    from datetime import date

    from django.db import connection

    from accounts.services.interest import INTEREST_FIGURES_SQL
    from agency.models import InterestRate

    use_database(INTEREST_DB)
    percent = InterestRate.objects.filter(year=year).order_by("-effective_from").first().percent
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), coalesce(sum(round), 0) FROM ({INTEREST_FIGURES_SQL}) f",
                       {"percent": percent, "y0": date(year, 1, 1), "y1": date(year + 1, 1, 1), "year": year})
        count, total = cursor.fetchone()
    connection.close()
    return count, str(total)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000, help="persons of the statement run")
    parser.add_argument("--interest-persons", type=int, default=None, help="accounts of the interest run "
                        "(default: --persons)")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--jobs", default="statements,interest")
    parser.add_argument("--statement-year", type=int, default=2025)
    parser.add_argument("--interest-year", type=int, default=2024)
    parser.add_argument("--reuse-seed", action="store_true",
                        help="start from the seeded copies kept by an earlier run of the same size")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--seed-only", action="store_true", help="make the seeded copies and stop (then --reuse-seed)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    jobs = args.jobs.split(",")
    sizes = {"statements": args.persons, "interest": args.interest_persons or args.persons}
    years = {"statements": args.statement_year, "interest": args.interest_year}

    def fresh_copy(job: str, reuse: bool) -> tuple[bool, float]:
        n, year = sizes[job], years[job]
        if job == "statements":
            return support.seeded_copy(STATEMENTS_DB, lambda _name: statement_bench.seed(n, year),
                                       key=f"statements {n} {year}", reuse=reuse)
        return support.seeded_copy(INTEREST_DB, lambda _name: interest_bench.seed(n, year),
                                   key=f"interest {n} {year}", reuse=reuse)

    for job in jobs:  # seed (or find the cached seed) before Django starts in this process
        reused, seconds = fresh_copy(job, args.reuse_seed)
        if reused:  # the copy was migrated to this code: so is the cache now, and later copies need no migrate
            db = STATEMENTS_DB if job == "statements" else INTEREST_DB
            cache = f"{db}_seed_cache"
            with support.admin_connect() as conn:
                key = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                   "WHERE datname = %s", [cache]).fetchone()[0]
            support.db_drop(cache)
            with support.admin_connect() as conn:
                conn.execute(f'CREATE DATABASE "{cache}" TEMPLATE "{db}"')
                conn.execute(f"COMMENT ON DATABASE \"{cache}\" IS '{key}'")
        print(f"  {job}: {'copied' if reused else 'seeded'} {sizes[job]:,} persons in {seconds:.1f} s", flush=True)
    if args.seed_only:
        return

    media = tempfile.mkdtemp(prefix="scale-bench-")
    os.environ.update(support.django_env(STATEMENTS_DB, EMAIL_BACKEND="mail_sink.EmailBackend", MEDIA_ROOT=media,
                                         REDIS_URL=broker_url()))
    import django

    django.setup()

    results: dict[str, list[dict]] = {}
    baseline = interest_baseline(sizes["interest"], years["interest"], True) if "interest" in jobs else None
    try:
        for job in jobs:
            results[job] = []
            for i, n in enumerate(counts):
                if i > 0:  # a file copy of the cache, which is at this code's schema (main refreshed it)
                    db = STATEMENTS_DB if job == "statements" else INTEREST_DB
                    support.db_drop(db)
                    with support.admin_connect() as conn:
                        conn.execute(f'CREATE DATABASE "{db}" TEMPLATE "{db}_seed_cache"')
                print(f"  {job}: {n} worker(s) ...", flush=True)
                row = trial(job, n, sizes[job], years[job], media)
                if job == "interest":
                    c = row["checks"]
                    c["baseline_accounts"], c["baseline_total"] = baseline
                    c["nobody_twice"] = (c["interest_entries"] == c["accounts_with_interest"]
                                         == c["run_accounts_credited"] == baseline[0]
                                         and c["entries_total"] == c["run_total"] == baseline[1]
                                         and c["run_state"] == "done")
                print(f"    {row['wall_s']} s, {row['persons_per_s']}/s, workers {row['worker_cpu_s']} CPU s, "
                      f"database {row['db_cpu_s']} CPU s, busy {row['machine_busy']}, nobody twice: "
                      f"{row['checks']['nobody_twice']}", flush=True)
                results[job].append(row)
    finally:
        shutil.rmtree(media, ignore_errors=True)
        if not args.keep:
            for db in {STATEMENTS_DB: "statements", INTEREST_DB: "interest"}:
                support.db_drop(db)

    for job, rows in results.items():
        one = rows[0]
        for row in rows:
            row["speedup"] = round(one["wall_s"] / row["wall_s"], 2)
            row["per_person_ms"] = {"worker_cpu": round(1000 * row["worker_cpu_s"] / sizes[job], 3),
                                    "db_cpu": round(1000 * row["db_cpu_s"] / sizes[job], 3)}
    result = {"machine": support.machine(), "deployment": "celery worker --concurrency 1, one process each",
              "sizes": sizes, "years": years, "results": results,
              "nobody_twice": all(r["checks"]["nobody_twice"] for rows in results.values() for r in rows)}
    support.save("scale", result)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
