"""Run every benchmark and rewrite BENCHMARKS.md with the figures (`make bench`).

    python bench/run_all.py            # the issue's workloads: 1,000,000 persons, 50,000 employers,
                                       # 20 portal clients enrolling, the sweep over 1M / 10M closed deadlines
    python bench/run_all.py --quick    # small sizes, a few minutes; writes bench/results/BENCHMARKS-quick.md
    python bench/run_all.py --report   # only rewrite BENCHMARKS.md from bench/results/*.json

Each benchmark also runs on its own: bench/seed_bench.py, bench/lookup_bench.py,
bench/enrolment_bench.py, bench/deadline_sweep_bench.py (see --help).
They need PostgreSQL and Redis servers (BENCH_PG_URL / DATABASE_URL, BENCH_REDIS_URL) and wrk.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import support

BENCH = Path(__file__).resolve().parent
OUTPUT = support.ROOT / "BENCHMARKS.md"
QUICK_OUTPUT = support.RESULTS / "BENCHMARKS-quick.md"
# Everything below this line in BENCHMARKS.md is written by hand and kept when the figures are rewritten.
MARKER = "<!-- Analysis below this line is kept by bench/run_all.py -->"


def run(script: str, *args: str) -> None:
    print(f"$ python bench/{script} {' '.join(args)}".rstrip(), flush=True)
    subprocess.run([support.PYTHON, str(BENCH / script), *args], cwd=support.ROOT, check=True)


def yes(ok: bool) -> str:
    return "met" if ok else "**missed**"


def seed_section(r: dict) -> list[str]:
    lines = [
        "## Bulk seeding: `seed_demo` against a raw COPY",
        "",
        f"Workload: {r['persons']:,} insured persons and {r['employers']:,} employers, seed {r['seed']}, each into a "
        "fresh, migrated database (all indexes, constraints and history triggers in place).",
        "",
        "| measure | seconds |",
        "|---|---:|",
        f"| `manage.py seed_demo` (whole process: start-up, regions, generation, COPY, ANALYZE) | {r['seed_demo_wall_s']} |",
        f"| of which inside the command | {r['seed_demo_internal_s']} |",
        f"| raw COPY of the same rows from CSV files ({r['csv_mb']} MB) with psycopg | {r['raw_copy_s']} |",
        f"| writing those CSV files (`seed_demo --csv-dir`, not part of the ratio) | {r['csv_write_wall_s']} |",
        "",
        f"**Ratio {r['ratio']:.2f}** (seed_demo wall-clock / raw COPY; {r['ratio_internal']:.2f} counting the command "
        f"alone). Target at most {r['target_ratio']}: {yes(r['meets_target'])}. "
        f"Both databases hold the same rows (digest of every generated column): {r['same_rows']}.",
        "",
        f"CPU busy share just before the timed runs (other work on the machine): {r.get('cpu_busy_before_runs')}.",
        "",
    ]
    if r.get("naive_copy_s"):
        lines += [
            "### The naive COPY is quadratic",
            "",
            "The same person rows COPYed in one transaction with the foreign keys left as declared "
            "(DEFERRABLE INITIALLY DEFERRED), rolled back after each size:",
            "",
            "| rows | seconds | µs per row |",
            "|---:|---:|---:|",
        ]
        for n, s in r["naive_copy_s"].items():
            lines.append(f"| {int(n):,} | {s} | {s / int(n) * 1e6:.0f} |")
        lines += [
            "",
            "The cost per row grows with the rows already loaded. Each history trigger (pghistory) calls "
            "`_pgtrigger_should_ignore()` and `_pgh_attach_context()`, PL/pgSQL functions whose `BEGIN ... "
            "EXCEPTION` blocks open a subtransaction and, when the `pgtrigger.ignore` / `pghistory.context_*` "
            "settings are unset, abort it (the unset `current_setting()` raises). On every subtransaction abort "
            "PostgreSQL scans the transaction's whole deferred-trigger queue, which holds one foreign-key check "
            "per row loaded so far. A million rows would take about an hour. `seed_demo` therefore runs "
            "`SET CONSTRAINTS ALL IMMEDIATE` (the queue stays empty; keys are checked at the end of each "
            "statement) and sets the pghistory context explicitly (the audit rows name `seed_demo` and the "
            "seed, and the trigger functions take their no-exception path). The raw-COPY baseline above "
            "uses the same `SET CONSTRAINTS ALL IMMEDIATE`, so the ratio compares like with like.",
            "",
        ]
    return lines


def lookup_section(r: dict, profile: str | None, suffix: str) -> list[str]:
    lk, c, cc = r["lookup"], r["constant"], r["constant_with_cookie"]
    lines = [
        "## Clerk lookup by document number under load",
        "",
        f"{r['persons_loaded']:,} persons loaded ({r['persons_in_region']:,} in the clerk's region 310101). "
        f"gunicorn `config.wsgi`, {r['gunicorn']}, on 127.0.0.1:8100; wrk in a second process on loopback, "
        f"{r['wrk_threads']} threads, {r['connections']} connections, {r['duration_s']} s per run after a 3 s "
        f"warm-up; the lookup rotates through {r['documents_rotated']:,} document numbers of the region with "
        "the clerk's session cookie.",
        "",
        "| endpoint | requests/s | p50 ms | p90 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `GET /api/v1/agency/persons?document=…` | {lk['requests_per_s']:.0f} | {lk['p50_ms']} | {lk['p90_ms']} | "
        f"{lk['p99_ms']} | {lk['non_2xx']} |",
        f"| `GET /bench/constant` (bare view, no cookie) | {c['requests_per_s']:.0f} | {c['p50_ms']} | {c['p90_ms']} | "
        f"{c['p99_ms']} | {c['non_2xx']} |",
        f"| `GET /bench/constant` with the session cookie | {cc['requests_per_s']:.0f} | {cc['p50_ms']} | "
        f"{cc['p90_ms']} | {cc['p99_ms']} | {cc['non_2xx']} |",
        "",
        f"**Lookup throughput / constant view throughput = {r['throughput_share']:.2f}** "
        f"(target at least 0.5: {yes(r['meets_throughput_target'])}); "
        f"lookup p99 {lk['p99_ms']} ms (target under 50 ms: {yes(r['meets_p99_target'])}).",
        "",
        f"CPU busy share just before each run (other work on the machine): {r.get('cpu_busy_before_runs')}; "
        f"load average after: {r.get('load_average_after')}.",
        "",
    ]
    if profile:
        lines += profile_lines("Where a lookup's time goes (in-process, Django test client, cProfile)", profile,
                               f"bench/results/lookup_profile{suffix}.txt")
    return lines


def profile_lines(title: str, profile: str, path: str) -> list[str]:
    head = [line for line in profile.splitlines() if line.startswith(("SQL", "  0.", "in-process"))]
    return [f"### {title}", "", "```", *(line[:160] for line in head), "```", "",
            f"Full profile: `{path}` (not committed).", ""]


def enrolment_section(r: dict, profile: str | None, suffix: str) -> list[str]:
    lines = [
        f"## Enrolment API under {r['clients']} portal clients",
        "",
        f"{r['persons_loaded_before']:,} persons and {r['employers_seeded']:,} employers loaded (`seed_demo`) in a "
        f"fresh database; {r['clients']} registered employers of region {r['region']} (enrolments effective at "
        "once, the default), each with its own OAuth client-credentials client and bearer token (scope "
        f"`read write`). gunicorn `config.wsgi`, {r['gunicorn']}, on 127.0.0.1:8101; wrk in a second process on "
        f"loopback, {r['wrk_threads']} threads, {r['clients']} connections, {r['duration_s']} s after a 3 s warm-up. "
        "Each request enrols a new person (a valid resident ID number never sent before) with its own "
        "`Idempotency-Key`; the bearer token rotates across the clients.",
        "",
        "| endpoint | enrolments/s | requests/s | p50 ms | p90 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| `POST /api/v1/employer/enrolments` | {r['enrolments_per_s']:.0f} | {r['requests_per_s']:.0f} | "
        f"{r['p50_ms']} | {r['p90_ms']} | {r['p99_ms']} | {r['non_2xx']} |",
        "",
        f"**{r['enrolments_per_s']:.0f} enrolments/s** (target at least {r['target_rate']:.0f}: "
        f"{yes(r['meets_rate_target'])}); p99 {r['p99_ms']} ms (target under {r['target_p99_ms']:.0f} ms: "
        f"{yes(r['meets_p99_target'])}).",
        "",
        "Before the run one enrolment answered 201 and its replay with the same key the same response, "
        "without a second person. After it the database held "
        f"{r['enrolments_created']:,} new employments (and as many persons, enrolment events and idempotency "
        f"records: {r['created_matches_2xx']}) for {r['responses_2xx']:,} 2xx responses. The difference, "
        f"{r['created_minus_2xx']}, is the requests still in flight when wrk stopped: wrk counts only the "
        f"answers it received ({r['requests_sent']:,} requests were sent, at most one in flight per connection). "
        f"Status codes: {r['statuses']}.",
        "",
        f"CPU busy share just before the run (other work on the machine): {r.get('cpu_busy_before_runs')}; "
        f"load average after: {r.get('load_average_after')}.",
        "",
    ]
    if profile:
        lines += profile_lines("Where an enrolment's time goes (in-process, Django test client, cProfile)", profile,
                               f"bench/results/enrolment_profile{suffix}.txt")
    return lines


def sweep_section(r: dict) -> list[str]:
    runs = len(r["runs_small_s"])
    seq_scan = r.get("seq_scan_on_deadlines_or_notices", r.get("any_seq_scan"))
    counts = r["counts_large"]
    return [
        "## Daily deadline sweep: its cost follows the open items",
        "",
        f"{r['open']:,} open deadlines (due from 20 days ago to 39 days ahead, half of them assigned) among "
        f"{r['closed_small']:,}, then {r['closed_large']:,} closed ones (each with the notices it once had). "
        "`agency.tasks.deadline_sweep` runs in-process (Celery eager, locmem mail: built and \"sent\", never "
        f"delivered), median of {runs} runs; between runs the open items get their state back and lose their "
        "notices (not timed).",
        "",
        "| closed deadlines | sweep s (median) | runs s |",
        "|---:|---:|---|",
        f"| {r['closed_small']:,} | {r['seconds_small']} | {', '.join(str(x) for x in r['runs_small_s'])} |",
        f"| {r['closed_large']:,} | {r['seconds_large']} | {', '.join(str(x) for x in r['runs_large_s'])} |",
        "",
        f"**Ratio {r['ratio']:.2f}** (large / small; target at most {r['target_ratio']}: {yes(r['meets_target'])}). "
        f"Each sweep: {counts.get('reminded')} reminded, {counts.get('missed')} marked missed, "
        f"{counts.get('escalated')} escalated, {counts.get('mails')} mails.",
        "",
        f"EXPLAIN of every SELECT the sweep sent on the deadline tables: all reads of `agency_deadline` use a "
        f"partial index over open items: {r['deadline_reads_use_open_index']}; a sequential scan of the deadline "
        f"or notice tables: {seq_scan}.",
        "",
        f"Rows at the end: {r['rows_at_end']['agency_deadline']:,} deadlines, "
        f"{r['rows_at_end']['agency_deadlinenotice']:,} notices. Loading took {r['load_small_s']} s for the small "
        f"set and {r['load_large_s']} s more for the large one (not timed).",
        "",
    ]


def assessment_section(r: dict) -> list[str]:
    return [
        "## Daily Art. 62 assessment against one INSERT .. SELECT",
        "",
        f"Workload: {r['employers']:,} registered employers, each with {r['history_months']} declared months "
        f"(declaration and charge), of which {r['missing']:,} did not declare the assessed month. "
        "`provisional_assess_run` (the daily job without Celery: batches of 10,000 employers, the 12-month "
        "look-back window, the event rows, the credit check) against ONE `INSERT .. SELECT` that writes the same "
        "charges for that month; median of the runs, the provisional charges removed between runs (not timed).",
        "",
        "| measure | seconds (median) | runs |",
        "|---|---:|---|",
        f"| daily job | {r['job_s']} | {r['job_runs_s']} |",
        f"| one INSERT .. SELECT | {r['reference_s']} | {r['reference_runs_s']} |",
        "",
        f"**Ratio {r['ratio']:.2f}** (target at most {r['target_ratio']}: {yes(r['meets_target'])}). Both wrote the "
        f"same {r['assessed']:,} charges (employer, period, amount): {r['same_rows']}. A second run the same day "
        f"assessed {r['second_run_same_day_assessed']}. CPU busy share before the runs: {r['cpu_busy_before_runs']}; "
        f"load average after: {r['load_average_after']}.",
        "",
    ]


def arrears_section(r: dict) -> list[str]:
    a = r["arrears"]
    return [
        "## Arrears of an employer with 10 years of charges, 20 portal clients",
        "",
        f"Workload: {r['employers_measured']} employers with {r['months']} monthly declared charges each, paid through "
        f"the payment service ({r['payments']:,} payments: on time, late with their fees, partly, the last three "
        f"months unpaid), so each has {r['charges_per_employer']} charges ({r['late_fee_charges_per_employer']} late "
        f"fees) and {r['allocations_per_employer']} allocations; {r['background_employers']:,} other employers with "
        f"two years of charges. gunicorn {r['gunicorn']}; wrk {r['wrk_threads']} threads, {r['connections']} "
        f"connections, {r['duration_s']} s, each request with one of the {r['employers_measured']} bearer tokens and "
        "a day from today to 60 days ahead.",
        "",
        "| endpoint | requests/s | p50 ms | p90 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `GET /api/v1/employer/arrears?on=` | {a['requests_per_s']} | {a['p50_ms']} | {a['p90_ms']} | "
        f"{a['p99_ms']} | {a['non_2xx']} |",
        "",
        f"Target p99 under {r['target_p99_ms']} ms: {yes(r['meets_p99_target'])}. CPU busy share before the run: "
        f"{r['cpu_busy_before_run']}; load average before {r['load_average_before']}, after {r['load_average_after']}.",
        "",
    ]


def declaration_section(r: dict) -> list[str]:
    rows = "".join(f"| `POST /api/v1/employer/declarations`, {x['kind'].upper()} ({x['period']}, {x['body_mb']} MB) | "
                   f"{x['seconds']} |\n" for x in r["runs"])
    return [
        "## A 100,000-row declaration over HTTP against a raw COPY",
        "",
        f"Workload: one employer with {r['persons']:,} persons on its staff; the whole roll POSTed to gunicorn "
        f"({r['gunicorn']}) with an Idempotency-Key, timed from the first byte sent to the last byte of the 201 "
        "(parsing, validation against the roll, figures, lines by COPY, charge, event, response); each run a new "
        "month, the last one as a CSV upload. Reference: the first declaration's lines written again with ONE "
        "`COPY ... FROM STDIN` into the same table (rolled back), median of three.",
        "",
        "| measure | seconds |",
        "|---|---:|",
        rows.rstrip("\n"),
        f"| raw COPY of the same {r['persons']:,} lines | {r['copy_s']} (runs {r['copy_runs_s']}) |",
        "",
        f"**Ratio {r['ratio']:.2f}** (JSON median / COPY; target at most {r['target_ratio']}); the worker's peak memory "
        f"(VmHWM) {r['worker_peak_mb']} MB, {r['worker_peak_before_mb']} MB before the first declaration (target "
        f"under {r['target_peak_mb']} MB): {yes(r['meets_target'])}. Load average after: {r['load_average_after']}.",
        "",
    ]


def interest_section(r: dict) -> list[str]:
    return [
        "## Yearly interest and the full reconciliation of individual accounts",
        "",
        f"Workload: {r['persons']:,} accounts with 13 credits each (an opening credit in December of the year "
        f"before and one a month in {r['year']}), {r['year']} at {r['rate_percent']}%. The run "
        "(`interest_run_start` + `interest_run_continue`: the figures staged in one pass, then posted in chunks "
        "of 20,000 accounts, each chunk its own transaction with the cursor) against ONE SELECT computing the same "
        "figures over the same entries; then the full reconciliation (balance and credits of every account) "
        "against one aggregate of the balance check.",
        "",
        "| measure | service s | one statement s | ratio | target |",
        "|---|---:|---:|---:|---|",
        f"| interest run | {r['interest_service_s']} ({r['interest_minutes']} min) | {r['interest_baseline_s']} | "
        f"{r['interest_ratio']} | under 2 min and at most 3x |",
        f"| full reconciliation | {r['reconcile_service_s']} | {r['reconcile_baseline_s']} | {r['reconcile_ratio']} | "
        "at most 2x |",
        "",
        f"Targets met: {yes(r['met'])}. Both computed the same figures: {r['accounts_credited']:,} accounts, "
        f"{r['interest_total']} yuan ({r['figures_agree']}); the reconciliation found "
        f"{r['reconcile_differences']} differences. CPU busy share before the runs: {r['cpu_busy_before']}; load "
        f"average after: {r['load_average_after']}.",
        "",
    ]


def transfer_section(r: dict) -> list[str]:
    return [
        "## Transfer-out amounts (No. 66) against one SQL aggregate",
        "",
        f"Workload: {r['persons']:,} persons with {r['months_each']} paid months each ({r['lines']:,} contribution "
        "lines and as many account credits). The service (`transfers.amounts.region_months_many`, what "
        "`transfer_out` calls for its person; chunks of 1,000 persons, each person's months and 12% of the bases "
        "rounded in Python) against ONE SELECT of the same sums for every person.",
        "",
        "| measure | service s | one statement s | ratio | target |",
        "|---|---:|---:|---:|---|",
        f"| pooled months and amounts | {r['service_s']} | {r['baseline_s']} | {r['ratio']} | at most 2x |",
        "",
        f"Targets met: {yes(r['met'])}; the same figures for every person: {r['figures_agree']} "
        f"({r['pooled_total']} yuan in all). One transfer's call (one person, one statement): "
        f"{r['one_transfer_ms']} ms. CPU busy share before the run: {r['cpu_busy_before']}; load average after: "
        f"{r['load_average_after']}.",
        "",
    ]


def statements_section(r: dict) -> list[str]:
    p = r["phases_s"]
    return [
        "## The yearly Art. 74 statement run",
        "",
        f"Workload: {r['persons']:,} persons with 12 months of contributions in {r['year']} at 1,000 employers "
        f"(95% of the charges settled), an account with last year's balance, the year's credits and interest; "
        f"channels {r['deliveries']}. The run by the services the Celery tasks call, with {r['workers']} worker "
        "processes taking ranges with SKIP LOCKED and claiming e-mails as the workers do: generate every range "
        "(snapshots, statements and deliveries, one SQL statement a range), send the e-mails (each renders its PDF; "
        "the mail backend serialises the message and drops it), batch the letters and render every print batch "
        "(merged PDF and manifest on disk).",
        "",
        "| measure | figure | target |",
        "|---|---|---|",
        f"| whole run | {r['total_minutes']} min, {r['statements_per_s']} statements/s (start {p['start_s']} s, "
        f"generate {p['generate_s']} s, e-mail {p['email_s']} s, print {p['print_s']} s) | under 30 min |",
        f"| snapshot phase vs one SQL aggregate | {r['snapshot_phase_s']} s vs {r['baseline_s']} s: "
        f"**{r['snapshot_ratio']}x** | at most 3x |",
        f"| PDF throughput, pipeline vs renderer alone | {r['pipeline_pdfs_per_s_per_process']} vs "
        f"{r['renderer_pdfs_per_s']} PDFs/s per process: **{r['pdf_ratio']}** | at least 0.7 |",
        f"| storage of the run | {r['storage']['total_gb']} GB (tables {r['storage']['tables_gb']} GB, print files "
        f"{r['storage']['print_files_gb']} GB) | under 5 GB |",
        "",
        f"Targets met: {yes(r['met'])}. Run state {r['run_state']}, {r['statements']:,} statements, "
        f"{r['emails_sent']:,} e-mails, {r['print_batches']} print batches of {r['print_pages']:,} pages. CPU busy "
        f"share before: {r['cpu_busy_before']}; load average after: {r['load_average_after']}.",
        "",
    ]


def upload_section(r: dict) -> list[str]:
    labels = {"csv_at_limit": "CSV upload at DECLARATION_CSV_MAX_BYTES (the whole roll, padded names): the largest "
                              "CSV admitted",
              "csv_too_many_rows": "CSV of DECLARATION_CSV_MAX_BYTES of short rows (more than DECLARATION_MAX_ROWS)",
              "csv_50mb": "the probe's 50 MB CSV",
              "json_at_limit": "JSON at DECLARATION_JSON_MAX_BYTES (the whole roll, padded): the largest JSON admitted"}
    rows = "".join(f"| {labels.get(name, name)} | {c['body_mb']} MB | {c['status']} {' '.join(c['codes'])} | "
                   f"{c['seconds']} | {c['peak_before_mb']} | **{c['peak_mb']}** |\n" for name, c in r["cases"].items())
    return [
        "## Declaration uploads: peak worker memory at the limits",
        "",
        f"Workload: one employer with {r['persons']:,} persons on its staff; each body POSTed to a NEW gunicorn "
        "(config.wsgi, 1 sync worker) after one warm-up GET, the worker's VmHWM read before and after. Limits: "
        f"CSV {r['csv_limit_bytes']:,} bytes, JSON {r['json_limit_bytes']:,} bytes, {r['max_rows']:,} rows.",
        "",
        "| body | size | answer | seconds | VmHWM before (MB) | VmHWM after (MB) |",
        "|---|---:|---|---:|---:|---:|",
        rows.rstrip("\n"),
        "",
        f"Worst peak {r['worst_peak_mb']} MB, target under {r['target_peak_mb']} MB: {yes(r['meets_target'])}. "
        f"Command: `{r['command'].strip()}`.",
        "",
    ]


def text_of(name: str) -> str | None:
    path = support.RESULTS / name
    return path.read_text() if path.exists() else None


def report(quick: bool = False) -> None:
    suffix = "_quick" if quick else ""
    seed = support.load(f"seed{suffix}")
    lookup = support.load(f"lookup{suffix}")
    enrolment = support.load(f"enrolment{suffix}")
    sweep = support.load(f"deadline_sweep{suffix}")
    assessment = support.load(f"assessment{suffix}")
    arrears = support.load(f"arrears{suffix}")
    declaration = support.load(f"declaration{suffix}")
    interest = support.load(f"interest{suffix}")
    transfer = support.load(f"transfer{suffix}")
    statements = support.load(f"statements{suffix}")
    upload = support.load(f"upload{suffix}")
    collection = support.load(f"collection{suffix}")
    notices = support.load(f"notices{suffix}")
    profile = text_of(f"lookup_profile{suffix}.txt")
    enrolment_profile = text_of(f"enrolment_profile{suffix}.txt")
    m = (seed or lookup or enrolment or sweep or {}).get("machine") or support.machine()
    lines = [
        "# Benchmarks" + (" (quick run, small sizes)" if quick else ""),
        "",
        "The figures are written by `make bench` (`bench/run_all.py`); the analysis after them is kept.",
        "",
        "- Dates: " + ", ".join(f"{name} {r['machine']['date']}" for name, r in
                                (("seed", seed), ("lookup", lookup), ("enrolment", enrolment), ("sweep", sweep),
                                 ("assessment", assessment), ("arrears", arrears), ("declaration", declaration),
                                 ("interest", interest), ("transfer", transfer), ("statements", statements))
                                if r and r.get("machine")),
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB memory, kernel {m['kernel']}",
        f"- PostgreSQL {m['postgresql']}, Python {m['python']}",
        "- Commands: `make bench` (all, full size), or `python bench/seed_bench.py`, "
        "`python bench/lookup_bench.py --profile`, `python bench/enrolment_bench.py --profile`, "
        "`python bench/deadline_sweep_bench.py`, `python bench/assessment_bench.py`, "
        "`python bench/arrears_bench.py`, `python bench/declaration_bench.py`, `python bench/interest_bench.py`, `python bench/transfer_bench.py`, `python bench/statement_bench.py`, `python bench/upload_bench.py`; `--quick` for small sizes. Raw results: `bench/results/*.json`.",
        "",
    ]
    if seed:
        lines += seed_section(seed)
    if lookup:
        lines += lookup_section(lookup, profile, suffix)
    if enrolment:
        lines += enrolment_section(enrolment, enrolment_profile, suffix)
    if sweep:
        lines += sweep_section(sweep)
    if assessment:
        lines += assessment_section(assessment)
    if arrears:
        lines += arrears_section(arrears)
    if declaration:
        lines += declaration_section(declaration)
    if interest:
        lines += interest_section(interest)
    if transfer:
        lines += transfer_section(transfer)
    if statements:
        lines += statements_section(statements)
    if upload:
        lines += upload_section(upload)
    if collection:
        lines += collection_section(collection)
    if notices:
        lines += notices_section(notices)
    output = QUICK_OUTPUT if quick else OUTPUT
    text = "\n".join(lines).rstrip() + "\n"
    if not quick and OUTPUT.exists() and MARKER in OUTPUT.read_text():
        text += "\n" + MARKER + OUTPUT.read_text().split(MARKER, 1)[1]
    elif not quick:
        text += "\n" + MARKER + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(f"wrote {output}")


def collection_section(r: dict) -> list[str]:
    lines = ["## The collection feed at a province's size (issue 22)", "",
             f"Date {r['machine']['date']}; `python bench/collection_bench.py"
             + (" --quick" if r["records"] < 1_000_000 else "") + "`.", ""]
    if "import_s" in r:
        lines += [f"Import of a {r['records']:,}-record collector file ({r['file_mb']} MB; parsed, checked, staged, "
                  f"stored; applying is below): {r['import_s']} s against a COPY of the same file into a bare table "
                  f"{r['copy_s']} s: **ratio {r['ratio']}** (target at most {r['target_ratio']}), peak memory "
                  f"{r['peak_rss_mb']} MB (target under {r['target_memory_mb']}): {yes(r['import_meets_target'])}. "
                  f"CPUs busy before: {r['import_cpu_busy_before']:.0%}, load {r['import_load_before']}.", ""]
    if "match_total_s" in r:
        lines += [f"Matching and allocation of {r['match_records']:,} records against {r['months']} months of charges of "
                  f"{r['employers']:,} employers: stored {r['match_store_s']} s, applied {r['match_apply_s']} s "
                  f"({r['match_chunks']} chunks), **{r['match_total_s']} s** (target under {r['target_match_s']}): "
                  f"{yes(r['match_meets_target'])}. {r['applications']:,} applications, {r['suspense_items']:,} "
                  f"suspense items, {r['allocations_written']:,} allocations. CPUs busy before: "
                  f"{r['match_cpu_busy_before']:.0%}, load {r['match_load_before']}.", ""]
    return lines


def notices_section(r: dict) -> list[str]:
    g, s = r["generation"], r["sending"]
    return [
        "## The monthly notice (Art. 60; issue 28)",
        "",
        f"Date {r['machine']['date']}; `python bench/notice_bench.py" + (" --quick" if r["persons"] < 1_000_000 else "")
        + f"`. Workload: {r['persons']:,} persons, one line each in {r['month']} at 1,000 employers (95% of the "
        "charges settled), 3% wanting the notice by e-mail and 2% by SMS. Each phase runs in a child process that "
        "is killed (SIGKILL) about a third of the way and resumed by a second one.",
        "",
        "| measure | figure | target |",
        "|---|---|---|",
        f"| generation, killed at {g['done_at_kill']:,} notices and resumed | **{g['total_s']} s** for "
        f"{r['notices']:,} notices ({r['notices_per_s']}/s; two process start-ups included) | under {r['target_s']:.0f} s: "
        f"{yes(r['meets_target'])} |",
        f"| notices per person and month | {r['duplicates']} duplicates, {r['notices']:,} of {r['expected']:,} expected | "
        "one each |",
        f"| sending, killed at {s['done_at_kill']:,} sent and resumed | {s['total_s']} s for {r['to_send']:,} "
        f"messages: {r['sent']:,} sent, {r['uncertain']:,} uncertain (the killed chunk), {r['recipients_twice']} "
        "recipients twice | nothing twice |",
        "",
        f"CPUs busy before: {r['cpu_busy_before']:.0%}, load average {r['load_average_before']} (the machine is shared).",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--report", action="store_true", help="only rewrite BENCHMARKS.md from saved results")
    args = parser.parse_args()
    if not args.report:
        extra = ["--quick"] if args.quick else []
        run("seed_bench.py", *extra)
        run("lookup_bench.py", "--profile", *extra)
        run("enrolment_bench.py", "--profile", *extra)
        run("deadline_sweep_bench.py", *extra)
        run("assessment_bench.py", *extra)
        run("arrears_bench.py", *extra)
        run("declaration_bench.py", *extra)
        run("interest_bench.py", *extra)
        run("transfer_bench.py", *extra)
        run("statement_bench.py", *extra)
        run("upload_bench.py", *extra)
        run("collection_bench.py", *extra)
        run("notice_bench.py", *extra)
    report(quick=args.quick)  # a quick run writes bench/results/BENCHMARKS-quick.md, not BENCHMARKS.md


if __name__ == "__main__":
    sys.exit(main())
