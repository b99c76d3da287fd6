"""Enrolment API under concurrent portal clients: enrolments per second and latency.

1. A fresh, migrated scratch database (agency_bench_enrol) with a base population from
   `seed_demo --persons 200000 --employers 10000 --seed 2`, so the tables are not empty.
2. 20 registered employers of region 310101 (enrolments effective at once, the default) each get
   their own OAuth client-credentials client, and each client a bearer token from POST /o/token/
   (scope "read write"): 20 portal clients.
3. gunicorn serves config.wsgi on 127.0.0.1:8101; wrk (a second process, loopback only, -t2 -c20)
   POSTs /api/v1/employer/enrolments for --duration seconds after a 3 s warm-up. Every request
   enrols a new person (a valid resident ID number never used before: each wrk thread takes its own
   slice of a generated file, and the warm-up its own part), carries its own Idempotency-Key, and
   the Lua script rotates the Authorization header across the 20 tokens.
4. Before: one enrolment must answer 201 and its replay (same key and body) the same response
   without a second person. After: the new employments in the database must match wrk's 2xx
   responses (at most the requests still in flight when wrk stopped come on top).

Target: at least 200 enrolments/s with p99 under 100 ms.

    python bench/enrolment_bench.py [--duration 20] [--clients 20] [--workers 3] [--worker-threads 4]
                                    [--persons 200000] [--employers 10000] [--profile] [--quick] [--keep]
    python bench/enrolment_bench.py --profile   # also: where an enrolment's time goes (cProfile, in-process)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import support  # noqa: E402
from lookup_bench import parse_wrk  # noqa: E402

from common.identifiers import resident_id_check_character, resident_id_parse  # noqa: E402
from demo import data as demo_data  # noqa: E402  (pure Python: reference data only)

DB = f"{support.DB_PREFIX}_enrol"
HOST, DEFAULT_PORT = "127.0.0.1", 8101
PATH = "/api/v1/employer/enrolments"
REGION = "310101"
TARGET_RATE = 200.0
TARGET_P99_MS = 100.0
WARMUP_S = 3
# Documents are generated for at most this many enrolments per second, far above what the
# machine can do, so no wrk thread runs out of new persons.
MAX_RATE = 12_500
# Birthplace code of the generated persons: a real district that neither the demo regions nor the
# demo migrants' origins use, so no generated number can meet a seeded person.
ORIGIN = "310115"
CLIENT_SECRET = "bench-portal-secret"
WAGE = "8500.00"

LUA = r"""
-- args: documents file (number<TAB>name a line), first line (0-based) of this run's part,
--       lines per wrk thread, start_date, monthly_wage, run label, tokens file (one a line).
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  threads[#threads + 1] = thread
end
function init(args)
  local per = tonumber(args[3])
  local lo = tonumber(args[2]) + (tid - 1) * per
  local hi = lo + per
  docs, names = {}, {}
  local i = 0
  for line in io.lines(args[1]) do
    if i >= hi then break end
    if i >= lo then
      local tab = line:find("\t", 1, true)
      docs[#docs + 1] = line:sub(1, tab - 1)
      names[#names + 1] = line:sub(tab + 1)
    end
    i = i + 1
  end
  start_date, wage, label = args[4], args[5], args[6]
  tokens = {}
  for t in io.lines(args[7]) do tokens[#tokens + 1] = "Bearer " .. t end
  sent, exhausted, statuses = 0, 0, {}
end
function request()
  if sent >= #docs then  -- never expected: the file holds more than the run can use
    exhausted = exhausted + 1
    return wrk.format("GET", "/bench/constant")
  end
  sent = sent + 1
  local headers = {
    ["Authorization"] = tokens[(sent + tid) % #tokens + 1],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = label .. "-" .. tid .. "-" .. sent,
  }
  local body = '{"document_number":"' .. docs[sent] .. '","name":"' .. names[sent] ..
               '","start_date":"' .. start_date .. '","monthly_wage":"' .. wage .. '"}'
  return wrk.format("POST", "/api/v1/employer/enrolments", headers, body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    local parts = {}
    for code, n in pairs(t:get("statuses") or {}) do parts[#parts + 1] = code .. "=" .. n end
    io.write(string.format("bench-thread %d sent=%d exhausted=%d statuses=%s\n", t:get("tid"),
                           t:get("sent") or 0, t:get("exhausted") or 0, table.concat(parts, ",")))
  end
end
"""

CLIENTS_SNIPPET = """
import json, sys
import django; django.setup()
from django.db import transaction
from oauth2_provider.models import Application
from employers.models import Employer, RegistrationStatus
from common.access import Viewer
from employers.services.clients import employer_client_issue
from insured.terms import terms_for

region, count, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
employers = list(Employer.objects.filter(region__code=region, registration_status=RegistrationStatus.REGISTERED)
                 .select_related("region").order_by("id")[:count])
if len(employers) < count:
    sys.exit(f"only {len(employers)} registered employers in region {region}; {count} needed (seed more)")
assert not terms_for(employers[0].region).enrolment_needs_confirmation, "the region must make enrolments effective at once"
out = []
with transaction.atomic():
    for n, employer in enumerate(employers, 1):
        client, _ = employer_client_issue(employer=employer, actor=Viewer.system(), label=f"bench portal {n}",
                                          client_secret=secret)
        client_id = f"bench-portal-{n:02d}"
        Application.objects.filter(pk=client.application_id).update(client_id=client_id)
        out.append({"client_id": client_id, "employer_id": employer.pk, "uscc": employer.uscc})
print(json.dumps(out))
"""

PROFILE_SNIPPET = r"""
import cProfile, io, json, pstats, re, sys, time
from collections import defaultdict
import django; django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

path, first, n, token, start_date, wage = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:7]
lines = open(path, encoding="utf-8").read().splitlines()[first:first + 3 * n + 101]
docs = iter(line.split("\t") for line in lines)
client = Client(HTTP_AUTHORIZATION="Bearer " + token)
CONTEXT = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?, true\); ", re.S)

def enrol(k, tag):
    for i in range(k):
        number, name = next(docs)
        body = {"document_number": number, "name": name, "start_date": start_date, "monthly_wage": wage}
        r = client.post("/api/v1/employer/enrolments", json.dumps(body), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=f"profile-{tag}-{i}")
        assert r.status_code == 201, (r.status_code, r.content[:300])
def constants(k):
    for _ in range(k):
        client.get("/bench/constant")

timings = defaultdict(lambda: [0, 0.0])
def timed(execute, sql, params, many, context):
    t = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        text = CONTEXT.sub("[+history context] ", sql)
        key = re.sub(r"\s+", " ", re.sub(r'SELECT .*? FROM ', "SELECT .. FROM ", text))[:110]
        key = re.sub(r'SAVEPOINT "\w+"', "SAVEPOINT", key)
        timings[key][0] += 1; timings[key][1] += time.perf_counter() - t

enrol(100, "warm"); constants(100)  # warm-up
with CaptureQueriesContext(connection) as captured:
    enrol(1, "one")
one = [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
print(f"SQL statements in one enrolment: {len(one)} (and BEGIN, COMMIT); {sum(bool(CONTEXT.match(q)) for q in one)} "
      "of them prefixed by pghistory with SELECT set_config(...) x2. Wall time per enrolment by statement:")
with connection.execute_wrapper(timed):
    enrol(n, "sql")
for key, (count, seconds) in sorted(timings.items(), key=lambda kv: -kv[1][1]):
    print(f"  {seconds / n:.4f}s  x{count / n:.0f}  {key}")
print(f"  {sum(s for _, s in timings.values()) / n:.4f}s  per enrolment in cursor.execute (wall: client + server)")
t, c = time.perf_counter(), time.process_time(); enrol(n, "timed")
wall, cpu = (time.perf_counter() - t) / n, (time.process_time() - c) / n
print(f"in-process enrolment: {wall * 1e6:.0f} us per request, {cpu * 1e6:.0f} us of it Python CPU "
      "(Django test client, no network)")
t, c = time.perf_counter(), time.process_time(); constants(n)
wall, cpu = (time.perf_counter() - t) / n, (time.process_time() - c) / n
print(f"in-process constant: {wall * 1e6:.0f} us per request, {cpu * 1e6:.0f} us of it Python CPU")
prof = cProfile.Profile()
prof.enable(); enrol(n, "profiled"); prof.disable()
out = io.StringIO()
pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(50)
pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
print(out.getvalue())
"""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = "伟强磊军洋勇杰涛明超芳娜敏静丽艳娟霞秀英子晓思嘉安一文雅立新"


def documents(count: int, today: date, seed: int = 2) -> list[tuple[str, str]]:
    """`count` distinct valid resident ID numbers born in ORIGIN (ages 20-55 today), shuffled, with names."""
    assert ORIGIN not in demo_data.ORIGIN_CODES and all(r.code != ORIGIN for r in demo_data.DEMO_REGIONS)
    def years_back(years: int) -> date:
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28)
    earliest = years_back(55)
    days = (years_back(20) - earliest).days
    if count > days * 999:
        raise SystemExit(f"at most {days * 999} documents can be generated")
    rng = random.Random(f"enrolment-bench:{seed}")
    slots = rng.sample(range(days * 999), count)  # distinct (birth day, sequence) pairs
    out = []
    for s in slots:
        day, seq = divmod(s, 999)
        first17 = f"{ORIGIN}{earliest + timedelta(days=day):%Y%m%d}{seq + 1:03d}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.75 else "")
        out.append((first17 + resident_id_check_character(first17), name))
    resident_id_parse(out[0][0])  # the project's own check accepts them
    return out


def http_post(url: str, *, data: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def token_get(base: str, client_id: str) -> str:
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": CLIENT_SECRET, "scope": "read write"}).encode()
    status, _, body = http_post(f"{base}/o/token/", data=form,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, (client_id, status, body[:300])
    payload = json.loads(body)
    assert set(payload["scope"].split()) == {"read", "write"}, payload
    return payload["access_token"]


def enrol_once(base: str, token: str, key: str, number: str, name: str, start_date: str):
    body = json.dumps({"document_number": number, "name": name, "start_date": start_date,
                       "monthly_wage": WAGE}).encode()
    return http_post(f"{base}{PATH}", data=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key})


def counts(conn: psycopg.Connection) -> dict[str, int]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM insured_insuredperson), (SELECT count(*) FROM insured_employment), "
        "(SELECT count(*) FROM insured_relationshipevent WHERE kind = 'enrolment'), "
        "(SELECT count(*) FROM common_idempotencyrecord)").fetchone()
    return dict(zip(("persons", "employments", "enrolment_events", "idempotency_records"), row, strict=True))


def thread_report(out: str) -> list[dict]:
    rows = []
    for line in out.splitlines():
        if line.startswith("bench-thread "):
            parts = line.split()
            row = {"thread": int(parts[1])}
            for part in parts[2:]:
                key, _, value = part.partition("=")
                row[key] = int(value) if key != "statuses" else dict(
                    (code, int(n)) for code, n in (s.split("=") for s in value.split(",") if s))
            rows.append(row)
    return rows


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=200_000, help="base population (seed_demo --persons)")
    parser.add_argument("--employers", type=int, default=10_000, help="seed_demo --employers")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--duration", type=int, default=20, help="seconds of the measured run")
    parser.add_argument("--clients", type=int, default=20, help="portal clients = employers = wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--profile", action="store_true", help="also profile enrolments in-process (cProfile)")
    parser.add_argument("--profile-requests", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="5,000 persons, 200 employers, a 5 s run")
    parser.add_argument("--keep", action="store_true", help=f"keep the scratch database {DB}")
    args = parser.parse_args()
    if args.quick:
        args.persons, args.employers, args.duration = min(args.persons, 5_000), min(args.employers, 200), 5
    if not shutil.which("wrk"):
        raise SystemExit("enrolment_bench needs wrk (apt-get install -y wrk)")
    gunicorn = f"{args.workers} workers x {args.worker_threads} threads (gthread)"
    print(f"enrolment_bench: {args.clients} portal clients, {args.duration} s run, gunicorn {gunicorn} "
          f"on {HOST}:{args.port}", flush=True)

    started = time.perf_counter()
    migrate_s = support.fresh_migrated(DB)
    seed_s, _ = support.manage(DB, "seed_demo", "--persons", str(args.persons), "--employers",
                               str(args.employers), "--seed", str(args.seed))
    print(f"  migrated in {migrate_s:.0f} s, seeded in {seed_s:.0f} s", flush=True)
    env = support.django_env(DB)
    clients = json.loads(subprocess.run(
        [support.PYTHON, "-c", CLIENTS_SNIPPET, REGION, str(args.clients), CLIENT_SECRET], cwd=support.ROOT,
        env=env, capture_output=True, text=True, check=True).stdout)

    # Documents: [0] the check, then the profile's part, the warm-up's and the measured run's,
    # each run's part split into one slice per wrk thread.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    start_date = (today - timedelta(days=7)).isoformat()  # within the 30 days: not late
    profile_n = 3 * args.profile_requests + 101 if args.profile else 0
    warm_per_thread = -(-MAX_RATE * WARMUP_S // args.wrk_threads)
    run_per_thread = -(-MAX_RATE * args.duration // args.wrk_threads)
    warm_first = 1 + profile_n
    run_first = warm_first + warm_per_thread * args.wrk_threads
    total = run_first + run_per_thread * args.wrk_threads
    docs = documents(total, today, args.seed)

    work = Path(tempfile.mkdtemp(prefix="agency-bench-enrol-"))
    docs_file, tokens_file, script = work / "documents.tsv", work / "tokens.txt", work / "enrolment.lua"
    docs_file.write_text("".join(f"{n}\t{name}\n" for n, name in docs), encoding="utf-8")
    script.write_text(LUA)

    with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
        clash = conn.execute("SELECT count(*) FROM insured_insuredperson WHERE document_number LIKE %s",
                             (ORIGIN + "%",)).fetchone()[0]
        assert clash == 0, f"{clash} seeded persons born in {ORIGIN}: generated documents could clash"
        loaded = counts(conn)

    base = f"http://{HOST}:{args.port}"
    server = support.Gunicorn(env, args.port, HOST, workers=args.workers, threads=args.worker_threads).start()
    quiet: dict[str, float] = {}
    profile_text = None
    try:
        tokens = [token_get(base, c["client_id"]) for c in clients]
        tokens_file.write_text("".join(t + "\n" for t in tokens))

        # One enrolment, then its replay: same response, no second person.
        number, name = docs[0]
        with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
            before = counts(conn)
            first = enrol_once(base, tokens[0], "bench-check-1", number, name, start_date)
            assert first[0] == 201, (first[0], first[2][:500])
            replay = enrol_once(base, tokens[0], "bench-check-1", number, name, start_date)
            assert replay[0] == 201 and replay[2] == first[2], (replay[0], replay[2][:500])
            assert replay[1].get("Idempotent-Replayed") == "true", replay[1]
            after = counts(conn)
            persons_with_number = conn.execute("SELECT count(*) FROM insured_insuredperson "
                                               "WHERE document_number = %s", (number,)).fetchone()[0]
        created = {k: after[k] - before[k] for k in after}
        assert persons_with_number == 1 and created == {"persons": 1, "employments": 1, "enrolment_events": 1,
                                                        "idempotency_records": 1}, (persons_with_number, created)
        event = json.loads(first[2])
        assert event["kind"] == "enrolment" and event["decision"] == "effective", event
        print(f"  check: 201, replay identical (Idempotent-Replayed), one person; event {event['id']}", flush=True)

        common = {"connections": args.clients, "threads": args.wrk_threads, "script": script}
        warm_args = (str(docs_file), str(warm_first), str(warm_per_thread), start_date, WAGE, "warm",
                     str(tokens_file))
        run_args = (str(docs_file), str(run_first), str(run_per_thread), start_date, WAGE, "run",
                    str(tokens_file))
        warm = wrk_run(f"{base}{PATH}", duration=WARMUP_S, script_args=warm_args, **common)
        print(f"  warm-up: {warm['requests_per_s']:.0f} requests/s, non-2xx {warm['non_2xx']}", flush=True)
        quiet["enrolment"] = support.wait_quiet()
        with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
            before = counts(conn)
            result = wrk_run(f"{base}{PATH}", duration=args.duration, script_args=run_args, **common)
            time.sleep(2)  # requests still in flight when wrk stopped finish on the server
            after = counts(conn)
        print(f"  enrolment: {result}", flush=True)
    finally:
        server.stop()

    try:
        if args.profile:
            quiet["profile"] = support.wait_quiet()
            profile_text = subprocess.run(
                [support.PYTHON, "-c", PROFILE_SNIPPET, str(docs_file), "1", str(args.profile_requests),
                 tokens[0], start_date, WAGE], cwd=support.ROOT, env=env, capture_output=True, text=True,
                check=True).stdout
            support.RESULTS.mkdir(parents=True, exist_ok=True)
            (support.RESULTS / f"enrolment_profile{'_quick' if args.quick else ''}.txt").write_text(profile_text)
            print("  " + "\n  ".join(line for line in profile_text.splitlines()
                                     if line.startswith(("SQL", "in-process"))), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep:
            support.db_drop(DB)

    threads = result.pop("threads")
    ok = result["requests"] - result["non_2xx"]
    new = {k: after[k] - before[k] for k in after}
    sent = sum(t.get("sent", 0) for t in threads)
    exhausted = sum(t.get("exhausted", 0) for t in threads)
    # wrk counts the responses it received; requests it had sent but not yet answered when the
    # duration ended are not counted, yet the server completes them: 0 <= gap <= connections.
    gap = new["employments"] - ok
    consistent = (0 <= gap <= sent - result["requests"] and new["persons"] == new["employments"]
                  == new["enrolment_events"] == new["idempotency_records"])
    rate = ok / result["seconds"]
    record = {
        "clients": args.clients, "employers": [c["employer_id"] for c in clients], "region": REGION,
        "duration_s": args.duration, "wrk_threads": args.wrk_threads, "gunicorn": gunicorn,
        "requests_per_s": result["requests_per_s"], "enrolments_per_s": round(rate, 1),
        "p50_ms": result["p50_ms"], "p90_ms": result["p90_ms"], "p99_ms": result["p99_ms"],
        "requests": result["requests"], "responses_2xx": ok, "non_2xx": result["non_2xx"],
        "socket_errors": result["socket_errors"],
        "statuses": merged_statuses(threads), "requests_sent": sent, "documents_exhausted": exhausted,
        "enrolments_created": new["employments"], "created": new, "created_minus_2xx": gap,
        "created_matches_2xx": consistent,
        "gap_note": "wrk counts only the responses it received; the requests still in flight when the run "
                    "ended (at most one per connection) complete on the server, so the database may hold up "
                    "to that many more enrolments than wrk's 2xx count",
        "warmup": {"duration_s": WARMUP_S, "requests_per_s": warm["requests_per_s"], "p99_ms": warm["p99_ms"],
                   "non_2xx": warm["non_2xx"]},
        "persons_loaded_before": loaded["persons"], "employers_seeded": args.employers,
        "documents_generated": total,
        "meets_rate_target": rate >= TARGET_RATE and result["non_2xx"] == 0,
        "meets_p99_target": result["p99_ms"] < TARGET_P99_MS,
        "target_rate": TARGET_RATE, "target_p99_ms": TARGET_P99_MS,
        "cpu_busy_before_runs": quiet, "load_average_after": support.load_average(),
        "profile": profile_text is not None, "seed_s": round(seed_s, 1),
        "total_s": round(time.perf_counter() - started, 1), "machine": support.machine(),
        "command": "python bench/enrolment_bench.py " + " ".join(sys.argv[1:]),
    }
    support.save("enrolment_quick" if args.quick else "enrolment", record)
    if exhausted:
        print(f"  WARNING: wrk threads ran out of documents {exhausted} times (raise MAX_RATE)")
    if not consistent:
        print(f"  WARNING: created {new} but wrk saw {ok} 2xx of {sent} sent")
    print(f"enrolment: {rate:.0f} enrolments/s (target >= {TARGET_RATE:.0f}), p50 {result['p50_ms']} ms, "
          f"p99 {result['p99_ms']} ms (target < {TARGET_P99_MS:.0f}), non-2xx {result['non_2xx']}, "
          f"{new['employments']} created for {ok} 2xx; {args.clients} clients, {gunicorn}, "
          f"{loaded['persons']:,} persons loaded", flush=True)
    return record


def merged_statuses(threads: list[dict]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for t in threads:
        for code, n in t.get("statuses", {}).items():
            merged[code] = merged.get(code, 0) + n
    return dict(sorted(merged.items()))


def wrk_run(url: str, *, duration: int, connections: int, threads: int, script: Path,
            script_args: tuple[str, ...]) -> dict:
    """Like lookup_bench.wrk, plus the per-thread counters the Lua script prints and the run's seconds."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s",
           "-s", str(script), url, "--", *script_args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = parse_wrk(out)
    result["threads"] = thread_report(out)
    seconds, unit = re.search(r"\d+ requests in ([\d.]+)(\w+),", out).groups()
    result["seconds"] = float(seconds) * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]
    return result


if __name__ == "__main__":
    main()
