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


# --- one employer declaring over HTTP (declaration_bench.py, upload_bench.py) ------------------------

DECLARING_SEED = """
import datetime, decimal
import django; django.setup()
from agency.models import AverageWage, Region
from employers.models import Employer
from insured.models import StaffingTerms
region = Region.objects.create(code="310101", name="Bench", province="Shanghai")
StaffingTerms.objects.create(region=region, reduction_needs_confirmation=True)
AverageWage.objects.create(region=region, year=2026, monthly_wage=decimal.Decimal("12000"),
                           effective_from=datetime.date(2026, 1, 1))
Employer.objects.create(uscc="91310101MA1FL00001", name="Bench employer", kind="enterprise", region=region,
                        established_on=datetime.date(2010, 1, 1), registration_status="registered",
                        registration_number="B1", registered_on=datetime.date(2010, 1, 20), risk_class=3,
                        risk_float_percent=decimal.Decimal("120"))
"""

PORTAL_CLIENT = """
import sys
import django; django.setup()
from employers.models import Employer
from common.access import Viewer
from employers.services.clients import employer_client_issue
issued, _ = employer_client_issue(employer=Employer.objects.get(), actor=Viewer.system(), client_secret=sys.argv[1])
print(issued.application.client_id)
"""


def declaring_world_load(db_name: str, persons: int) -> None:
    """One region with its 2026 average wage and one registered employer, made through the models (so
    that columns added later take their defaults), with `persons` persons on its staff since 2025-06,
    loaded with INSERT .. SELECT; ANALYZE."""
    subprocess.run([PYTHON, "-c", DECLARING_SEED], cwd=ROOT, env=django_env(db_name), check=True)
    with psycopg.connect(db_url(db_name), autocommit=True) as conn:
        conn.execute("""
            INSERT INTO insured_insuredperson (document_type, document_number, name, sex, birth_date, nationality,
                   region_id, hukou_region_code, hukou_type, phone, email, postal_address, statement_delivery,
                   original_retirement_age, created_at)
            SELECT 'resident_id', '3101011990' || lpad(g::text, 8, '0'), 'P' || g, 'M', '1990-01-01', 'CHN', r.id,
                   '', 'urban', '', '', '', 'online', '', now()
              FROM agency_region r, generate_series(1, %s) g""", [persons])
        conn.execute("""
            INSERT INTO insured_employment (person_id, employer_id, start_date, monthly_wage, enrolled_late,
                   created_at)
            SELECT p.id, e.id, '2025-06-01', 9000, false, '2025-06-01 09:00+08' FROM insured_insuredperson p,
                   employers_employer e""")
        conn.execute("ANALYZE")


def declaring_roll(persons: int) -> list[tuple[str, str]]:
    """The staff's document numbers with wages; floor 7200.00, ceiling 36000.00: about 1 row in 12 below
    the floor, 1 in 12 above the ceiling."""
    return [(f"3101011990{g:08d}", f"{5000 + (g * 389) % 36000}.{g % 100:02d}") for g in range(1, persons + 1)]


def portal_client_issue(db_name: str, secret: str) -> str:
    """A portal OAuth client of the employer, issued through the service; its client_id."""
    return subprocess.run([PYTHON, "-c", PORTAL_CLIENT, secret], cwd=ROOT, env=django_env(db_name),
                          capture_output=True, text=True, check=True).stdout.strip()


class Gunicorn:
    """config.wsgi served by gunicorn for as long as the `with` block runs (or between start() and
    stop()): the one harness of every HTTP benchmark. `workers=1, threads=1` is ONE sync worker (whose
    memory high-water mark worker_peak_mb() reads); `threads > 1` is gthread workers with keep-alive,
    as the load benchmarks (wrk) use. Also a portal token and a warm-up request."""

    def __init__(self, env: dict[str, str], port: int, host: str = "127.0.0.1", *, workers: int = 1,
                 threads: int = 1, timeout: int = 600, wait_s: float = 30.0):
        self.env, self.base = env, f"http://{host}:{port}"
        self.bind = f"{host}:{port}"
        self.workers, self.threads, self.timeout, self.wait_s = workers, threads, timeout, wait_s
        self.server: subprocess.Popen | None = None

    def describe(self) -> str:
        if self.threads > 1:
            return f"{self.workers} workers x {self.threads} threads (gthread)"
        return f"{self.workers} sync worker{'s' if self.workers > 1 else ''}"

    def start(self) -> Gunicorn:
        import urllib.request

        cmd = [str(Path(PYTHON).parent / "gunicorn"), "config.wsgi", "--bind", self.bind,
               "--workers", str(self.workers), "--timeout", str(self.timeout), "--log-level", "warning"]
        if self.threads > 1:
            cmd += ["--worker-class", "gthread", "--threads", str(self.threads), "--keep-alive", "5"]
        self.server = subprocess.Popen(cmd, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + self.wait_s
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.base}/bench/constant", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not come up")

    def stop(self) -> None:
        import signal

        if self.server is None:
            return
        if self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
        self.server.wait(timeout=30)
        self.server = None

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def token(self, client_id: str, secret: str) -> str:
        import urllib.parse
        import urllib.request

        data = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                       "client_secret": secret, "scope": "read write"}).encode()
        with urllib.request.urlopen(urllib.request.Request(f"{self.base}/o/token/", data=data),
                                    timeout=30) as response:
            return json.loads(response.read())["access_token"]

    def warm(self, token: str, path: str = "/api/v1/employer/declarations") -> None:
        """The worker's first request loads the views: made before anything is measured."""
        import urllib.request

        request = urllib.request.Request(f"{self.base}{path}", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def worker_peak_mb(self) -> float:
        """The worker's VmHWM (/proc/<pid>/status) in MB."""
        worker = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()[0]
        for line in Path(f"/proc/{worker}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
        return 0.0


def declaration_multipart(period: str, csv: bytes) -> tuple[bytes, str]:
    """A declaration's CSV upload: the multipart body and its content type."""
    import uuid

    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"period\"\r\n\r\n{period}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"roll.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + csv + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def declaration_post(base: str, token: str, body: bytes, content_type: str) -> tuple[float, int, dict]:
    """POST a declaration with an Idempotency-Key: (seconds from the first byte sent to the last byte
    received, status, answer). A body refused while it was being sent (gunicorn answers 413 and closes)
    is reported as 413."""
    import urllib.error
    import urllib.request
    import uuid

    request = urllib.request.Request(f"{base}/api/v1/employer/declarations", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": content_type, "Idempotency-Key": str(uuid.uuid4())})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, answer = err.code, err.read()
    except (ConnectionResetError, BrokenPipeError, urllib.error.URLError) as err:
        if isinstance(err, urllib.error.URLError) and not isinstance(err.reason, (BrokenPipeError,
                                                                                  ConnectionResetError)):
            raise
        return time.perf_counter() - t0, 413, {"note": "answered and closed while the body was being sent"}
    return time.perf_counter() - t0, status, json.loads(answer or b"{}")
