"""A 100,000-row declaration end to end over HTTP, against a raw COPY of the same lines.

1. Fresh migrated scratch database (<BENCH_DB_PREFIX>_declare); one region with its 2026 average
   wage; one registered employer with --persons persons on its staff (employments recorded in
   2025), loaded with INSERT .. SELECT. ANALYZE.
2. The employer gets a portal OAuth client; gunicorn serves config.wsgi with ONE sync worker.
3. For each run, a declaration of another month (2026-01, 2026-02, ...): the whole roll as JSON
   (`{"period", "rows": [{"document_number", "wage"}]}`, wages spread so that some rows are
   clamped at the floor and some at the ceiling) is POSTed with an Idempotency-Key; the time is
   measured from the first byte sent to the last byte of the 201 received (request, parsing,
   validation, storage, response). The last run sends the same roll as a CSV upload instead.
4. Peak memory: the worker's VmHWM (/proc/<pid>/status) after the runs, and before the first.
5. Reference, in the same run: the lines the first declaration wrote are read out (COPY TO, not
   timed) and written again with ONE `COPY contributions_contributionline (...) FROM STDIN` into the
   same table, in a transaction that is rolled back (so the append-only table is left as it was).

Targets: HTTP seconds / COPY seconds at most 3x; peak memory under 500 MB.

    python bench/declaration_bench.py [--persons 100000] [--runs 2] [--port 8761] [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_declare"
HOST, DEFAULT_PORT = "127.0.0.1", 8761
TARGET_RATIO = 3.0
TARGET_PEAK_MB = 500
WAIT_QUIET_S = 120
SECRET = "bench-declare-secret"
COLUMNS = ("period, employer_id, person_id, declaration_id, charge_id, wage, base, clamp, pension_employer, "
           "pension_individual, medical_employer, medical_individual, unemployment_employer, "
           "unemployment_individual, work_injury_employer")

CLIENT_SNIPPET = """
import sys
import django; django.setup()
from employers.models import Employer
from common.access import Viewer
from employers.services.clients import employer_client_issue
issued, _ = employer_client_issue(employer=Employer.objects.get(), actor=Viewer.system(), client_secret=sys.argv[1])
print(issued.application.client_id)
"""


def load(persons: int) -> None:
    with support.psycopg.connect(support.db_url(DB), autocommit=True) as conn:
        conn.execute("INSERT INTO agency_region (code, name, province) VALUES ('310101', 'Bench', 'Shanghai')")
        conn.execute("INSERT INTO agency_averagewage (region_id, year, monthly_wage, floor_percent, ceiling_percent, "
                     "effective_from, created_at) SELECT id, 2026, 12000, 60, 300, '2026-01-01', now() "
                     "FROM agency_region")
        conn.execute("""
            INSERT INTO employers_employer (uscc, uscc_override_reason, name, kind, region_id, established_on,
                   registration_status, registration_number, registered_on, risk_class, risk_float_percent,
                   contact_name, contact_phone, contact_email, address, created_at)
            SELECT '91310101MA1FL00001', '', 'Bench employer', 'enterprise', r.id, '2010-01-01', 'registered',
                   'B1', '2010-01-20', 3, 120, '', '', '', '', now() FROM agency_region r""")
        conn.execute("""
            INSERT INTO insured_insuredperson (document_type, document_number, name, sex, birth_date, nationality,
                   region_id, hukou_region_code, hukou_type, phone, email, postal_address, statement_delivery,
                   created_at)
            SELECT 'resident_id', '3101011990' || lpad(g::text, 8, '0'), 'P' || g, 'M', '1990-01-01', 'CHN', r.id,
                   '', 'urban', '', '', '', 'online', now()
              FROM agency_region r, generate_series(1, %s) g""", [persons])
        conn.execute("""
            INSERT INTO insured_employment (person_id, employer_id, start_date, monthly_wage, enrolled_late,
                   created_at)
            SELECT p.id, e.id, '2025-06-01', 9000, false, '2025-06-01 09:00+08' FROM insured_insuredperson p,
                   employers_employer e""")
        conn.execute("ANALYZE")


def roll(persons: int) -> list[tuple[str, str]]:
    # floor 7200.00, ceiling 36000.00: about 1 in 12 rows below the floor, 1 in 12 above the ceiling
    return [(f"3101011990{g:08d}", f"{5000 + (g * 389) % 36000}.{g % 100:02d}") for g in range(1, persons + 1)]


def post(url: str, token: str, body: bytes, content_type: str) -> tuple[float, int, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": content_type, "Idempotency-Key": str(uuid.uuid4())})
    t0 = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = response.read()
        status = response.status
    return time.perf_counter() - t0, status, json.loads(answer)


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def copy_reference(declaration_id: int) -> tuple[float, int]:
    """The same lines again with one COPY, in a transaction rolled back."""
    with support.psycopg.connect(support.db_url(DB)) as conn:
        data = bytearray()
        with conn.cursor().copy(f"COPY (SELECT {COLUMNS} FROM contributions_contributionline "
                                f"WHERE declaration_id = {int(declaration_id)}) TO STDOUT") as copy:
            for chunk in copy:
                data += chunk
        conn.rollback()
        t0 = time.perf_counter()
        with conn.cursor() as cursor:
            with cursor.copy(f"COPY contributions_contributionline ({COLUMNS}) FROM STDIN") as copy:
                copy.write(bytes(data))
            rows = cursor.rowcount
        elapsed = time.perf_counter() - t0
        conn.rollback()
    return elapsed, rows


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2, help="JSON runs (one CSV run follows)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--quick", action="store_true", help="10,000 persons, one JSON run")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.persons, args.runs = 10_000, 1
    print(f"declaration_bench: {args.persons:,} persons on one employer's staff", flush=True)
    support.fresh_migrated(DB)
    t0 = time.perf_counter()
    load(args.persons)
    load_s = time.perf_counter() - t0
    env = support.django_env(DB)
    client_id = subprocess.run([support.PYTHON, "-c", CLIENT_SNIPPET, SECRET], cwd=support.ROOT, env=env,
                               capture_output=True, text=True, check=True).stdout.strip()
    rows = roll(args.persons)
    base = f"http://{HOST}:{args.port}"
    server = subprocess.Popen(
        [str(Path(support.PYTHON).parent / "gunicorn"), "config.wsgi", "--bind", f"{HOST}:{args.port}",
         "--workers", "1", "--timeout", "600", "--log-level", "warning"],
        cwd=support.ROOT, env=env, start_new_session=True)
    runs, answers = [], []
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"{base}/bench/constant", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not come up")
        data = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                       "client_secret": SECRET, "scope": "read write"}).encode()
        with urllib.request.urlopen(urllib.request.Request(f"{base}/o/token/", data=data), timeout=30) as response:
            token = json.loads(response.read())["access_token"]
        worker = worker_pid(server.pid)
        warm = urllib.request.Request(f"{base}/api/v1/employer/declarations", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(warm, timeout=30) as response:  # the worker's first request loads the views
            response.read()
        peak_before = vm_hwm_mb(worker)
        for run in range(args.runs + 1):
            period = f"2026-{run + 1:02d}"
            if run < args.runs:
                kind = "json"
                body = json.dumps({"period": period, "rows": [{"document_number": d, "wage": w} for d, w in rows]},
                                  separators=(",", ":")).encode()
                content_type = "application/json"
            else:
                kind = "csv"
                boundary = uuid.uuid4().hex
                csv = ("\ufeffdocument_number,wage\r\n" + "".join(f"{d},{w}\r\n" for d, w in rows)).encode()
                body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"period\"\r\n\r\n{period}\r\n"
                        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"roll.csv\"\r\n"
                        f"Content-Type: text/csv\r\n\r\n").encode() + csv + f"\r\n--{boundary}--\r\n".encode()
                content_type = f"multipart/form-data; boundary={boundary}"
            quiet = support.wait_quiet(max_wait=5 if args.quick else WAIT_QUIET_S)
            seconds, status, answer = post(f"{base}/api/v1/employer/declarations", token, body, content_type)
            assert status == 201 and answer["rows"] == args.persons, (status, answer.get("rows"))
            runs.append({"kind": kind, "period": period, "body_mb": round(len(body) / 1e6, 2),
                         "seconds": round(seconds, 3), "clamped": len(answer["clamped"]),
                         "cpu_busy_before": quiet})
            answers.append(answer)
            print(f"  {kind} {period}: {seconds:.2f} s, {len(body) / 1e6:.1f} MB, "
                  f"{len(answer['clamped'])} clamped", flush=True)
        peak = vm_hwm_mb(worker)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    copies = []
    for n in range(3):
        support.wait_quiet(max_wait=5 if args.quick or n else WAIT_QUIET_S)
        elapsed, copied = copy_reference(answers[0]["id"])
        assert copied == args.persons, copied
        copies.append(round(elapsed, 3))
    json_seconds = statistics.median(r["seconds"] for r in runs if r["kind"] == "json")
    copy_seconds = statistics.median(copies)
    result = {
        "persons": args.persons, "load_s": round(load_s, 1), "runs": runs, "json_s": json_seconds,
        "csv_s": next(r["seconds"] for r in runs if r["kind"] == "csv"), "copy_runs_s": copies,
        "copy_s": copy_seconds, "ratio": round(json_seconds / copy_seconds, 2), "target_ratio": TARGET_RATIO,
        "worker_peak_mb": peak, "worker_peak_before_mb": peak_before, "target_peak_mb": TARGET_PEAK_MB,
        "meets_target": json_seconds / copy_seconds <= TARGET_RATIO and peak < TARGET_PEAK_MB,
        "gunicorn": "1 sync worker", "load_average_after": support.load_average(), "machine": support.machine(),
        "command": "python bench/declaration_bench.py " + " ".join(sys.argv[1:]),
    }
    support.save("declaration_quick" if args.quick else "declaration", result)
    print(f"  JSON {json_seconds} s, COPY {copy_seconds} s: ratio {result['ratio']} (target <= {TARGET_RATIO}); "
          f"worker peak {peak} MB (target < {TARGET_PEAK_MB})", flush=True)
    if not args.keep:
        support.db_drop(DB)
    return result


if __name__ == "__main__":
    main()
