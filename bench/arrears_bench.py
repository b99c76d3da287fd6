"""Arrears of an employer with 10 years of monthly charges and payments, under 20 portal clients.

1. Fresh migrated database <BENCH_DB_PREFIX>_arrears; one region; 5,000 background employers with two
   years of declared charges (so the tables are not empty), and 20 bench employers with 120 monthly
   declared charges each (2016-11 .. 2026-10), paid through the payment service: most months on
   time, every fourth 1-40 days late (so late-fee charges were posted and paid), every seventh
   partly, and the last three months not at all. ANALYZE.
2. Each bench employer gets its own OAuth client and bearer token: 20 portal clients.
3. gunicorn serves config.wsgi on 127.0.0.1:--port; wrk (-t2 -c20) GETs
   /api/v1/employer/arrears?on=<a day> for --duration seconds after a 3 s warm-up, the Lua script
   rotating the token and the day (today and the next 60 days: "what will I owe if I pay then").
4. Before: the HTTP answer for one employer equals the in-process computation, and its total
   equals the rule recomputed from the rows.

Target: p99 under 50 ms.

    python bench/arrears_bench.py [--duration 20] [--clients 20] [--workers 3] [--worker-threads 4]
                                  [--port 8751] [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402
from lookup_bench import wrk  # noqa: E402

DB = f"{support.DB_PREFIX}_arrears"
HOST, DEFAULT_PORT = "127.0.0.1", 8751
TARGET_P99_MS = 50.0
WAIT_QUIET_S = 120  # the machine is shared: wait at most this long for it to calm down, and record how busy it was
FIRST = date(2016, 11, 1)
MONTHS = 120
SECRET = "bench-arrears-secret"

LUA = r"""
-- args: tokens file (one a line), days file (one YYYY-MM-DD a line)
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  tokens, days = {}, {}
  for t in io.lines(args[1]) do tokens[#tokens + 1] = "Bearer " .. t end
  for d in io.lines(args[2]) do days[#days + 1] = d end
  sent = 0
end
function request()
  sent = sent + 1
  local headers = { ["Authorization"] = tokens[(sent + tid) % #tokens + 1] }
  return wrk.format("GET", "/api/v1/employer/arrears?on=" .. days[(sent * 7 + tid) % #days + 1], headers)
end
"""


def django_start() -> None:
    os.environ.update(support.django_env(DB, DJANGO_SETTINGS_MODULE="config.settings"))
    import django

    django.setup()


def sql(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def month(n: int) -> date:
    index = FIRST.year * 12 + FIRST.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def load(background: int, bench: int) -> list[int]:
    sql("INSERT INTO agency_region (code, name, province, external, pooling_area) "
        "VALUES ('310101', 'Bench', 'Shanghai', false, '')")
    sql("""
        INSERT INTO employers_employer (uscc, uscc_override_reason, name, kind, region_id, established_on,
               registration_status, registration_number, registered_on, risk_class, risk_float_percent,
               contact_name, contact_phone, contact_email, address, created_at)
        SELECT '91' || lpad(g::text, 16, '0'), '', 'Bench employer ' || g, 'enterprise', r.id, '2010-01-01', 'registered',
               'B' || g, '2010-01-20', 1, 100, '', '', '', '', now()
          FROM agency_region r, generate_series(1, %(n)s) g WHERE r.code = '310101'
        """, {"n": background + bench})
    # Declarations and declared charges: two years for the background, ten for the bench employers.
    sql("""
        INSERT INTO contributions_declaration (employer_id, period, sequence, kind, source, rows, lines_written,
               clamped_rows, totals, total, difference, due_on, declared_on, late, declared_at, actor)
        SELECT e.id, m::date, 1, 'declared', 'json', 10, 10, 0, '{}', 20000 + e.id %% 997 + extract(month FROM m),
               20000 + e.id %% 997 + extract(month FROM m), m::date + 14, m::date + 5, false, m::date + time '09:00',
               'bench'
          FROM employers_employer e, generate_series(%(first)s::date, %(last)s::date, interval '1 month') m
         WHERE e.id > %(background)s OR m >= %(recent)s::date
        """, {"first": FIRST, "last": month(MONTHS - 1), "background": background,
              "recent": month(MONTHS - 24)})
    sql("""
        INSERT INTO contributions_charge (employer_id, period, kind, declaration_id, amount, due_on, fee_from,
               created_at, actor)
        SELECT d.employer_id, d.period, 'declared', d.id, d.difference, d.due_on, d.due_on, d.declared_at, 'bench'
          FROM contributions_declaration d
        """)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM employers_employer ORDER BY id OFFSET %s", [background])
        return [row[0] for row in cursor.fetchall()]


def pay_history(employer_ids: list[int]) -> int:
    """Pay each month through the service: on time, late, partly, or (the last three) not at all."""
    from django.db import transaction

    from common.access import Kind, Viewer
    from contributions.models import Charge
    from contributions.payments import payment_record

    payments = 0
    for employer_id in employer_ids:
        viewer = Viewer(Kind.EMPLOYER, employer_id=employer_id, client_id="bench")
        charges = {c.period: c.amount for c in Charge.objects.filter(employer_id=employer_id, kind="declared")}
        for n in range(MONTHS - 3):
            period = month(n)
            amount = charges[period]
            late = (n * 11 % 40) + 1 if n % 4 == 0 else 0
            if n % 7 == 0:
                amount = (amount / 2).quantize(Decimal("0.01"))
            paid_on = period.replace(day=15) + timedelta(days=late)
            # a late month's fee is paid with it (rounded up to the yuan: what is over stays a credit)
            extra = Decimal(int(amount * Decimal("0.0005") * late) + 1) if late else Decimal(0)
            with transaction.atomic():  # a helper of the collection services, which lock in their transaction
                payment_record(employer_id=employer_id, bank_reference=f"B{employer_id}-{n}", amount=amount + extra,
                               paid_on=paid_on, actor=viewer)
            payments += 1
    return payments


CLIENTS_SNIPPET = """
import json, sys
import django; django.setup()
from employers.models import Employer
from employers.services.clients import employer_client_issue
from common.access import Viewer
ids, secret = json.loads(sys.argv[1]), sys.argv[2]
out = []
for employer in Employer.objects.filter(pk__in=ids).order_by("id"):
    issued, _ = employer_client_issue(employer=employer, actor=Viewer.system(), client_secret=secret)
    out.append(issued.application.client_id)
print(json.dumps(out))
"""


def token_get(base: str, client_id: str) -> str:
    data = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": SECRET, "scope": "read write"}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{base}/o/token/", data=data), timeout=10) as response:
        return json.loads(response.read())["access_token"]


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--background", type=int, default=5_000)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--quick", action="store_true", help="5 s run, 500 background employers")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.background = 5, 500
    if not shutil.which("wrk"):
        raise SystemExit("arrears_bench needs wrk (apt-get install -y wrk)")
    print(f"arrears_bench: {args.clients} clients, {MONTHS} months each, {args.duration} s", flush=True)
    support.fresh_migrated(DB)
    django_start()
    t0 = time.perf_counter()
    employer_ids = load(args.background, args.clients)
    payments = pay_history(employer_ids)
    sql("ANALYZE")
    load_s = time.perf_counter() - t0
    print(f"  loaded {len(employer_ids)} employers x {MONTHS} months, {payments} payments in {load_s:.0f} s", flush=True)

    from django.db import connection

    from contributions.selectors.arrears import employer_arrears

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE kind = 'late_fee') FROM contributions_charge "
                       "WHERE employer_id = %s", [employer_ids[0]])
        charges_one, fees_one = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM contributions_allocation WHERE employer_id = %s", [employer_ids[0]])
        allocations_one = cursor.fetchone()[0]
        cursor.execute("SELECT region_id FROM employers_employer WHERE id = %s", [employer_ids[0]])
        region_id = cursor.fetchone()[0]
    on = date(2026, 11, 20)
    expected = employer_arrears(employer_id=employer_ids[0], region_id=region_id, on=on)

    env = support.django_env(DB)
    client_ids = json.loads(subprocess.run([support.PYTHON, "-c", CLIENTS_SNIPPET, json.dumps(employer_ids), SECRET],
                                           cwd=support.ROOT, env=env, capture_output=True, text=True,
                                           check=True).stdout)
    work = Path(tempfile.mkdtemp(prefix="agency-bench-arrears-"))
    script, tokens_file, days_file = work / "arrears.lua", work / "tokens.txt", work / "days.txt"
    script.write_text(LUA)
    days_file.write_text("\n".join((on + timedelta(days=d)).isoformat() for d in range(61)) + "\n")
    base = f"http://{HOST}:{args.port}"
    server = support.Gunicorn(env, args.port, HOST, workers=args.workers, threads=args.worker_threads).start()
    try:
        tokens = [token_get(base, c) for c in client_ids]
        tokens_file.write_text("\n".join(tokens) + "\n")
        request = urllib.request.Request(f"{base}/api/v1/employer/arrears?on={on.isoformat()}",
                                         headers={"Authorization": f"Bearer {tokens[0]}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        assert Decimal(answer["total"]) == expected.total and len(answer["periods"]) == len(expected.periods), \
            (answer["total"], expected.total)
        common = {"connections": args.clients, "threads": args.wrk_threads}
        wrk(f"{base}/api/v1/employer/arrears", duration=3, script=script,
            script_args=(str(tokens_file), str(days_file)), **common)  # warm-up
        quiet = support.wait_quiet(max_wait=5 if args.quick else WAIT_QUIET_S)
        load_before = support.load_average()
        measured = wrk(f"{base}/api/v1/employer/arrears", duration=args.duration, script=script,
                       script_args=(str(tokens_file), str(days_file)), **common)
        print(f"  arrears: {measured}", flush=True)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    result = {
        "employers_measured": len(employer_ids), "background_employers": args.background, "months": MONTHS,
        "charges_per_employer": charges_one, "late_fee_charges_per_employer": fees_one,
        "allocations_per_employer": allocations_one, "payments": payments, "load_s": round(load_s, 1),
        "duration_s": args.duration, "connections": args.clients, "wrk_threads": args.wrk_threads,
        "gunicorn": f"{args.workers} workers x {args.worker_threads} threads (gthread)",
        "arrears": measured, "example_total": str(expected.total), "example_periods": len(expected.periods),
        "meets_p99_target": measured["p99_ms"] < TARGET_P99_MS and measured["non_2xx"] == 0,
        "target_p99_ms": TARGET_P99_MS, "cpu_busy_before_run": quiet, "load_average_before": load_before,
        "load_average_after": support.load_average(), "machine": support.machine(),
        "command": "python bench/arrears_bench.py " + " ".join(sys.argv[1:]),
    }
    support.save("arrears_quick" if args.quick else "arrears", result)
    print(f"  p99 {measured['p99_ms']} ms (target < {TARGET_P99_MS}), {measured['requests_per_s']}/s", flush=True)
    from django.db import connections

    connections.close_all()
    if not args.keep:
        support.db_drop(DB)
    return result


if __name__ == "__main__":
    main()
