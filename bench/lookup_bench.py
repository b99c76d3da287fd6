"""Clerk lookup by document number under load, against a bare constant view on the same server.

With the persons of seed_bench.py loaded (agency_bench_seed; seeded here if missing or smaller
than --persons), gunicorn serves config.wsgi on 127.0.0.1:8100, and wrk (a second process,
loopback only) drives --connections concurrent clients for --duration seconds at:

  GET /api/v1/agency/persons?document=<a number of the clerk's region>  (clerk's session cookie;
      a Lua script rotates through 10,000 document numbers of region 310101)
  GET /bench/constant                                                  (a bare Django view)

and reports p50, p99 and requests/s of each and the throughput ratio.
Targets: the lookup reaches at least half the constant view's throughput, p99 under 50 ms.

    python bench/lookup_bench.py [--persons 1000000] [--duration 20] [--connections 50] [--quick]
    python bench/lookup_bench.py --profile   # also: where a lookup's time goes (cProfile, in-process)
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import psycopg
import support

HOST, DEFAULT_PORT = "127.0.0.1", 8100
TARGET_THROUGHPUT_SHARE = 0.5
TARGET_P99_MS = 50.0
REGION = "310101"

LUA = r"""
-- Rotate through document numbers (one per line in args[1]); args[2] is the Cookie header.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  docs = {}
  for line in io.lines(args[1]) do docs[#docs + 1] = line end
  cookie = args[2]
  idx = ((tid or 1) * 7919) % #docs
end
function request()
  idx = idx % #docs + 1
  return wrk.format("GET", "/api/v1/agency/persons?document=" .. docs[idx], {["Cookie"] = cookie})
end
"""

SESSION_SNIPPET = """
import django; django.setup()
from django.test import Client
client = Client()
assert client.login(username="clerk", password="clerk-demo-2026"), "clerk login failed"
# DJANGO_DEBUG is off here, so the clerk's session needs its second factor: mark it verified by the
# demo clerk's TOTP device (demo_accounts enrols it), as the admin's login form would.
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
session = client.session
session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user__username="clerk", confirmed=True).persistent_id
session.save()
print(client.cookies["sessionid"].value)
"""

PROFILE_SNIPPET = r"""
import cProfile, io, pstats, sys, time
import django; django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

docs = open(sys.argv[1]).read().split()
n = int(sys.argv[2])
client = Client()
assert client.login(username="clerk", password="clerk-demo-2026")
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
session = client.session
session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user__username="clerk", confirmed=True).persistent_id
session.save()

def lookups(k):
    for i in range(k):
        r = client.get("/api/v1/agency/persons", {"document": docs[i % len(docs)]})
        assert r.status_code == 200
def constants(k):
    for _ in range(k):
        client.get("/bench/constant")

lookups(200); constants(200)  # warm-up
with CaptureQueriesContext(connection) as queries:
    client.get("/api/v1/agency/persons", {"document": docs[0]})
print(f"SQL statements in one lookup: {len(queries.captured_queries)}")
for q in queries.captured_queries:
    print(f"  {q['time']}s  {q['sql'][:300]}")
for name, fn in (("lookup", lookups), ("constant", constants)):
    t = time.perf_counter(); fn(n); per = (time.perf_counter() - t) / n
    print(f"in-process {name}: {per * 1e6:.0f} us per request (Django test client, no network)")
prof = cProfile.Profile()
prof.enable(); lookups(n); prof.disable()
out = io.StringIO()
pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(45)
print(out.getvalue())
"""


def wrk(url: str, *, duration: int, connections: int, threads: int, script: Path | None = None,
        script_args: tuple[str, ...] = (), headers: dict[str, str] | None = None) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script_args:
        cmd += ["--", *script_args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> dict:
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", out, re.M))
    total, seconds = re.search(r"(\d+) requests in ([\d.]+)(\w+),", out).group(1, 2)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": round(_ms(pct["50"]), 2), "p90_ms": round(_ms(pct["90"]), 2), "p99_ms": round(_ms(pct["99"]), 2),
        "requests": int(total), "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def ensure_seeded(persons: int) -> int:
    if support.db_exists(support.SEED_DB):
        with psycopg.connect(support.db_url(support.SEED_DB)) as conn:
            have = conn.execute("SELECT count(*) FROM insured_insuredperson").fetchone()[0]
        if have >= persons:
            return have
    print(f"  seeding {support.SEED_DB} with {persons} persons first", flush=True)
    support.fresh_migrated(support.SEED_DB)
    support.manage(support.SEED_DB, "seed_demo", "--persons", str(persons), "--employers",
                   str(max(persons // 20, 20)), "--seed", "1")
    return persons


def http_get(url: str, cookie: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000, help="persons loaded (seeded if fewer)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=50, help="concurrent clients")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--profile", action="store_true", help="also profile lookups in-process (cProfile)")
    parser.add_argument("--quick", action="store_true", help="20,000 persons, 5 s runs")
    args = parser.parse_args()
    if args.quick:
        args.persons, args.duration = min(args.persons, 20_000), 5
    if not shutil.which("wrk"):
        raise SystemExit("lookup_bench needs wrk (apt-get install -y wrk)")

    print(f"lookup_bench: {args.connections} clients, {args.duration} s per run, gunicorn {args.workers}x"
          f"{args.worker_threads} gthread on {HOST}:{args.port}", flush=True)
    loaded = ensure_seeded(args.persons)
    support.manage(support.SEED_DB, "demo_accounts")
    env = support.django_env(support.SEED_DB)
    cookie = "sessionid=" + subprocess.run([support.PYTHON, "-c", SESSION_SNIPPET], cwd=support.ROOT, env=env,
                                           capture_output=True, text=True, check=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="agency-bench-lookup-"))
    docs_file, script = work / "documents.txt", work / "lookup.lua"
    with psycopg.connect(support.db_url(support.SEED_DB)) as conn:
        docs = [r[0] for r in conn.execute(
            "SELECT p.document_number FROM insured_insuredperson p JOIN agency_region r ON r.id = p.region_id "
            "WHERE r.code = %s ORDER BY md5(p.document_number) LIMIT 10000", (REGION,))]
        in_region = conn.execute("SELECT count(*) FROM insured_insuredperson p JOIN agency_region r "
                                 "ON r.id = p.region_id WHERE r.code = %s", (REGION,)).fetchone()[0]
        foreign = conn.execute("SELECT p.document_number FROM insured_insuredperson p JOIN agency_region r "
                               "ON r.id = p.region_id WHERE r.code <> %s LIMIT 1", (REGION,)).fetchone()[0]
    docs_file.write_text("\n".join(docs) + "\n")
    script.write_text(LUA)

    quiet: dict[str, float] = {}
    profile_text = None
    if args.profile:
        quiet["profile"] = support.wait_quiet()
        profile_text = subprocess.run([support.PYTHON, "-c", PROFILE_SNIPPET, str(docs_file), "2000"],
                                      cwd=support.ROOT, env=env, capture_output=True, text=True,
                                      check=True).stdout
        support.RESULTS.mkdir(parents=True, exist_ok=True)
        (support.RESULTS / f"lookup_profile{'_quick' if args.quick else ''}.txt").write_text(profile_text)
        print("  " + "\n  ".join(profile_text.splitlines()[:12]), flush=True)

    base = f"http://{HOST}:{args.port}"
    server = support.Gunicorn(env, args.port, HOST, workers=args.workers, threads=args.worker_threads).start()
    try:
        status, body = http_get(f"{base}/api/v1/agency/persons?document={docs[0]}", cookie)
        assert status == 200 and body.count(b'"id"') == 1, (status, body[:300])
        status, body = http_get(f"{base}/api/v1/agency/persons?document={foreign}", cookie)
        assert status == 200 and b'"results":[]' in body, (status, body[:300])  # scoped to the region

        common = {"connections": args.connections, "threads": args.wrk_threads}
        wrk(f"{base}/api/v1/agency/persons", duration=3, script=script, script_args=(str(docs_file), cookie),
            **common)  # warm-up: connections, caches
        wrk(f"{base}/bench/constant", duration=3, **common)
        quiet["lookup"] = support.wait_quiet()
        lookup = wrk(f"{base}/api/v1/agency/persons", duration=args.duration, script=script,
                     script_args=(str(docs_file), cookie), **common)
        print(f"  lookup:   {lookup}", flush=True)
        quiet["constant"] = support.wait_quiet()
        constant = wrk(f"{base}/bench/constant", duration=args.duration, **common)
        print(f"  constant: {constant}", flush=True)
        quiet["constant_with_cookie"] = support.wait_quiet()
        constant_cookie = wrk(f"{base}/bench/constant", duration=args.duration, headers={"Cookie": cookie},
                              **common)
        print(f"  constant with the session cookie: {constant_cookie}", flush=True)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    share = lookup["requests_per_s"] / constant["requests_per_s"]
    result = {
        "persons_loaded": loaded, "persons_in_region": in_region, "documents_rotated": len(docs),
        "duration_s": args.duration, "connections": args.connections, "wrk_threads": args.wrk_threads,
        "gunicorn": f"{args.workers} workers x {args.worker_threads} threads (gthread)",
        "lookup": lookup, "constant": constant, "constant_with_cookie": constant_cookie,
        "throughput_share": round(share, 3),
        "meets_throughput_target": share >= TARGET_THROUGHPUT_SHARE and lookup["non_2xx"] == 0,
        "meets_p99_target": lookup["p99_ms"] < TARGET_P99_MS,
        "cpu_busy_before_runs": quiet, "load_average_after": support.load_average(),
        "profile": profile_text is not None, "machine": support.machine(),
        "command": "python bench/lookup_bench.py " + " ".join(sys.argv[1:]),
    }
    support.save("lookup_quick" if args.quick else "lookup", result)
    print(f"  lookup/constant throughput {share:.2f} (target >= {TARGET_THROUGHPUT_SHARE}); "
          f"lookup p99 {lookup['p99_ms']} ms (target < {TARGET_P99_MS})")
    return result


if __name__ == "__main__":
    main()
