"""Hand-prepared statements vs psycopg's server-side binding, for the clerk lookup (in-process).

Before keeping `common.hot_paths.fetch_prepared` (compiled SQL, `prepare=True`), measure what the
alternatives cost per lookup on the same connection and data (agency_bench_seed of lookup_bench.py):

  compiled+prepared   CompiledQuery: SQL compiled once, run with prepare=True (what the code does)
  compiled+ssb        the same SQL through Django's cursor with OPTIONS server_side_binding=True:
                      psycopg binds on the server and prepares by itself after prepare_threshold runs
  compiled+client     the same SQL through Django's default (client-side binding) cursor
  orm+ssb             the selector's queryset evaluated by the ORM each time, server_side_binding=True
  orm                 the same with Django's default cursor

Each variant runs in its own process (the binding is a connection option), --lookups times after a
warm-up, on a quiet machine when it can (support.wait_quiet); the figures are microseconds per lookup,
wall-clock and of the benchmark process's own CPU (the Python side; steadier on a busy machine).

    python bench/prepare_bench.py [--lookups 3000] [--prepare-threshold 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import support  # noqa: E402

VARIANTS = ("compiled+prepared", "compiled+ssb", "compiled+client", "orm+ssb", "orm")

SNIPPET = r"""
import json, sys, time
import django
from django.db import connection
variant, lookups, threshold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
django.setup()
if variant.endswith("ssb"):
    connection.settings_dict["OPTIONS"] = {**connection.settings_dict.get("OPTIONS", {}),
                                           "server_side_binding": True, "prepare_threshold": threshold}
from agency.models import Office
from common.access import Kind, Viewer
from insured.models import InsuredPerson
from insured.selectors import persons
office = Office.objects.select_related("region").get(region__code="310101")
viewer = Viewer(Kind.CLERK, user_id=1, region_id=office.region_id, office_id=office.pk)
docs = list(InsuredPerson.objects.filter(region_id=office.region_id).order_by("id")
            .values_list("document_number", flat=True)[:2000])
compiled = persons._lookup
if variant == "compiled+prepared":
    def one(number):
        return persons.person_lookup_rows(viewer, number)
elif variant.startswith("compiled"):
    compiled.values(viewer, docs[0])
    state = compiled._compiled[viewer.kind]
    def one(number):
        params = [number if kind == "value" else getattr(viewer, arg) if kind == "viewer" else arg
                  for kind, arg in state.slots]
        with connection.cursor() as cursor:
            cursor.execute(state.sql, params)
            rows = cursor.fetchall()
        rows = list(state.compiler.apply_converters(rows, state.converters)) if state.converters else rows
        return [dict(zip(state.fields, row)) for row in rows]
else:
    def one(number):
        return list(persons.person_find_by_document(viewer, number).values(*persons.LOOKUP_FIELDS)[:1])
for number in docs[:200]:
    assert len(one(number)) == 1
started, cpu_started = time.perf_counter(), time.process_time()
for i in range(lookups):
    one(docs[i % len(docs)])
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
print(json.dumps({"variant": variant, "us_per_lookup": round(elapsed / lookups * 1e6, 1),
                  "cpu_us_per_lookup": round(cpu / lookups * 1e6, 1),
                  "server_side_binding": bool(connection.settings_dict["OPTIONS"].get("server_side_binding"))}))
"""


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lookups", type=int, default=3000)
    parser.add_argument("--prepare-threshold", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="each variant this many times; the best is kept")
    args = parser.parse_args()
    if not support.db_exists(support.SEED_DB):
        raise SystemExit(f"{support.SEED_DB} is missing: run bench/lookup_bench.py (or seed_bench.py) first")
    env = support.django_env(support.SEED_DB)
    results: dict[str, list[float]] = {v: [] for v in VARIANTS}
    cpu: dict[str, list[float]] = {v: [] for v in VARIANTS}
    quiet = []
    for _round in range(args.rounds):
        for variant in VARIANTS:
            quiet.append(support.wait_quiet(max_wait=float(support.os.environ.get("BENCH_QUIET_WAIT", "60"))))
            out = subprocess.run([support.PYTHON, "-c", SNIPPET, variant, str(args.lookups),
                                  str(args.prepare_threshold)], cwd=support.ROOT, env=env, capture_output=True,
                                 text=True, check=True).stdout
            figure = json.loads(out.strip().splitlines()[-1])
            results[variant].append(figure["us_per_lookup"])
            cpu[variant].append(figure["cpu_us_per_lookup"])
            print(f"  {variant:18} {figure['us_per_lookup']:8.1f} us/lookup wall, {figure['cpu_us_per_lookup']:8.1f} "
                  "us of this process's CPU", flush=True)
    best = {variant: min(values) for variant, values in results.items()}
    best_cpu = {variant: min(values) for variant, values in cpu.items()}
    result = {"lookups": args.lookups, "prepare_threshold": args.prepare_threshold, "rounds": args.rounds,
              "best_us_per_lookup": best, "all_us_per_lookup": results, "best_cpu_us_per_lookup": best_cpu,
              "all_cpu_us_per_lookup": cpu, "cpu_busy_before_runs": quiet,
              "load_average_after": support.load_average(), "machine": support.machine(),
              "command": "python bench/prepare_bench.py " + " ".join(sys.argv[1:])}
    support.save("prepare", result)
    print(json.dumps({"wall": best, "client_cpu": best_cpu}, indent=2))
    return result


if __name__ == "__main__":
    main()
