"""Shared helpers of the benchmark scripts: scratch databases, manage.py runs, machine facts.

The benchmarks use the real local servers: PostgreSQL from BENCH_PG_URL (default: the
server of DATABASE_URL, else postgres://postgres@127.0.0.1:5432) and Redis from
BENCH_REDIS_URL (default redis://127.0.0.1:6379/8). They create and drop their own
scratch databases (agency_bench_*) and never touch the development database.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
RESULTS = ROOT / "bench" / "results"
# Scratch databases: agency_bench_* by default; BENCH_DB_PREFIX keeps two engineers' runs on one server apart.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "agency_bench")
SEED_DB = f"{DB_PREFIX}_seed"  # seeded by seed_bench.py, reused by lookup_bench.py
COPY_DB = f"{DB_PREFIX}_copy"


def server_url() -> str:
    """postgres://user@host:port of the server, without a database name."""
    url = os.environ.get("BENCH_PG_URL") or os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def db_url(name: str) -> str:
    return f"{server_url()}/{name}"


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")


def django_env(db_name: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": db_url(db_name), "REDIS_URL": redis_url(), "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-only-secret-key",
                "DJANGO_BENCHMARK_URLS": "1",
                # The write limiter still runs (its cost is measured) but never answers 429: the load
                # generators and the in-process profiles send more per client than a portal may.
                "API_WRITE_RATE": "1000000/minute",
                # Mail goes nowhere unless a benchmark measures it (statement_bench passes its sink).
                "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
                "CACHE_KEY_PREFIX": f"bench-{db_name}", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
                "DJANGO_SETTINGS_MODULE": "config.settings"})
    env.update(extra)
    return env


def admin_connect() -> psycopg.Connection:
    return psycopg.connect(db_url("postgres"), autocommit=True)


def db_recreate(name: str) -> None:
    with admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def db_drop(name: str) -> None:
    with admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def db_exists(name: str) -> bool:
    with admin_connect() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def manage(db_name: str, *args: str, capture: bool = True) -> tuple[float, str]:
    """Run manage.py against the scratch database; returns (wall-clock seconds, stdout)."""
    started = time.perf_counter()
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=django_env(db_name), text=True,
                            capture_output=capture)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout or ""


def fresh_migrated(name: str) -> float:
    db_recreate(name)
    seconds, _ = manage(name, "migrate", "--noinput")
    return seconds


def seeded_copy(name: str, seed, *, key: str, reuse: bool) -> tuple[bool, float]:
    """Make `name` a migrated database seeded by `seed(name)`, reusing a cached copy when allowed.

    The seeded database is kept as `<name>_seed_cache` with `key` (what was seeded) in its comment;
    with `reuse` and a cache of the same key, `name` is a file copy of it (CREATE DATABASE ..
    TEMPLATE, seconds instead of minutes), migrated to the current code. Returns (reused, seconds).
    """
    cache = f"{name}_seed_cache"
    started = time.perf_counter()
    with admin_connect() as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [cache]).fetchone()
    if reuse and row is not None and row[0] == key:
        db_drop(name)
        with admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{cache}"')
        manage(name, "migrate", "--noinput")
        return True, time.perf_counter() - started
    fresh_migrated(name)
    seed(name)
    db_drop(cache)
    with admin_connect() as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        conn.execute(f'CREATE DATABASE "{cache}" TEMPLATE "{name}"')
        conn.execute(f"COMMENT ON DATABASE \"{cache}\" IS '{key}'")
    return False, time.perf_counter() - started


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    with admin_connect() as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": mem_gib, "postgresql": pg_version,
            "python": platform.python_version(), "kernel": platform.release(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return path


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def cpu_busy(seconds: float = 2.0) -> float:
    """Fraction of all CPUs busy over `seconds` (from /proc/stat)."""
    def sample():
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return idle, sum(fields)
    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_quiet(threshold: float = 0.2, max_wait: float | None = None) -> float:
    """Wait (up to max_wait s) until other work leaves the CPUs mostly idle; returns the busy share seen.

    The machine may be shared (test suites of other sessions): measuring under their load
    would understate the figures, so each measured run starts on a quiet machine if it can.
    """
    if max_wait is None:  # BENCH_QUIET_WAIT: on a machine that stays busy, how long to wait before measuring anyway
        max_wait = float(os.environ.get("BENCH_QUIET_WAIT", "900"))
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    announced = False
    while busy > threshold and time.monotonic() < deadline:
        if not announced:
            print(f"  waiting for a quiet machine (CPUs {busy:.0%} busy)...", flush=True)
            announced = True
        time.sleep(5)
        busy = cpu_busy()
    return round(busy, 3)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)
