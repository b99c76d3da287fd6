"""Peak worker memory for the largest declaration bodies the limits admit, and for what they refuse.

1. Fresh migrated scratch database (<BENCH_DB_PREFIX>_upload); one region with its 2026 average
   wage; one registered employer with --persons persons on its staff (declaration_bench's loader).
2. Each case runs in a NEW gunicorn (config.wsgi, ONE sync worker), so the worker's high-water mark
   (VmHWM, /proc/<pid>/status) belongs to that case alone: measured after one warm-up GET, and
   after the case's POST.
   - csv_at_limit: the whole roll as a CSV upload padded (a longer name column, which is ignored)
     to just under DECLARATION_CSV_MAX_BYTES: the largest CSV admitted; answered 201.
   - csv_too_many_rows: a file of DECLARATION_CSV_MAX_BYTES of short rows (more than
     DECLARATION_MAX_ROWS): refused 400 `too_many` at the first row past the limit.
   - csv_50mb: the probe's 50 MB CSV: refused 413 from its Content-Length.
   - json_at_limit: the whole roll as JSON padded with spaces to just under
     DECLARATION_JSON_MAX_BYTES: the largest JSON admitted; answered 201.

Target: every case keeps the worker under 300 MB.

    python bench/upload_bench.py [--persons 100000] [--port 8762] [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import declaration_bench as declare  # noqa: E402
import support  # noqa: E402

DB = f"{support.DB_PREFIX}_upload"
HOST, DEFAULT_PORT = "127.0.0.1", 8762
TARGET_PEAK_MB = 300
SECRET = "bench-upload-secret"
MIB = 1024 * 1024


SEED_SNIPPET = """
import datetime, decimal
import django; django.setup()
from agency.models import AverageWage, Region
from employers.models import Employer
region = Region.objects.create(code="310101", name="Bench", province="Shanghai")
AverageWage.objects.create(region=region, year=2026, monthly_wage=decimal.Decimal("12000"),
                           effective_from=datetime.date(2026, 1, 1))
Employer.objects.create(uscc="91310101MA1FL00001", name="Bench employer", kind="enterprise", region=region,
                        established_on=datetime.date(2010, 1, 1), registration_status="registered",
                        registration_number="B1", registered_on=datetime.date(2010, 1, 20), risk_class=3,
                        risk_float_percent=decimal.Decimal("120"))
"""


def load(env, persons: int) -> None:
    """declaration_bench's world (its staff and their employments), the region and employer made
    through the models so that their newer columns take their defaults."""
    subprocess.run([support.PYTHON, "-c", SEED_SNIPPET], cwd=support.ROOT, env=env, check=True)
    with support.psycopg.connect(support.db_url(DB), autocommit=True) as conn:
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


def multipart(period: str, csv: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"period\"\r\n\r\n{period}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"roll.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + csv + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def csv_padded(rows: list[tuple[str, str]], size: int) -> bytes:
    """The roll with a name column padded so that the file is just under `size` bytes."""
    plain = sum(len(d) + len(w) + 4 for d, w in rows) + 30
    pad = max((size - plain) // len(rows) - 1, 1)
    text = "document_number,wage,name\r\n" + "".join(f"{d},{w},{'N' * pad}\r\n" for d, w in rows)
    data = text.encode()
    assert len(data) <= size, (len(data), size)
    return data


def csv_many_rows(document: str, size: int) -> bytes:
    line = f"{document},8000.00\n".encode()
    header = b"document_number,wage\n"
    return header + line * ((size - len(header)) // len(line))


def json_padded(period: str, rows: list[tuple[str, str]], size: int) -> bytes:
    body = json.dumps({"period": period, "rows": [{"document_number": d, "wage": w} for d, w in rows]},
                      separators=(",", ":")).encode()
    assert len(body) < size, (len(body), size)
    return body[:-1] + b" " * (size - len(body) - 1) + b"}"


def send(url: str, token: str, body: bytes, content_type: str) -> tuple[float, int, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": content_type, "Idempotency-Key": str(uuid.uuid4())})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, answer = err.code, err.read()
    except (ConnectionResetError, BrokenPipeError, urllib.error.URLError) as err:
        # gunicorn answered 413 and closed before the client had sent the whole body
        if isinstance(err, urllib.error.URLError) and not isinstance(err.reason, (BrokenPipeError,
                                                                                  ConnectionResetError)):
            raise
        return time.perf_counter() - t0, 413, {"note": "answered and closed while the body was being sent"}
    return time.perf_counter() - t0, status, json.loads(answer or b"{}")


def one_case(env, port: int, client_id: str, body: bytes, content_type: str) -> dict:
    base = f"http://{HOST}:{port}"
    server = subprocess.Popen(
        [str(Path(support.PYTHON).parent / "gunicorn"), "config.wsgi", "--bind", f"{HOST}:{port}",
         "--workers", "1", "--timeout", "600", "--log-level", "warning"],
        cwd=support.ROOT, env=env, start_new_session=True)
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
        worker = declare.worker_pid(server.pid)
        warm = urllib.request.Request(f"{base}/api/v1/employer/declarations",
                                      headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(warm, timeout=30) as response:
            response.read()
        before = declare.vm_hwm_mb(worker)
        seconds, status, answer = send(f"{base}/api/v1/employer/declarations", token, body, content_type)
        peak = declare.vm_hwm_mb(worker)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    codes = sorted({e.get("code") for e in answer.get("errors", [])}) if isinstance(answer, dict) else []
    return {"status": status, "seconds": round(seconds, 3), "body_mb": round(len(body) / MIB, 2),
            "peak_before_mb": before, "peak_mb": peak, "codes": codes, "rows": answer.get("rows")}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--quick", action="store_true", help="10,000 persons")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.persons = 10_000
    env = support.django_env(DB)
    code = "import django; django.setup(); from django.conf import settings as s; " \
           "print(s.DECLARATION_CSV_MAX_BYTES, s.DECLARATION_JSON_MAX_BYTES, s.DECLARATION_MAX_ROWS)"
    support.fresh_migrated(DB)
    limits = subprocess.run([support.PYTHON, "-c", code], cwd=support.ROOT, env=env, capture_output=True, text=True,
                            check=True).stdout.split()
    csv_limit, json_limit, max_rows = (int(x) for x in limits)
    print(f"upload_bench: {args.persons:,} persons; CSV limit {csv_limit:,} B, JSON limit {json_limit:,} B, "
          f"{max_rows:,} rows", flush=True)
    load(env, args.persons)
    client_id = subprocess.run([support.PYTHON, "-c", declare.CLIENT_SNIPPET, SECRET], cwd=support.ROOT, env=env,
                               capture_output=True, text=True, check=True).stdout.strip()
    rows = declare.roll(args.persons)
    cases = {
        "csv_at_limit": multipart("2026-01", csv_padded(rows, csv_limit)),
        "csv_too_many_rows": multipart("2026-02", csv_many_rows(rows[0][0], csv_limit)),
        "csv_50mb": multipart("2026-02", csv_many_rows(rows[0][0], 50 * 1000 * 1000)),
        "json_at_limit": (json_padded("2026-03", rows, json_limit), "application/json"),
    }
    results = {}
    for name, (body, content_type) in cases.items():
        support.wait_quiet(max_wait=5 if args.quick else 20)
        results[name] = one_case(env, args.port, client_id, body, content_type)
        print(f"  {name}: {results[name]}", flush=True)
    worst = max(r["peak_mb"] for r in results.values())
    result = {
        "persons": args.persons, "csv_limit_bytes": csv_limit, "json_limit_bytes": json_limit, "max_rows": max_rows,
        "cases": results, "worst_peak_mb": worst, "target_peak_mb": TARGET_PEAK_MB,
        "meets_target": worst < TARGET_PEAK_MB and results["csv_at_limit"]["status"] == 201
        and results["json_at_limit"]["status"] == 201,
        "gunicorn": "1 sync worker, a new one per case", "machine": support.machine(),
        "command": "python bench/upload_bench.py " + " ".join(sys.argv[1:]),
    }
    support.save("upload_quick" if args.quick else "upload", result)
    print(f"  worst peak {worst} MB (target < {TARGET_PEAK_MB})", flush=True)
    if not args.keep:
        support.db_drop(DB)
    return result


if __name__ == "__main__":
    main()
