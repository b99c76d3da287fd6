"""Transfer-out amounts (No. 66) for 10,000 persons with 20 years of monthly contributions, against one SQL aggregate.

1. Fresh migrated database <BENCH_DB_PREFIX>_transfer; `seed_demo` loads persons and employers; every
   person gets 240 months (2005-01 .. 2024-12) of contribution lines with one employer of one region
   (one declaration per employer and month) and the account credit of each month: 2,400,000 lines
   and 2,400,000 entries at full size. ANALYZE.
2. Baseline: one SELECT of every person's paid months since 1998 and 12% of their bases
   (transfers.amounts.POOLED_AGGREGATE_SQL), run once to warm the cache, then timed.
3. Service: transfers.amounts.region_months_many (what transfer_out calls for its person)
   over the same persons in chunks of 1,000, each person's figures built and rounded in Python; and
   the per-transfer call (`region_months`, one person a statement) on the first 1,000 persons,
   reported as seconds per transfer. Both figures must agree to the fen.

Prints one JSON line; also saved as bench/results/transfer.json. Target: service at most 2x.

    python bench/transfer_bench.py [--persons 10000] [--quick] [--keep] [--reuse-seed]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_transfer"
TARGET_RATIO = 2.0
FIRST, YEARS = 2005, 20
CHUNK = 1_000


def seed(persons: int) -> dict:
    started = time.perf_counter()
    support.manage(DB, "seed_demo", "--persons", str(persons), "--employers", "50", "--seed", "5")
    os.environ.update(support.django_env(DB))
    import django

    django.setup()
    from django.db import connection

    from contributions.partitions import line_partitions_ensure

    line_partitions_ensure(range(FIRST, FIRST + YEARS))
    with connection.cursor() as c:
        c.execute("SELECT region_id FROM employers_employer GROUP BY region_id ORDER BY count(*) DESC, region_id "
                  "LIMIT 1")
        region = c.fetchone()[0]
        c.execute("CREATE TABLE bench_employers AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id "
                  "FROM employers_employer WHERE region_id = %s", [region])
        c.execute("CREATE TABLE bench_persons AS SELECT id FROM insured_insuredperson ORDER BY id LIMIT %s",
                  [persons])
        c.execute("SELECT count(*) FROM bench_employers")
        employers = c.fetchone()[0]
        months = f"generate_series('{FIRST}-01-01'::date, '{FIRST + YEARS - 1}-12-01'::date, interval '1 month')"
        c.execute(f"""
            INSERT INTO contributions_declaration (employer_id, period, sequence, kind, source, rows, lines_written,
                clamped_rows, totals, total, difference, due_on, declared_on, late, declared_at, actor)
            SELECT e.id, m::date, 900, 'declared', 'json', 0, 0, 0, '{{}}', 0, 0, m::date + 14, m::date + 4, false,
                   now(), 'bench'
            FROM bench_employers e CROSS JOIN {months} m""")
        zero = ", ".join(["0"] * 7)
        for year in range(FIRST, FIRST + YEARS):
            c.execute(f"""
                INSERT INTO contributions_contributionline (period, employer_id, person_id, declaration_id, wage,
                    base, clamp, pension_employer, pension_individual, medical_employer, medical_individual,
                    unemployment_employer, unemployment_individual, work_injury_employer)
                SELECT d.period, d.employer_id, p.id, d.id, 3000 + (p.id % 500) * 11.11 + extract(month FROM d.period),
                       3000 + (p.id % 500) * 11.11 + extract(month FROM d.period), '', {zero}
                FROM bench_persons p
                JOIN bench_employers e ON e.n = p.id % {employers}
                JOIN contributions_declaration d ON d.employer_id = e.id AND d.sequence = 900
                     AND d.period >= '{year}-01-01' AND d.period < '{year + 1}-01-01'""")
        c.execute("INSERT INTO accounts_pensionaccount (person_id, opened_on, balance) "
                  f"SELECT id, '{FIRST}-01-01', 0 FROM bench_persons ON CONFLICT (person_id) DO NOTHING")
        for year in range(FIRST, FIRST + YEARS):
            c.execute(f"""
                INSERT INTO accounts_accountentry (account_id, kind, amount, contribution_month, posted_on,
                                                   cause_type, actor, note, created_at)
                SELECT a.id, 'credit', 240 + (p.id % 500), m::date, m::date + 19, 'bench', 'bench', '', now()
                FROM bench_persons p JOIN accounts_pensionaccount a ON a.person_id = p.id
                CROSS JOIN generate_series('{year}-01-01'::date, '{year}-12-01'::date, interval '1 month') m""")
        c.execute("ANALYZE")
        c.execute("SELECT count(*) FROM contributions_contributionline WHERE person_id IN "
                  "(SELECT id FROM bench_persons)")
        lines = c.fetchone()[0]
    connection.close()
    return {"seed_s": round(time.perf_counter() - started, 1), "lines": lines, "region_id": region}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 persons")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse-seed", action="store_true", help="start from the seeded copy of an earlier run")
    args = parser.parse_args()
    persons = 1_000 if args.quick else args.persons

    seeded: dict = {}
    reused, seconds = support.seeded_copy(DB, lambda _name: seeded.update(seed(persons)),
                                          key=f"transfer {persons}", reuse=args.reuse_seed)
    print(f"  {'copied' if reused else 'seeded'} {persons:,} persons in {seconds:.1f} s", flush=True)

    os.environ.update(support.django_env(DB))
    import django

    django.setup()
    from datetime import date

    from django.db import connection

    from transfers.amounts import POOLED_AGGREGATE_SQL, POOLED_SINCE, region_months, region_months_many

    with connection.cursor() as c:
        c.execute("SELECT array_agg(id ORDER BY id) FROM bench_persons")
        ids = c.fetchone()[0]
        c.execute("SELECT region_id FROM employers_employer WHERE id = (SELECT id FROM bench_employers LIMIT 1)")
        region = c.fetchone()[0]
    until = date(FIRST + YEARS, 1, 1)

    def timed(fn):
        started = time.perf_counter()
        value = fn()
        return time.perf_counter() - started, value

    def baseline():
        with connection.cursor() as c:
            c.execute(POOLED_AGGREGATE_SQL, {"region": region, "since": POOLED_SINCE, "persons": ids})
            return {person: (months, amount) for person, months, amount in c.fetchall()}

    def service():
        figures = {}
        for i in range(0, len(ids), CHUNK):
            for person, f in region_months_many(person_ids=ids[i:i + CHUNK], region_id=region, until=until).items():
                figures[person] = (f.pooled_months, f.pooled_amount)
        return figures

    quiet = support.wait_quiet(max_wait=0 if args.quick else None)
    timed(baseline)  # warm the cache
    baseline_s, base = timed(baseline)
    service_s, served = timed(service)
    sample = ids[:1_000]
    single_s, _ = timed(lambda: [region_months(person_id=p, region_id=region, until=until) for p in sample])
    agree = base == served
    print(f"  service {service_s:.2f} s, one aggregate {baseline_s:.2f} s; one transfer "
          f"{single_s / len(sample) * 1000:.1f} ms", flush=True)
    result = {
        "machine": support.machine(), "persons": persons, "months_each": YEARS * 12, "lines": seeded.get("lines"),
        "seed_s": seeded.get("seed_s"), "seed_reused": reused, "cpu_busy_before": quiet,
        "load_average_after": support.load_average(), "service_s": round(service_s, 2),
        "baseline_s": round(baseline_s, 2), "ratio": round(service_s / baseline_s, 2),
        "one_transfer_ms": round(single_s / len(sample) * 1000, 2), "figures_agree": agree,
        "pooled_total": str(sum(a for _m, a in served.values())), "target_ratio": TARGET_RATIO,
    }
    result["met"] = result["ratio"] <= TARGET_RATIO and agree
    support.save("transfer" if not args.quick else "transfer_quick", result)
    print(json.dumps(result, ensure_ascii=False))
    connection.close()
    if not args.keep:
        support.db_drop(DB)


if __name__ == "__main__":
    main()
