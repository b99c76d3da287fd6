"""seed_demo against a raw COPY of the same rows, measured in the same run.

1. Fresh migrated database agency_bench_seed: time `manage.py seed_demo` (the whole process:
   Django start-up, regions, generating, COPY, ANALYZE).
2. Fresh migrated database agency_bench_copy: `seed_demo --csv-dir` writes the same rows to
   CSV files (not timed for the ratio), then time a raw COPY ... FROM STDIN (FORMAT csv) of
   those files with psycopg: one transaction, the file read in 1 MiB blocks, after
   SET CONSTRAINTS ALL IMMEDIATE (as seed_demo does; see below).
3. Check both databases hold the same rows, report the ratio (target: at most 1.5).
4. Naive COPY (foreign keys left deferred) of the first 5,000 / 10,000 / 20,000 / 40,000 person
   rows, rolled back: the time per row grows with the rows already loaded (quadratic load),
   because the history triggers' EXCEPTION blocks make PostgreSQL rescan the deferred-trigger
   queue on every subtransaction abort. Skipped with --no-naive.

agency_bench_seed is kept for lookup_bench.py; agency_bench_copy and the CSV files are removed.

    python bench/seed_bench.py [--persons 1000000] [--employers 50000] [--seed 1] [--quick]
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
import support

TARGET_RATIO = 1.5
BLOCK = 1 << 20

# A digest of every generated column except created_at (the load time), per table.
DIGESTS = {
    "employers_employer": "uscc, name, kind, established_on, registration_status, registration_number, "
                          "registered_on, risk_class, risk_float_percent, contact_name, contact_phone, "
                          "contact_email, address, region_id",
    "insured_insuredperson": "document_type, document_number, name, sex, birth_date, nationality, region_id, "
                             "hukou_region_code, hukou_type, phone, email, postal_address, statement_delivery",
}


def digest(db_name: str) -> dict[str, tuple[int, str]]:
    out = {}
    with psycopg.connect(support.db_url(db_name)) as conn:
        for table, cols in DIGESTS.items():
            count, md5 = conn.execute(
                f"SELECT count(*), md5(string_agg(concat_ws('|', {cols}), E'\\n' ORDER BY id)) FROM {table}"
            ).fetchone()
            out[table] = (count, md5)
    return out


def raw_copy(db_name: str, csv_dir: Path) -> dict[str, float]:
    """COPY the CSV files into the database in one transaction; seconds per table and in all."""
    timings = {}
    started = time.perf_counter()
    with psycopg.connect(support.db_url(db_name)) as conn:
        with conn.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in ("employers_employer", "insured_insuredperson"):
                path = csv_dir / f"{table}.csv"
                with open(path, "rb") as fh:
                    columns = fh.readline().decode().strip()
                    t0 = time.perf_counter()
                    with cur.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                        while block := fh.read(BLOCK):
                            copy.write(block)
                    timings[table] = time.perf_counter() - t0
        conn.commit()
    timings["total"] = time.perf_counter() - started
    return timings


def naive_copy(db_name: str, csv_dir: Path, sizes: list[int]) -> dict[int, float]:
    """Seconds to COPY the first n person rows with the foreign keys left deferred (rolled back)."""
    path = csv_dir / "insured_insuredperson.csv"
    with open(path, encoding="utf-8") as fh:
        columns = fh.readline().strip()
        lines = [fh.readline() for _ in range(max(sizes))]
    timings = {}
    with psycopg.connect(support.db_url(db_name)) as conn:
        for n in sizes:
            data = "".join(lines[:n])
            with conn.cursor() as cur:
                t0 = time.perf_counter()
                with cur.copy(f"COPY insured_insuredperson ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                    copy.write(data)
                timings[n] = round(time.perf_counter() - t0, 2)
            conn.rollback()
    return timings


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--employers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="20,000 persons and 1,000 employers")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive (deferred keys) COPY series")
    args = parser.parse_args()
    if args.quick:
        args.persons, args.employers = 20_000, 1_000
    counts = ["--employers", str(args.employers), "--persons", str(args.persons), "--seed", str(args.seed)]

    print(f"seed_bench: {args.persons} persons, {args.employers} employers, seed {args.seed}", flush=True)
    migrate_a = support.fresh_migrated(support.SEED_DB)
    quiet = {"seed_demo": support.wait_quiet()}
    seed_wall, seed_out = support.manage(support.SEED_DB, "seed_demo", *counts)
    seed_internal = float(re.search(r"([\d.]+) s$", seed_out.strip()).group(1))
    print(f"  seed_demo: {seed_wall:.2f} s wall-clock ({seed_internal:.2f} s inside the command)", flush=True)

    migrate_b = support.fresh_migrated(support.COPY_DB)
    csv_dir = Path(tempfile.mkdtemp(prefix="agency-bench-csv-"))
    try:
        csv_wall, _ = support.manage(support.COPY_DB, "seed_demo", *counts, "--csv-dir", str(csv_dir))
        csv_bytes = sum(p.stat().st_size for p in csv_dir.iterdir())
        naive = {}
        if not args.no_naive:
            sizes = [n for n in (5_000, 10_000, 20_000, 40_000) if n <= args.persons]
            naive = naive_copy(support.COPY_DB, csv_dir, sizes)
            print("  naive COPY (deferred keys): "
                  + ", ".join(f"{n} rows {s:.2f} s ({s / n * 1e6:.0f} us/row)" for n, s in naive.items()), flush=True)
        quiet["raw_copy"] = support.wait_quiet()
        copy_timings = raw_copy(support.COPY_DB, csv_dir)
        print(f"  raw COPY of the CSV files ({csv_bytes / 1e6:.0f} MB): {copy_timings['total']:.2f} s", flush=True)
        same = digest(support.SEED_DB) == digest(support.COPY_DB)
    finally:
        shutil.rmtree(csv_dir, ignore_errors=True)
        support.db_drop(support.COPY_DB)

    ratio = seed_wall / copy_timings["total"]
    result = {
        "persons": args.persons, "employers": args.employers, "seed": args.seed, "quick": args.quick,
        "seed_demo_wall_s": round(seed_wall, 2), "seed_demo_internal_s": round(seed_internal, 2),
        "raw_copy_s": round(copy_timings["total"], 2),
        "raw_copy_tables_s": {k: round(v, 2) for k, v in copy_timings.items() if k != "total"},
        "csv_write_wall_s": round(csv_wall, 2), "csv_mb": round(csv_bytes / 1e6, 1),
        "ratio": round(ratio, 3), "ratio_internal": round(seed_internal / copy_timings["total"], 3),
        "target_ratio": TARGET_RATIO, "meets_target": ratio <= TARGET_RATIO, "same_rows": same,
        "naive_copy_s": naive, "cpu_busy_before_runs": quiet,
        "migrate_s": round((migrate_a + migrate_b) / 2, 2), "machine": support.machine(),
        "command": "python bench/seed_bench.py " + " ".join(counts) + (" --quick" if args.quick else ""),
    }
    support.save("seed_quick" if args.quick else "seed", result)
    print(f"  ratio {ratio:.2f} (target <= {TARGET_RATIO}); same rows in both databases: {same}")
    if not same:
        raise SystemExit("seed_bench: the two databases differ")
    return result


if __name__ == "__main__":
    main()
