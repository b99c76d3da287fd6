"""The pension estimate inside the yearly statement run (issue 27 item 4): how much longer a range takes.

1. Fresh migrated database <BENCH_DB_PREFIX>_retire (its own: other benches keep theirs), seeded as
   bench/statement_bench.py seeds (seed_demo persons, 12 months of contributions in --year at 1,000
   employers, an account with credits and interest), then the pension's data: each region's average wage
   of the year, a benefit base with a coefficient and a supplement for every retirement year to come, and
   an original-age category for every woman (half cadre 55, half worker 50). VACUUM ANALYZE.
2. For every range of STATEMENT_RANGE_SIZE persons, in one process: the range's generation
   (statements.snapshot.statements_generate_range, the one SQL statement with its deliveries) timed with
   the estimate (pension_estimates_json reading the range's inputs at once and computing each person's
   estimate) and without it (the same statement with an empty estimate), each in a transaction rolled
   back, the order alternating range by range. Also the estimate alone.
3. Reported: seconds of each phase, the growth of the generation phase, the estimate's cost per person,
   and the extrapolation to 1,000,000 persons against the whole run measured by statement_bench.py
   (BENCHMARKS.md: 18.03 min with 2 workers): the target is at most 20% more.

    python bench/pension_statement_bench.py [--persons 20000] [--year 2025] [--keep]
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

import statement_bench  # noqa: E402
import support  # noqa: E402

DB = f"{support.DB_PREFIX}_retire"
FULL_RUN_S = 18.03 * 60  # statement_bench.py at 1,000,000 persons, 2 workers (BENCHMARKS.md, 2026-11)
FULL_PERSONS = 1_000_000
WORKERS = 2
TARGET_GROWTH = 0.20
FULL_EVERY, FULL_YEARS = 2, 15  # every 2nd person has 15 more years paid and deemed years


def full_run_s() -> tuple[float, str]:
    """The whole statement run at 1,000,000 persons to measure the estimate's growth against: the latest
    statement_bench.py result at that size on this machine (it includes the estimates of its seed's persons,
    so the growth is slightly understated by their cost), else the earlier figure."""
    found = support.load("statements")
    if found and found.get("persons") == FULL_PERSONS and found.get("total_minutes"):
        return found["total_minutes"] * 60, f"bench/results/statements.json of {found.get('machine', {}).get('date')}"
    return FULL_RUN_S, "BENCHMARKS.md, 2026-11 (18.03 min)"


def pension_data(year: int) -> None:
    import psycopg

    with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
        conn.execute("""INSERT INTO agency_averagewage (region_id, year, monthly_wage, floor_percent, ceiling_percent,
                                                        effective_from, created_at)
                        SELECT r.id, %s, 9000, 60, 300, %s, now() FROM agency_region r
                        WHERE NOT EXISTS (SELECT 1 FROM agency_averagewage w WHERE w.region_id = r.id AND w.year = %s)""",
                     (year, f"{year}-01-01", year))
        conn.execute("""
            INSERT INTO pensions_benefitparameter (region_id, year, benefit_base, transitional_percent, source,
                                                   published_on, effective_from, entered_by, created_at)
            SELECT r.id, y, 10000, 1.20, 'bench', '2026-01-01', make_date(y, 1, 1), 'bench', now()
            FROM agency_region r CROSS JOIN generate_series(%s, 2070) y ON CONFLICT DO NOTHING""", (year + 1,))
        conn.execute("""
            INSERT INTO pensions_localsupplement (region_id, year, name, monthly_amount, source, published_on,
                                                  effective_from, entered_by, created_at)
            SELECT r.id, y, '地方补贴', 50, 'bench', '2026-01-01', make_date(y, 1, 1), 'bench', now()
            FROM agency_region r CROSS JOIN generate_series(%s, 2070) y ON CONFLICT DO NOTHING""", (year + 1,))
        conn.execute("""
            INSERT INTO pensions_agemonthspolicy (region_id, rule, rounding, source, published_on, effective_from,
                                                  entered_by, created_at)
            SELECT id, 'linear', 'month', 'bench', '2026-01-01', '2020-01-01', 'bench', now() FROM agency_region
            ON CONFLICT DO NOTHING""")
        # The national divisor table, as migration 0002 seeds it (a test database used as the template may
        # have lost it to a transactional test's flush: then no estimate computes the account part).
        from pensions.reference_data import DIVISOR_EFFECTIVE_FROM, DIVISOR_PUBLISHED_ON, DIVISOR_SOURCE, DIVISORS

        for age, months in DIVISORS.items():
            conn.execute("""INSERT INTO pensions_divisor (age, months, source, published_on, effective_from, entered_by,
                                                          created_at)
                            SELECT %s, %s, %s, %s, %s, 'migration', now()
                            WHERE NOT EXISTS (SELECT 1 FROM pensions_divisor WHERE age = %s)""",
                         (age, months, DIVISOR_SOURCE, DIVISOR_PUBLISHED_ON, DIVISOR_EFFECTIVE_FROM, age))
        # Full records (issue 27: the four parts computed, not only the short path): every FULL_EVERY-th person
        # also paid FULL_YEARS years before --year, at the same employer and base as in --year (the lines a
        # copy of January's, one per month, with the account's credit of the month), and has deemed years.
        for past in range(year - FULL_YEARS, year):
            conn.execute(f"CREATE TABLE IF NOT EXISTS contributions_contributionline_y{past} PARTITION OF "
                         f"contributions_contributionline FOR VALUES FROM ('{past}-01-01') TO ('{past + 1}-01-01')")
            conn.execute(f"""
                INSERT INTO contributions_contributionline (period, employer_id, person_id, declaration_id, charge_id,
                    wage, base, clamp, pension_employer, pension_individual, medical_employer, medical_individual,
                    unemployment_employer, unemployment_individual, work_injury_employer)
                SELECT make_date({past}, m, 1), l.employer_id, l.person_id, l.declaration_id, NULL, l.wage, l.base,
                       '', l.pension_employer, l.pension_individual, l.medical_employer, l.medical_individual,
                       l.unemployment_employer, l.unemployment_individual, l.work_injury_employer
                FROM contributions_contributionline l CROSS JOIN generate_series(1, 12) m
                WHERE l.period = '{year}-01-01' AND l.person_id % {FULL_EVERY} = 0""")
            conn.execute(f"""
                INSERT INTO accounts_accountentry (account_id, kind, amount, contribution_month, posted_on,
                                                   cause_type, actor, note, created_at)
                SELECT a.id, 'credit', round((5000 + (a.person_id % 97) * 100) * 0.08, 2), make_date({past}, m, 1),
                       make_date({past}, m, 20), 'bench', 'bench', '', now()
                FROM accounts_pensionaccount a CROSS JOIN generate_series(1, 12) m
                WHERE a.person_id % {FULL_EVERY} = 0 AND make_date({past}, m, 1) <> '{year - 1}-12-01'""")
            conn.execute("""INSERT INTO agency_averagewage (region_id, year, monthly_wage, floor_percent,
                                                            ceiling_percent, effective_from, created_at)
                            SELECT r.id, %s, 6000 + (%s - 2000) * 150, 60, 300, %s, now() FROM agency_region r
                            WHERE NOT EXISTS (SELECT 1 FROM agency_averagewage w
                                              WHERE w.region_id = r.id AND w.year = %s)""",
                         (past, past, f"{past}-01-01", past))
        conn.execute("""
            INSERT INTO agency_document (file, original_name, content_type, size, sha256, kind, region_id,
                                         uploaded_by, uploaded_at)
            SELECT 'bench/voucher.pdf', 'bench-voucher.pdf', 'application/pdf', 1, repeat('0', 64), 'deemed_service',
                   min(id), 'bench', now() FROM agency_region
            WHERE NOT EXISTS (SELECT 1 FROM agency_document WHERE file = 'bench/voucher.pdf')""")
        conn.execute(f"""
            INSERT INTO pensions_deemedservice (person_id, region_id, months, voucher_id, note, recorded_by,
                                                recorded_at)
            SELECT p.id, p.region_id, 60 + p.id % 61, d.id, '', 'bench', now()
            FROM insured_insuredperson p, agency_document d
            WHERE d.file = 'bench/voucher.pdf' AND p.id % {FULL_EVERY} = 0""")
        # Each person insured where their employer is (seed_demo draws the two apart): their months count in
        # their home region, so full records reach the minimum years and compute the four parts.
        conn.execute(f"""UPDATE insured_insuredperson p SET region_id = e.region_id
                         FROM contributions_contributionline l JOIN employers_employer e ON e.id = l.employer_id
                         WHERE l.person_id = p.id AND l.period = '{year}-01-01' AND p.region_id <> e.region_id""")
        conn.execute("""UPDATE insured_insuredperson SET original_retirement_age =
                          CASE WHEN sex = 'M' THEN 'men_60' WHEN id % 2 = 0 THEN 'women_55' ELSE 'women_50' END""")
        for table in ("insured_insuredperson", "pensions_benefitparameter", "agency_averagewage",
                      "contributions_contributionline", "accounts_accountentry", "pensions_deemedservice"):
            conn.execute(f"VACUUM ANALYZE {table}")


def measure(year: int) -> dict:
    os.environ.update(support.django_env(DB))
    import django

    django.setup()
    from unittest import mock

    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from statements import snapshot

    size = settings.STATEMENT_RANGE_SIZE
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM insured_insuredperson")
        first, last, persons = cursor.fetchone()
    today = timezone.localdate()
    timings = {"with": 0.0, "without": 0.0, "estimate": 0.0}
    made = {"with": 0, "without": 0}
    lines = {"total": 0, "eligible": 0, "missing_months": 0}

    def generate(kind: str, lo: int, hi: int) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            if kind == "with":
                out = snapshot.statements_generate_range(first_person_id=lo, last_person_id=hi, year=year,
                                                         region_id=None, run_id=None, generated_on=today,
                                                         actor_label="bench")
            else:
                with mock.patch.object(snapshot, "pension_estimates_json", lambda **_kw: "{}"):
                    out = snapshot.statements_generate_range(first_person_id=lo, last_person_id=hi, year=year,
                                                             region_id=None, run_id=None, generated_on=today,
                                                             actor_label="bench")
            transaction.set_rollback(True)
        timings[kind] += time.perf_counter() - started
        made[kind] += out.statements

    # What the previous years' runs left (pensions.paid_years): every person's paid months summed per region
    # and year up to the year before, one row a year; written here range by range and committed, timed apart.
    from pensions.paid_years import paid_years_through

    started = time.perf_counter()
    for lo in range(first, last + 1, size):
        with transaction.atomic():
            cursor = connection.cursor()
            cursor.execute("SELECT id FROM insured_insuredperson WHERE id BETWEEN %s AND %s", [lo, lo + size - 1])
            paid_years_through(person_ids=[row[0] for row in cursor.fetchall()], year=year - 1)
    summaries_s = time.perf_counter() - started
    for n, lo in enumerate(range(first, last + 1, size)):
        hi = lo + size - 1
        for kind in (("with", "without") if n % 2 else ("without", "with")):
            generate(kind, lo, hi)
        started = time.perf_counter()
        text = snapshot.pension_estimates_json(first_person_id=lo, last_person_id=hi, year=year, region_id=None,
                                               as_of=today)
        timings["estimate"] += time.perf_counter() - started
        for line in json.loads(text).values():
            lines["total"] += 1
            lines["eligible"] += line["total"] is not None
            lines["missing_months"] += line["months_missing"] > 0
    growth = timings["with"] / timings["without"] - 1
    per_person_ms = (timings["with"] - timings["without"]) / persons * 1000
    added_full_s = per_person_ms / 1000 * FULL_PERSONS / WORKERS
    run_s, run_source = full_run_s()
    return {"persons": persons, "range_size": size, "statements": made,
            "earlier_years_summed_s": round(summaries_s, 1),
            "generate_without_s": round(timings["without"], 1), "generate_with_s": round(timings["with"], 1),
            "estimate_alone_s": round(timings["estimate"], 1), "generate_phase_growth": round(growth, 3),
            "estimate_ms_per_person": round(per_person_ms, 3), "lines": lines,
            "extrapolated_added_s_at_1m_2_workers": round(added_full_s, 1),
            "full_run_s": round(run_s, 1), "full_run_source": run_source,
            "extrapolated_run_growth": round(added_full_s / run_s, 3),
            "target_run_growth": TARGET_GROWTH,
            "met": added_full_s / run_s <= TARGET_GROWTH}


def migrated_copy(template: str) -> None:
    support.db_drop(DB)
    with support.admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{DB}" TEMPLATE "{template}"')
    import psycopg

    with psycopg.connect(support.db_url(DB), autocommit=True) as conn:  # a test database's rows go
        conn.execute("TRUNCATE insured_insuredperson, employers_employer, contributions_contributionline, "
                     "accounts_pensionaccount, pensions_benefitparameter, pensions_localsupplement, "
                     "pensions_agemonthspolicy CASCADE")
    support.manage(DB, "migrate", "--noinput")  # the migrations the template was made before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--existing", default="", help="measure this database seeded already (e.g. the API bench's, "
                                                       "seeded the same way) instead of seeding")
    parser.add_argument("--template", default="",
                        help="copy this migrated database instead of migrating afresh (a busy machine)")
    args = parser.parse_args()
    global DB
    started = time.perf_counter()
    if args.existing:
        DB, seeded = args.existing, {"existing": args.existing}
    else:
        migrated_copy(args.template) if args.template else support.fresh_migrated(DB)
        statement_bench.DB = DB
        seeded = statement_bench.seed(args.persons, args.year)
        pension_data(args.year)
    result = {"bench": "pension_statement", "seed": seeded, "seed_total_s": round(time.perf_counter() - started, 1),
              "cpu_busy_before": support.cpu_busy(), **measure(args.year), "machine": support.machine(),
              "load_average_after": support.load_average()}
    print(json.dumps(result, ensure_ascii=False))
    support.save("pension_statement", result)
    if not args.keep and not args.existing:  # a database seeded already is someone else's to drop
        from django.db import connections

        connections.close_all()
        support.db_drop(DB)


if __name__ == "__main__":
    main()
