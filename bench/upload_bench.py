"""Peak worker memory for the largest declaration bodies the limits admit, and for what they refuse.

1. Fresh migrated scratch database (<BENCH_DB_PREFIX>_upload); one region with its 2026 average
   wage; one registered employer with --persons persons on its staff (`support.declaring_world_load`,
   as declaration_bench.py).
2. Each case runs in a NEW gunicorn (config.wsgi, ONE sync worker: `support.Gunicorn`), so the worker's high-water mark
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
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_upload"
DEFAULT_PORT = 8762
TARGET_PEAK_MB = 300
SECRET = "bench-upload-secret"
MIB = 1024 * 1024


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


def one_case(env, port: int, client_id: str, body: bytes, content_type: str) -> dict:
    with support.Gunicorn(env, port) as server:  # a new worker per case: its high-water mark is the case's
        token = server.token(client_id, SECRET)
        server.warm(token)
        before = server.worker_peak_mb()
        seconds, status, answer = support.declaration_post(server.base, token, body, content_type)
        peak = server.worker_peak_mb()
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
    support.declaring_world_load(DB, args.persons)
    client_id = support.portal_client_issue(DB, SECRET)
    rows = support.declaring_roll(args.persons)
    cases = {
        "csv_at_limit": support.declaration_multipart("2026-01", csv_padded(rows, csv_limit)),
        "csv_too_many_rows": support.declaration_multipart("2026-02", csv_many_rows(rows[0][0], csv_limit)),
        "csv_50mb": support.declaration_multipart("2026-02", csv_many_rows(rows[0][0], 50 * 1000 * 1000)),
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
