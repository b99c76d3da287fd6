"""A single pension estimate over the API under 20 clients (issue 27): GET /api/v1/me/pension-estimate.

1. Fresh migrated database <BENCH_DB_PREFIX>_retire_api, seeded as bench/pension_statement_bench.py seeds
   (--persons persons with 12 months of the year at 1,000 employers, accounts, then each region's average
   wage, benefit bases and supplements for every retirement year to come, a linear rule for ages with
   months, and a category for every woman).
2. --clients persons each get their own login and session (Django's test client logs them in: the
   session cookie is what a browser holds).
3. gunicorn serves config.wsgi on 127.0.0.1:--port; wrk (-t2 -c<clients>) GETs the estimate for --duration
   seconds after a 3 s warm-up, the Lua script rotating the session cookies. Before: the HTTP answer for one
   person equals the in-process computation.

Target: p99 under 50 ms.

    python bench/pension_estimate_api_bench.py [--persons 2000] [--clients 20] [--duration 20] [--workers 3]
                                               [--worker-threads 4] [--port 8761] [--keep] [--profile 500]
                                               [--template test_agency_pension] [--existing] [--kept N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pension_statement_bench  # noqa: E402
import statement_bench  # noqa: E402
import support  # noqa: E402
from lookup_bench import http_get, wrk  # noqa: E402

DB = f"{support.DB_PREFIX}_retire_api"
HOST, DEFAULT_PORT = "127.0.0.1", 8761
TARGET_P99_MS = 50.0
YEAR = 2025

LUA = r"""
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  cookies = {}
  for c in io.lines(args[1]) do cookies[#cookies + 1] = "sessionid=" .. c end
  args_path = args[2]
  sent = 0
end
function request()
  sent = sent + 1
  return wrk.format("GET", args_path, {["Cookie"] = cookies[(sent + tid) % #cookies + 1]})
end
"""
ESTIMATE_PATH, FLOOR_PATH = "/api/v1/me/pension-estimate", "/bench/constant"

SESSIONS_SNIPPET = """
import json, sys
import django; django.setup()
from django.contrib.auth.models import User
from django.test import Client
from insured.models import InsuredPerson, PersonLogin
out = []
for person in InsuredPerson.objects.filter(sex="M").order_by("id")[:int(sys.argv[1])]:
    login = PersonLogin.objects.filter(person=person).select_related("user").first()  # --existing: made before
    user = login.user if login else User.objects.create_user(person.document_number, password="bench-person-pass-2026")
    if login is None:
        PersonLogin.objects.create(user=user, person=person)
    client = Client()
    client.force_login(user)
    out.append([person.pk, client.cookies["sessionid"].value])
print(json.dumps(out))
"""

# What the statement run of the year leaves behind (pensions.paid_years): each person's paid months summed per
# region and year, so that an estimate reads one row a year; the bench measures the year after that run.
SUMMARIES_SNIPPET = """
import sys
import django; django.setup()
from django.db import transaction
from insured.models import InsuredPerson
from pensions.paid_years import paid_years_through
ids = list(InsuredPerson.objects.order_by("id").values_list("id", flat=True))
for i in range(0, len(ids), 1000):
    with transaction.atomic():
        paid_years_through(person_ids=ids[i:i + 1000], year=int(sys.argv[1]))
"""

# Where one estimate's time goes, in-process (Django test client, no network): its SQL statements, the
# microseconds per request, and cProfile's cumulative view. argv: the person ids file, requests.
PROFILE_SNIPPET = r"""
import cProfile, io, json, pstats, sys, time
import django; django.setup()
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from insured.models import PersonLogin

clients = []
for person_id in json.load(open(sys.argv[1])):
    client = Client()
    client.force_login(PersonLogin.objects.select_related("user").get(person_id=person_id).user)
    clients.append(client)
n = int(sys.argv[2])

def estimates(k):
    for i in range(k):
        r = clients[i % len(clients)].get("/api/v1/me/pension-estimate")
        assert r.status_code == 200, r.content[:300]

estimates(50)  # warm-up
with CaptureQueriesContext(connection) as queries:
    clients[0].get("/api/v1/me/pension-estimate")
print(f"SQL statements in one estimate: {len(queries.captured_queries)}")
for q in queries.captured_queries:
    print(f"  {q['time']}s  {q['sql'][:200]}")
t = time.perf_counter(); estimates(n); per = (time.perf_counter() - t) / n
print(f"in-process estimate: {per * 1e6:.0f} us per request (Django test client, no network)")
prof = cProfile.Profile()
prof.enable(); estimates(n); prof.disable()
out = io.StringIO()
pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(45)
print(out.getvalue())
"""


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--existing", action="store_true",
                        help="measure the database seeded by an earlier --keep run instead of seeding again")
    parser.add_argument("--kept", type=int, default=None, metavar="N",
                        help="PENSION_ESTIMATE_KEPT of the served processes (rendered estimates kept on their "
                             "inputs; 0: every request computes its estimate)")
    parser.add_argument("--template", default="",
                        help="copy this migrated database instead of migrating afresh (a busy machine)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile N estimates in-process (cProfile, Django test client)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (apt-get install -y wrk)")
    statement_bench.DB = pension_statement_bench.DB = DB
    env = support.django_env(DB)
    if args.kept is not None:
        env["PENSION_ESTIMATE_KEPT"] = str(args.kept)
    if not args.existing:
        pension_statement_bench.migrated_copy(args.template) if args.template else support.fresh_migrated(DB)
        statement_bench.seed(args.persons, YEAR)
        pension_statement_bench.pension_data(YEAR)
        subprocess.run([support.PYTHON, "-c", SUMMARIES_SNIPPET, str(YEAR)], cwd=support.ROOT, env=env, check=True)
    sessions = json.loads(subprocess.run([support.PYTHON, "-c", SESSIONS_SNIPPET, str(args.clients)], cwd=support.ROOT,
                                         env=env, capture_output=True, text=True, check=True).stdout)
    profile_text = None
    if args.profile:
        ids_file = Path(tempfile.mkdtemp(prefix="agency-bench-estimate-")) / "persons.json"
        ids_file.write_text(json.dumps([pk for pk, _cookie in sessions]))
        profile_text = subprocess.run([support.PYTHON, "-c", PROFILE_SNIPPET, str(ids_file), str(args.profile)],
                                      cwd=support.ROOT, env=env, capture_output=True, text=True, check=True).stdout
        support.RESULTS.mkdir(parents=True, exist_ok=True)
        (support.RESULTS / "pension_estimate_profile.txt").write_text(profile_text)
        print("  " + "\n  ".join(profile_text.splitlines()[:40]), flush=True)
    os.environ.update(env)
    import django

    django.setup()
    from insured.models import InsuredPerson
    from pensions.apis import PensionEstimateOutput
    from pensions.estimate import estimate_compute

    expected = json.loads(json.dumps(PensionEstimateOutput(
        estimate_compute(InsuredPerson.objects.get(pk=sessions[0][0]))).data))
    work = Path(tempfile.mkdtemp(prefix="agency-bench-estimate-"))
    script, cookies_file = work / "estimate.lua", work / "cookies.txt"
    script.write_text(LUA)
    cookies_file.write_text("\n".join(c for _pk, c in sessions) + "\n")
    base = f"http://{HOST}:{args.port}"
    server = support.Gunicorn(env, args.port, HOST, workers=args.workers, threads=args.worker_threads).start()
    try:
        status, body = http_get(f"{base}{ESTIMATE_PATH}", cookie=f"sessionid={sessions[0][1]}")
        answer = json.loads(body)
        assert status == 200 and answer["points"] == expected["points"], (status, body[:300])
        common = {"connections": args.clients, "threads": args.wrk_threads, "script": script}
        wrk(f"{base}{ESTIMATE_PATH}", duration=3, script_args=(str(cookies_file), ESTIMATE_PATH), **common)  # warm-up
        busy = support.cpu_busy()
        load_before = support.load_average()
        measured = wrk(f"{base}{ESTIMATE_PATH}", duration=args.duration,
                       script_args=(str(cookies_file), ESTIMATE_PATH), **common)
        # The floor on this machine: a view that does nothing, behind the same persons' sessions, at the same
        # number of clients (gunicorn, Django's middleware, the session, user and person login; no estimate).
        floor_busy = support.cpu_busy()
        floor = wrk(f"{base}{FLOOR_PATH}", duration=args.duration, script_args=(str(cookies_file), FLOOR_PATH),
                    **common)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    statutory = next(p for p in answer["points"] if p["key"] == "statutory")
    result = {"bench": "pension_estimate_api", "persons": args.persons, "clients": args.clients,
              "duration_s": args.duration, "gunicorn": f"{args.workers} workers x {args.worker_threads} threads",
              "estimate": measured, "floor_same_sessions": floor, "floor_cpu_busy_before": floor_busy,
              "example_statutory": [statutory["month"], statutory["scenarios"][0]["total"]],
              "meets_p99_target": measured["p99_ms"] < TARGET_P99_MS and measured["non_2xx"] == 0,
              "target_p99_ms": TARGET_P99_MS, "cpu_busy_before_run": busy, "load_average_before": load_before,
              "load_average_after": support.load_average(), "machine": support.machine(),
              "profiled": profile_text is not None, "kept": args.kept,
              "command": "python bench/pension_estimate_api_bench.py " + " ".join(sys.argv[1:])}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    support.save("pension_estimate_api", result)
    from django.db import connections

    connections.close_all()
    if not args.keep and not args.existing:
        support.db_drop(DB)
    return result


if __name__ == "__main__":
    main()
