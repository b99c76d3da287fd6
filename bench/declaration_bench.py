"""A 100,000-row declaration end to end over HTTP, against a raw COPY of the same lines.

1. Fresh migrated scratch database (<BENCH_DB_PREFIX>_declare); one region with its 2026 average
   wage; one registered employer with --persons persons on its staff (employments recorded in
   2025): `support.declaring_world_load`.
2. The employer gets a portal OAuth client; gunicorn serves config.wsgi with ONE sync worker
   (`support.Gunicorn`, the harness upload_bench.py uses too).
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
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_declare"
DEFAULT_PORT = 8761
TARGET_RATIO = 3.0
TARGET_PEAK_MB = 500
WAIT_QUIET_S = 120
SECRET = "bench-declare-secret"
COLUMNS = ("period, employer_id, person_id, declaration_id, charge_id, wage, base, clamp, pension_employer, "
           "pension_individual, medical_employer, medical_individual, unemployment_employer, "
           "unemployment_individual, work_injury_employer")

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
    support.declaring_world_load(DB, args.persons)
    load_s = time.perf_counter() - t0
    client_id = support.portal_client_issue(DB, SECRET)
    rows = support.declaring_roll(args.persons)
    runs, answers = [], []
    with support.Gunicorn(support.django_env(DB), args.port) as server:
        token = server.token(client_id, SECRET)
        server.warm(token)
        peak_before = server.worker_peak_mb()
        base = server.base
        for run in range(args.runs + 1):
            period = f"2026-{run + 1:02d}"
            if run < args.runs:
                kind = "json"
                body = json.dumps({"period": period, "rows": [{"document_number": d, "wage": w} for d, w in rows]},
                                  separators=(",", ":")).encode()
                content_type = "application/json"
            else:
                kind = "csv"
                csv = ("\ufeffdocument_number,wage\r\n" + "".join(f"{d},{w}\r\n" for d, w in rows)).encode()
                body, content_type = support.declaration_multipart(period, csv)
            quiet = support.wait_quiet(max_wait=5 if args.quick else WAIT_QUIET_S)
            seconds, status, answer = support.declaration_post(base, token, body, content_type)
            assert status == 201 and answer["rows"] == args.persons, (status, answer.get("rows"))
            runs.append({"kind": kind, "period": period, "body_mb": round(len(body) / 1e6, 2),
                         "seconds": round(seconds, 3), "clamped": len(answer["clamped"]),
                         "cpu_busy_before": quiet})
            answers.append(answer)
            print(f"  {kind} {period}: {seconds:.2f} s, {len(body) / 1e6:.1f} MB, "
                  f"{len(answer['clamped'])} clamped", flush=True)
        peak = server.worker_peak_mb()

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
