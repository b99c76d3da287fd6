"""The collection feed at a province's size (issue 22's benchmarks).

1. Import: a collector's CSV file of --records (1,000,000) credits on one collection account,
   through `feed_import` in this process (streamed from the file: a plain file checked by the worker
   and COPYed into the records, any other through the staging table, stored set-based; applying is
   part 2). Against: a psycopg COPY of the same file
   into a bare table (same columns, no index). Target: at most 3x the COPY, the process's peak
   memory under 500 MB.
2. Matching and allocation: --employers (50,000) employers with ten years of monthly declared
   charges (2016-11 .. 2026-10), all but the last three months paid (seeded set-based, triggers off;
   cached with support.seeded_copy), payment orders for every fourth employer; a collector's file of
   --match-records (100,000) credits: two per employer, one quoting its USCC and one its order's
   reference (or the USCC), 1% naming no one (suspense), 1% far above the credit limit (the
   overpayment path). Imported (stored), then applied chunk by chunk with `feed_apply` until none is
   left. Target: matching and allocation under 60 s.

    python bench/collection_bench.py [--records N] [--employers N] [--match-records N] [--quick]
                                     [--reuse-seed] [--only import|match|seed] [--before] [--workers N]

--before runs against code whose `feed_import` takes bytes and applies record by record (the
`collect` branch): the file's bytes are passed and nothing is left for `feed_apply`.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_collection"
ACCOUNT = "31050161373700000001"
HEADER = "account,transaction_id,value_date,amount,payer_account,payer_name,reference,reverses\n"
TARGET_RATIO = 3.0
TARGET_MEMORY_MB = 500
TARGET_MATCH_S = 60.0
FIRST = date(2016, 11, 1)
MONTHS = 120


def month(n: int) -> date:
    index = FIRST.year * 12 + FIRST.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def check_character(digits: str) -> str:
    weights = [pow(2, 13 - i, 11) for i in range(13)]
    value = (12 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11) % 11
    return "X" if value == 10 else str(value)


def reference_of(employer_id: int) -> str:
    digits = f"{employer_id:013d}"
    return f"SP{digits}{check_character(digits)}"


SEEDED_TABLES = ("contributions_declaration", "contributions_charge", "contributions_payment",
                 "contributions_allocation")

_SECONDARY_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
  FROM pg_index i
 WHERE i.indrelid = %s::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def seed(employers: int) -> dict:
    """Region, collection account, employers, ten years of charges, paid but the last three months.

    Set-based and fast (it is re-run at full size: 6,000,000 charges): every row by one INSERT ..
    SELECT over generate_series; the big tables' secondary indexes (those no constraint stands on) are
    dropped for the load and built once after it; a paid month's payment takes its charge's id, so its
    allocation needs no join. Row triggers are off (session_replication_role = replica: the history
    and the allocation's sum check, which the rows written here satisfy by construction: one payment
    of exactly the charge's amount, one allocation of it, and the open charges those triggers would keep:
    the unpaid months); every CHECK, unique and NOT NULL holds."""
    import psycopg

    started = time.perf_counter()
    support.manage(DB, "shell", "-c", "from agency.models import Region; "
                   "Region.objects.create(code='310101', name='Bench', province='Shanghai')")
    with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # bench rows: no history or check triggers
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET synchronous_commit = off")
        dropped = []
        for table in SEEDED_TABLES:
            for name, definition in conn.execute(_SECONDARY_INDEXES, [table]).fetchall():
                dropped.append(definition)
                conn.execute(f"DROP INDEX {name}")
        conn.execute(f"""
            INSERT INTO collection_collectionaccount (region_id, collector, bank_name, account_number, account_name,
                   opened_on)
            SELECT id, 'tax', 'Bench bank', '{ACCOUNT}', 'Bench collection', '2010-01-01' FROM agency_region""")
        conn.execute("""
            INSERT INTO employers_employer (uscc, uscc_override_reason, name, kind, region_id, established_on,
                   registration_status, registration_number, registered_on, risk_class, risk_float_percent,
                   contact_name, contact_phone, contact_email, address, created_at)
            SELECT '91' || lpad(g::text, 16, '0'), '', 'Bench employer ' || g, 'enterprise', r.id, '2010-01-01',
                   'registered', 'B' || g, '2010-01-20', 1, 100, '', '', '', '', now()
              FROM agency_region r, generate_series(1, %s) g""", [employers])
        # Employer by employer (its months together on disk, as an employer's charges are read).
        conn.execute("""
            INSERT INTO contributions_declaration (employer_id, period, sequence, kind, source, rows, lines_written,
                   clamped_rows, totals, total, difference, due_on, declared_on, late, declared_at, actor)
            SELECT e.id, m::date, 1, 'declared', 'json', 10, 10, 0, '{}', 20000 + e.id %% 997,
                   20000 + e.id %% 997, m::date + 14, m::date + 5, false, m::date + time '09:00', 'bench'
              FROM employers_employer e CROSS JOIN generate_series(%s::date, %s::date, interval '1 month') m
             ORDER BY e.id, m""", [FIRST, month(MONTHS - 1)])
        conn.execute("""
            INSERT INTO contributions_charge (employer_id, period, kind, declaration_id, amount, due_on, fee_from,
                   created_at, actor)
            SELECT employer_id, period, 'declared', id, difference, due_on, due_on, declared_at, 'bench'
              FROM contributions_declaration ORDER BY id""")
        paid_until = month(MONTHS - 3)
        conn.execute("""
            INSERT INTO contributions_payment (id, employer_id, bank_reference, amount, paid_on, channel, note,
                   recorded_at, actor)
            SELECT id, employer_id, 'BENCH-' || id, amount, due_on, 'bank', '', now(), 'bench'
              FROM contributions_charge WHERE period < %s ORDER BY id""", [paid_until])
        conn.execute("SELECT setval(pg_get_serial_sequence('contributions_payment', 'id'), "
                     "(SELECT max(id) FROM contributions_payment))")
        conn.execute("""
            INSERT INTO contributions_allocation (employer_id, charge_id, payment_id, amount, effective_on,
                   settles_charge, created_at, actor)
            SELECT c.employer_id, c.id, c.id, c.amount, c.due_on, true, now(), 'bench'
              FROM contributions_charge c WHERE c.period < %s ORDER BY c.id""", [paid_until])
        # What the triggers (off here) keep open (contributions/migrations/0014): the unpaid months.
        conn.execute("""
            INSERT INTO contributions_opencharge (charge_id, employer_id)
            SELECT id, employer_id FROM contributions_charge WHERE period >= %s ORDER BY id""", [paid_until])
        for definition in dropped:
            conn.execute(definition)
        ids = [row[0] for row in conn.execute("SELECT id FROM employers_employer WHERE id % 4 = 0")]
        account_id = conn.execute("SELECT id FROM collection_collectionaccount").fetchone()[0]
        with conn.cursor().copy("COPY collection_paymentorder (employer_id, account_id, reference, amount, "
                                "late_fee_per_day, issued_on, valid_until, state, created_at, actor) FROM STDIN") as copy:
            for pk in ids:
                copy.write(f"{pk}\t{account_id}\t{reference_of(pk)}\t60000.00\t0.00\t2026-11-20\t2026-12-20\topen"
                           f"\t2026-11-20 10:00+08\tbench\n")
        for table in ("employers_employer", *SEEDED_TABLES, "collection_paymentorder", "contributions_opencharge"):
            conn.execute(f"VACUUM ANALYZE {table}")
        charges = conn.execute("SELECT count(*) FROM contributions_charge").fetchone()[0]
    return {"seed_s": round(time.perf_counter() - started, 1), "charges": charges}


def records_file(path: Path, n: int, *, employer_ids: list[int] | None) -> None:
    """n credits: without employers, every record names no one; with them, see the module docstring."""
    prefix = "BI" if employer_ids is None else "BM"  # the two files' ids apart: no conflicts between them
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(n):
            day = f"2026-{11 + (i % 2)}-0{1 + i % 5}"
            if employer_ids is None:
                text, amount = f"社保费 第{i}笔", f"{1000 + i % 50000}.{i % 100:02d}"
            else:
                employer = employer_ids[(i // 2) % len(employer_ids)]
                uscc = "91" + f"{employer:016d}"
                if i % 100 == 7:
                    text, amount = "社保费 无参考", "30000.00"
                elif i % 100 == 13:
                    text, amount = f"社保费 {uscc}", "250000.00"
                elif i % 2 and employer % 4 == 0:
                    text, amount = f"缴费 {reference_of(employer)}", "30000.00"
                else:
                    text, amount = f"社保费 {uscc}", "20000.00"
            out.write(f"{ACCOUNT},{prefix}{i:09d},{day},{amount},6222020200{i % 1000000:09d},上海付款人{i % 1000},"
                      f"{text},\n")


_BARE_COLUMNS = ("(account text, transaction_id text, value_date date, amount numeric, payer_account text, "
                 "payer_name text, reference text, reverses text)")


def baseline_copy(path: Path, *, temporary: bool) -> dict:
    """COPY of the file into a bare table: the same columns, no index, no constraint. The baseline the
    target is measured against is a plain (logged) table, created and dropped here: it writes its rows
    to the WAL as the records table must. `temporary`: a TEMP table instead (the old baseline), which
    writes no WAL and uses the backend's local buffers, shown for comparison only."""
    import psycopg

    name = "bare" if temporary else "collection_bench_bare"
    with psycopg.connect(support.db_url(DB), autocommit=True) as watch:
        with psycopg.connect(support.db_url(DB)) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {name}")
            conn.execute(f"CREATE {'TEMP ' if temporary else ''}TABLE {name} {_BARE_COLUMNS}")
            conn.commit()
            wal = wal_now(watch)
            started = time.perf_counter()
            with conn.cursor().copy(f"COPY {name} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, \
                    path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
            seconds = time.perf_counter() - started
        written = wal_since(watch, wal)  # the COPY's connection closed: its WAL counters are in pg_stat_wal
        if not temporary:
            watch.execute(f"DROP TABLE {name}")
    return {"s": seconds, **written}


def wal_now(conn) -> tuple[str, int]:
    """The WAL position and the server's count of WAL records (pg_stat_wal). Both are the whole
    server's: on a shared machine other work adds to them, so read them on a quiet one."""
    return conn.execute("SELECT pg_current_wal_lsn()::text, wal_records FROM pg_stat_wal").fetchone()


def wal_since(conn, before: tuple[str, int]) -> dict:
    """What was written since `before` (read after the writing connection closed, and a moment for
    the server's statistics to take in its counters)."""
    time.sleep(1)
    lsn, records = conn.execute("SELECT pg_current_wal_lsn()::text, wal_records FROM pg_stat_wal").fetchone()
    size = conn.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn)", [lsn, before[0]]).fetchone()[0]
    return {"wal_mb": round(float(size) / 1e6, 1), "wal_records": records - before[1]}


def wal_of_records(conn, since: str) -> dict | None:
    """The WAL written since `since` to the records table and its indexes alone (pg_waldump over the
    server's pg_wal, one relation at a time): exact whatever else the server writes. Only where this
    process can read the server's WAL directory (BENCH_PG_WAL, default the Debian cluster's), else None."""
    import re
    import subprocess

    wal_dir = os.environ.get("BENCH_PG_WAL", "/var/lib/postgresql/15/main/pg_wal")
    waldump = os.environ.get("BENCH_PG_WALDUMP", "/usr/lib/postgresql/15/bin/pg_waldump")
    if not (os.access(wal_dir, os.R_OK) and os.access(waldump, os.X_OK)):
        return None
    until = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    relations = conn.execute("""
        SELECT c.relname, c.reltablespace, c.relfilenode, d.oid FROM pg_class c, pg_database d
         WHERE d.datname = current_database() AND (c.oid = 'collection_collectorrecord'::regclass OR c.oid IN (
               SELECT indexrelid FROM pg_index WHERE indrelid = 'collection_collectorrecord'::regclass))""").fetchall()
    default_space = conn.execute("SELECT oid FROM pg_tablespace WHERE spcname = 'pg_default'").fetchone()[0]
    figures: dict = {}
    for name, space, node, database in relations:
        out = subprocess.run([waldump, "-p", wal_dir, "-s", since, "-e", until, "--stats",
                              f"--relation={space or default_space}/{database}/{node}"], capture_output=True, text=True)
        found = re.search(r"Total\s+(\d+)\s+(\d+)\s+\[[^]]*\]\s+(\d+)\s+\[[^]]*\]\s+(\d+)", out.stdout)
        if found is None:
            return None  # a segment already recycled: no figure rather than a wrong one
        figures[name] = {"records": int(found[1]), "bytes": int(found[4])}
    return figures


def django_start() -> None:
    os.environ.update(support.django_env(DB))
    import django

    django.setup()


class phases:
    """Where the import's time goes (the bench's own instrument, nothing in the code it measures): every
    statement psycopg runs (execute, and a COPY from its start to its end) is timed and summed under its
    first words; the rest is the Python around them."""

    def __init__(self, *, tail: int = 0):
        self.spent: dict[str, float] = {}
        self.tail = tail  # also the statement's last characters (the ORM's queries start alike)

    def label(self, sql) -> str:
        import re

        text = re.sub(r"\s+", " ", sql if isinstance(sql, str) else str(sql)).strip()
        if self.tail and len(text) > 70 + self.tail:
            return f"{text[:70]} .. {text[-self.tail:]}"
        return text[:70]

    def add(self, sql, seconds: float) -> None:
        key = self.label(sql)
        self.spent[key] = self.spent.get(key, 0.0) + seconds

    def __enter__(self):
        import contextlib

        import psycopg

        self.saved = (psycopg.Cursor.execute, psycopg.Cursor.copy)
        execute, copy = self.saved
        timer = self

        def timed_execute(cursor, query, *args, **kwargs):
            started = time.perf_counter()
            try:
                return execute(cursor, query, *args, **kwargs)
            finally:
                timer.add(query, time.perf_counter() - started)

        @contextlib.contextmanager
        def timed_copy(cursor, statement, *args, **kwargs):
            started = time.perf_counter()
            try:
                with copy(cursor, statement, *args, **kwargs) as inner:
                    yield inner
            finally:
                timer.add(statement, time.perf_counter() - started)

        psycopg.Cursor.execute, psycopg.Cursor.copy = timed_execute, timed_copy
        self.saved_server = psycopg.ServerCursor.fetchmany
        fetchmany = self.saved_server

        def timed_fetchmany(cursor, *args, **kwargs):  # a server-side cursor's statement runs as it is read
            started = time.perf_counter()
            try:
                return fetchmany(cursor, *args, **kwargs)
            finally:
                timer.add(f"fetchmany {cursor.name}", time.perf_counter() - started)

        psycopg.ServerCursor.fetchmany = timed_fetchmany
        return self

    def __exit__(self, *exc) -> None:
        import psycopg

        psycopg.Cursor.execute, psycopg.Cursor.copy = self.saved
        psycopg.ServerCursor.fetchmany = self.saved_server

    def report(self, total: float) -> dict:
        ranked = sorted(self.spent.items(), key=lambda kv: -kv[1])
        shown = {k: round(v, 2) for k, v in ranked if v >= 0.05}
        shown["(outside SQL: Python, SHA-256, file reads)"] = round(total - sum(self.spent.values()), 2)
        return shown


def feed(path: Path, before: bool):
    from collection.services.feed import feed_import
    from common.access import Viewer

    if before:
        return feed_import(content=path.read_bytes(), format="csv", name=path.name, actor=Viewer.system())
    with path.open("rb") as stream:
        return feed_import(content=stream, format="csv", name=path.name, actor=Viewer.system())


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--employers", type=int, default=50_000)
    parser.add_argument("--match-records", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 records, 2,000 employers, 4,000 to match")
    parser.add_argument("--only", choices=["import", "match", "seed"],
                        help="seed: only make (or copy) the seeded database")
    parser.add_argument("--reuse-seed", action="store_true")
    parser.add_argument("--before", action="store_true")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes applying chunks side by side (feed_apply skips records another holds)")
    args = parser.parse_args()
    if args.quick:
        args.records, args.employers, args.match_records = 20_000, 2_000, 4_000
    if args.only == "import":
        args.employers = 0  # the import names no employer: the region and its collection account are enough
    seeded: dict = {}
    reused, seconds = support.seeded_copy(DB, lambda _name: seeded.update(seed(args.employers)),
                                          key=f"collection {args.employers} {MONTHS}", reuse=args.reuse_seed)
    print(f"  {'copied' if reused else 'seeded'} {args.employers:,} employers in {seconds:.1f} s {seeded}", flush=True)
    if args.only == "seed":
        return seeded
    tmp = Path(tempfile.mkdtemp(prefix="collection-bench-"))
    result: dict = {"machine": support.machine(), "records": args.records, "employers": args.employers,
                    "match_records": args.match_records, "months": MONTHS, "before": args.before,
                    "target_ratio": TARGET_RATIO, "target_memory_mb": TARGET_MEMORY_MB,
                    "target_match_s": TARGET_MATCH_S}
    django_start()
    from collection.models import Application, CollectorRecord, SuspenseItem
    from contributions.models import Allocation

    if args.only != "import":
        path = tmp / "match.csv"
        with connection_ids() as ids:
            records_file(path, args.match_records, employer_ids=ids)
        result["match_cpu_busy_before"] = support.wait_quiet(max_wait=60)
        result["match_load_before"] = support.load_average()
        allocations_before = Allocation.objects.count()
        result["match_tables_before"] = tables_now()
        started = time.perf_counter()
        imported = feed(path, args.before)
        stored_s = time.perf_counter() - started
        chunks = 0
        if not args.before and imported.pending:
            if args.workers > 1:
                import multiprocessing

                from django.db import connections

                connections.close_all()  # each worker opens its own
                with multiprocessing.get_context("fork").Pool(args.workers) as pool:
                    done = pool.map(apply_loop, range(args.workers))
            else:
                done = [apply_loop(0)]
            chunks = sum(n for n, _spent in done)
            spent: dict[str, float] = {}
            for _n, worker_spent in done:
                for key, seconds in worker_spent.items():
                    spent[key] = spent.get(key, 0.0) + seconds
            result["match_phases_s"] = {k: round(v, 2) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])
                                        if v >= 0.5}
        total_s = time.perf_counter() - started
        result.update({"workers": args.workers, "match_store_s": round(stored_s, 1), "match_apply_s": round(total_s - stored_s, 1),
                       "match_total_s": round(total_s, 1), "match_chunks": chunks,
                       "applications": Application.objects.count(), "suspense_items": SuspenseItem.objects.count(),
                       "allocations_written": Allocation.objects.count() - allocations_before,
                       "records_stored": CollectorRecord.objects.count()})
        result["match_meets_target"] = result["match_total_s"] < TARGET_MATCH_S
        result["match_load_after"] = support.load_average()
        time.sleep(1)  # the workers' table counters reach the statistics
        result["match_tables_after"] = tables_now()
        for what, seconds in result.get("match_phases_s", {}).items():
            print(f"    {seconds:7.2f} s  {what}", flush=True)
        for table, figures in result["match_tables_after"].items():
            print(f"    {table}: {figures}", flush=True)
        print(f"  matching and allocation of {args.match_records:,} records: stored in {stored_s:.1f} s, "
              f"applied in {total_s - stored_s:.1f} s ({chunks} chunks); {result['applications']:,} applications, "
              f"{result['suspense_items']:,} suspense items", flush=True)
    if args.only != "match":
        path = tmp / "import.csv"
        records_file(path, args.records, employer_ids=None)
        result["file_mb"] = round(path.stat().st_size / 1e6, 1)
        result["import_cpu_busy_before"] = support.wait_quiet(max_wait=60)
        result["import_load_before"] = support.load_average()
        temp = baseline_copy(path, temporary=True)
        bare = baseline_copy(path, temporary=False)
        copy_s = bare["s"]
        import psycopg

        rss_before = rss_mb()
        with psycopg.connect(support.db_url(DB), autocommit=True) as watch:
            wal = wal_now(watch)
            with phases() as timer:
                started = time.perf_counter()
                imported = feed(path, args.before)
                import_s = time.perf_counter() - started
            result["import_phases_s"] = timer.report(import_s)
            for what, seconds in result["import_phases_s"].items():
                print(f"    {seconds:7.2f} s  {what}", flush=True)
            from django.db import connection

            connection.close()  # its WAL counters go to pg_stat_wal
            written = wal_since(watch, wal)
            ours = wal_of_records(watch, wal[0])
        if ours is not None:
            records_wal = sum(f["records"] for f in ours.values())
            bytes_wal = sum(f["bytes"] for f in ours.values())
            result.update({"records_table_wal": ours, "records_table_wal_records_per_row": round(records_wal / args.records, 2),
                           "records_table_wal_bytes_per_row": round(bytes_wal / args.records)})
            print(f"  WAL of the records table and its indexes alone (pg_waldump): {records_wal:,} records "
                  f"({records_wal / args.records:.2f} a row), {bytes_wal / 1e6:.1f} MB ({bytes_wal / args.records:.0f} B a row): "
                  + ", ".join(f"{k} {v['records']:,}" for k, v in ours.items()), flush=True)
        result.update({"copy_s": round(copy_s, 2), "copy_wal_mb": bare["wal_mb"], "copy_wal_records": bare["wal_records"],
                       "temp_copy_s": round(temp["s"], 2), "temp_copy_wal_mb": temp["wal_mb"],
                       "import_s": round(import_s, 1), "ratio": round(import_s / copy_s, 2),
                       "ratio_to_temp_copy": round(import_s / temp["s"], 2),
                       "import_wal_mb": written["wal_mb"], "import_wal_records": written["wal_records"],
                       "import_wal_records_per_row": round(written["wal_records"] / args.records, 2),
                       "import_wal_bytes_per_row": round(written["wal_mb"] * 1e6 / args.records),
                       "rss_before_mb": rss_before, "peak_rss_mb": rss_mb(), "stored": imported.stored,
                       "pending_after_import": imported.pending, "load_after": support.load_average()})
        result["import_meets_target"] = result["ratio"] <= TARGET_RATIO and result["peak_rss_mb"] < TARGET_MEMORY_MB
        print(f"  import of {args.records:,} records ({result['file_mb']} MB): {import_s:.1f} s, "
              f"WAL {written['wal_mb']} MB / {written['wal_records']:,} records; COPY into a bare logged table "
              f"{copy_s:.2f} s (WAL {bare['wal_mb']} MB / {bare['wal_records']:,} records); ratio {result['ratio']}; "
              f"COPY into a bare TEMP table {temp['s']:.2f} s (ratio {result['ratio_to_temp_copy']}); "
              f"peak memory {result['peak_rss_mb']} MB; load average {result['import_load_before']} before, "
              f"{result['load_after']} after", flush=True)
    name = "collection" + ("-before" if args.before else "") + ("-quick" if args.quick else "")
    print(f"  written {support.save(name, result)}")
    return result


def apply_loop(_worker: int) -> tuple[int, dict[str, float]]:
    """`feed_apply` until no record is left; the chunks this process applied and where their time went
    (`phases`: each statement summed under its first words). Each chunk prints its time and its three
    costliest statements, so a chunk that slows as the run goes names what grows."""
    import time as clock

    from django.db import connections

    from collection.services.feed import feed_apply
    from common.access import Viewer

    connections.close_all()
    chunks = 0
    started = clock.perf_counter()
    total = phases(tail=40)
    with total:
        while True:
            before, chunk_started = dict(total.spent), clock.perf_counter()
            result = feed_apply(actor=Viewer.system())
            if result.applied or result.to_suspense:
                chunks += 1
                grown = sorted(((k, v - before.get(k, 0.0)) for k, v in total.spent.items()), key=lambda kv: -kv[1])
                top = "; ".join(f"{v:.2f} {k if len(k) < 90 else k[:40] + '..' + k[-45:]}" for k, v in grown[:3])
                print(f"    worker {_worker}: chunk {chunks} ({result.applied} applied, {result.to_suspense} to suspense)"
                      f" at {clock.perf_counter() - started:.1f} s, {clock.perf_counter() - chunk_started:.2f} s: {top}",
                      flush=True)
            elif result.pending:
                clock.sleep(0.2)  # the other worker holds what is left
            if not result.pending:
                return chunks, total.spent


_TABLES_WATCHED = ("contributions_opencharge", "contributions_openpayment", "contributions_allocation",
                   "contributions_charge", "contributions_payment", "collection_collectorrecord",
                   "collection_application")


def tables_now() -> dict[str, dict]:
    """pg_stat_user_tables of the tables the matching writes or reads most (live and dead rows, scans)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("""
            SELECT relname, n_live_tup, n_dead_tup, seq_scan, seq_tup_read, idx_scan, n_tup_ins, n_tup_del,
                   autovacuum_count, autoanalyze_count
              FROM pg_stat_user_tables WHERE relname = ANY(%s) ORDER BY relname""", [list(_TABLES_WATCHED)])
        names = ("live", "dead", "seq_scan", "seq_tup_read", "idx_scan", "inserted", "deleted", "autovacuum",
                 "autoanalyze")
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in cursor.fetchall()}


class connection_ids:
    """The bench employers' ids, in order (a context manager so the query runs after django.setup)."""

    def __enter__(self) -> list[int]:
        from employers.models import Employer

        return list(Employer.objects.order_by("pk").values_list("pk", flat=True))

    def __exit__(self, *exc) -> None:
        return None


if __name__ == "__main__":
    main()
