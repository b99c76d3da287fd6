"""The monthly notice (Art. 60; issue 28) at full size: 1,000,000 persons, one month's lines.

1. Seed (fresh migrated database <BENCH_DB_PREFIX>_notices, cached with --reuse-seed): `seed_demo` loads
   the persons; every person gets one contribution line of MONTH at one of 1,000 employers (one
   declaration and charge per employer, 95% of the charges settled by a payment); 3% of the persons
   want their notice by e-mail and 2% by SMS (with an address on the record). VACUUM ANALYZE.
2. Generation, killed and resumed: a child process runs the job (`notices.tasks.monthly_notices_generate`,
   one INSERT .. SELECT per NOTICE_GENERATE_PERSONS persons) and is killed (SIGKILL) once about a
   third of the notices exist; a second process resumes it to the end. Reported: the wall-clock from
   the first start to the end (target: under 5 minutes), the notices (one per person and month, by
   constraint), and how many the resumed process wrote.
3. Sending, killed and resumed: the same with the chunked sender (`notices.tasks.pending_send`), the
   mail and SMS backends writing each recipient to a file: every notice with a channel is sent or
   uncertain (at most one chunk), and no recipient appears twice.

Prints one JSON line; also saved as bench/results/notices.json.

    python bench/notice_bench.py [--persons 1000000] [--quick] [--reuse-seed] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import support  # noqa: E402

DB = f"{support.DB_PREFIX}_notices"
MONTH = "2025-11-01"
TARGET_S = 300.0
KILL_AT = 0.33  # share of the work done when the first process is killed
KILL_DELAY_S = 1.5


def seed(persons: int) -> dict:
    started = time.perf_counter()
    support.manage(DB, "seed_demo", "--persons", str(persons), "--employers", "1000", "--seed", "7")
    import psycopg

    with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
        conn.execute("""
            UPDATE insured_insuredperson SET
              email = CASE WHEN id % 100 < 3 AND email = '' THEN 'p' || id || '@example.cn' ELSE email END,
              phone = CASE WHEN id % 100 IN (3, 4) AND phone = '' THEN '139' || lpad((id % 100000000)::text, 8, '0')
                           ELSE phone END
             WHERE id % 100 < 5""")
        conn.execute("""
            INSERT INTO notices_noticepreference (person_id, channel, updated_at)
            SELECT id, CASE WHEN id % 100 < 3 THEN 'email' ELSE 'sms' END, now()
              FROM insured_insuredperson WHERE id % 100 < 5""")
        conn.execute("CREATE TABLE IF NOT EXISTS contributions_contributionline_2025 PARTITION OF "
                     "contributions_contributionline FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')")
        conn.execute("CREATE TEMP TABLE emp AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS n "
                     "FROM employers_employer ORDER BY id LIMIT 1000")
        employers = conn.execute("SELECT count(*) FROM emp").fetchone()[0]
        conn.execute(f"""
            INSERT INTO contributions_declaration (employer_id, period, sequence, kind, source, rows, lines_written,
                clamped_rows, totals, total, difference, due_on, declared_on, late, declared_at, actor)
            SELECT id, '{MONTH}', 1, 'declared', 'json', 0, 0, 0, '{{}}', 0, 0, '2025-11-15', '2025-11-05', false,
                   now(), 'bench' FROM emp""")
        conn.execute(f"""
            INSERT INTO contributions_charge (employer_id, period, kind, declaration_id, amount, due_on, fee_from,
                                              created_at, actor)
            SELECT d.employer_id, d.period, 'declared', d.id, 1000, d.due_on, d.due_on, now(), 'bench'
              FROM contributions_declaration d WHERE d.period = '{MONTH}' AND d.actor = 'bench'""")
        conn.execute(f"""
            INSERT INTO contributions_contributionline (period, employer_id, person_id, declaration_id, charge_id,
                wage, base, clamp, pension_employer, pension_individual, medical_employer, medical_individual,
                unemployment_employer, unemployment_individual, work_injury_employer)
            SELECT '{MONTH}', e.id, p.id, c.declaration_id, c.id, b.base, b.base, '',
                   round(b.base * 0.16, 2), round(b.base * 0.08, 2), round(b.base * 0.08, 2),
                   round(b.base * 0.02, 2), round(b.base * 0.005, 2), round(b.base * 0.005, 2),
                   round(b.base * 0.004, 2)
              FROM insured_insuredperson p
              JOIN emp e ON e.n = p.id % {employers}
              JOIN contributions_charge c ON c.employer_id = e.id AND c.period = '{MONTH}' AND c.actor = 'bench'
             CROSS JOIN LATERAL (SELECT (5000 + (p.id % 97) * 100)::numeric(12, 2) AS base) b""")
        conn.execute("""
            INSERT INTO contributions_payment (employer_id, bank_reference, amount, paid_on, channel, note, recorded_at,
                                               actor)
            SELECT employer_id, 'BENCH-' || id, amount, due_on, 'bank', '', now(), 'bench'
              FROM contributions_charge WHERE actor = 'bench' AND id % 20 <> 0""")
        conn.execute("""
            INSERT INTO contributions_allocation (employer_id, charge_id, payment_id, amount, effective_on,
                                                  settles_charge, created_at, actor)
            SELECT c.employer_id, c.id, p.id, c.amount, c.due_on, true, now(), 'bench'
              FROM contributions_charge c JOIN contributions_payment p ON p.bank_reference = 'BENCH-' || c.id""")
        for table in ("contributions_contributionline", "insured_insuredperson", "contributions_charge",
                      "contributions_allocation", "notices_noticepreference"):
            conn.execute(f"VACUUM ANALYZE {table}")
        lines = conn.execute("SELECT count(*) FROM contributions_contributionline").fetchone()[0]
    return {"seed_s": round(time.perf_counter() - started, 1), "lines": lines}


# --- the child processes: `python bench/notice_bench.py --phase generate|send` ---------------------------

class RecordingEmailBackend:
    """Mail and SMS backends of the benchmark: each message serialised, its recipient appended to a file."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages) -> int:
        with open(os.environ["NOTICE_BENCH_SINK"], "a") as sink:
            for message in messages:
                if hasattr(message, "message"):
                    message.message().as_bytes()
                    sink.write(f"{message.to[0]}\n")
                else:
                    sink.write(f"{message.to}\n")
        return len(messages)

    def open(self):
        return True

    def close(self):
        pass


def child(phase: str) -> None:
    import django

    django.setup()
    from datetime import date

    from notices.tasks import monthly_notices_generate, pending_send

    if phase == "generate":
        monthly_notices_generate(date.fromisoformat(MONTH))
    else:
        pending_send()


def _spawn(phase: str, sink: str) -> subprocess.Popen:
    env = support.django_env(DB, EMAIL_BACKEND="notice_bench.RecordingEmailBackend",
                             SMS_BACKEND="notice_bench.RecordingEmailBackend", NOTICE_BENCH_SINK=sink)
    return subprocess.Popen([support.PYTHON, __file__, "--phase", phase], cwd=support.ROOT, env=env)


def _count(sql: str) -> int:
    import psycopg

    with psycopg.connect(support.db_url(DB), autocommit=True) as conn:
        return conn.execute(sql).fetchone()[0]


def killed_and_resumed(phase: str, sink: str, done_sql: str, total: int) -> dict:
    """Run `phase` in a child, SIGKILL it once `done_sql` counts KILL_AT of `total`, resume in another."""
    started = time.perf_counter()
    first = _spawn(phase, sink)
    killed = False
    while first.poll() is None:
        if _count(done_sql) >= total * KILL_AT:
            # Not at once: the count moves when a step commits, and a kill right then would always
            # land between two steps; a moment later it lands inside one (a range, a chunk).
            time.sleep(KILL_DELAY_S)
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
            killed = True
            break
        time.sleep(0.2)
    at_kill = _count(done_sql)
    killed_s = time.perf_counter() - started
    second = _spawn(phase, sink)
    if second.wait() != 0:
        raise SystemExit(f"the resumed {phase} failed")
    return {"killed": killed, "done_at_kill": at_kill, "killed_after_s": round(killed_s, 1),
            "total_s": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 persons")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse-seed", action="store_true",
                        help="start from the seeded copy kept by an earlier run of the same size")
    parser.add_argument("--phase", choices=["generate", "send"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args.phase)
    persons = 20_000 if args.quick else args.persons

    seeded = {}
    reused, seconds = support.seeded_copy(DB, lambda _name: seeded.update(seed(persons)),
                                          key=f"notices {persons}", reuse=args.reuse_seed)
    print(f"  {'copied' if reused else 'seeded'} {persons:,} persons in {seconds:.1f} s", flush=True)
    quiet = support.wait_quiet(max_wait=0 if args.quick else 60)
    load_before = support.load_average()
    sink = tempfile.mktemp(prefix="notice-bench-", suffix=".txt")
    expected = _count(f"SELECT count(DISTINCT person_id) FROM contributions_contributionline WHERE period = '{MONTH}'")

    generation = killed_and_resumed("generate", sink, "SELECT count(*) FROM notices_monthlynotice", expected)
    notices = _count("SELECT count(*) FROM notices_monthlynotice")
    per_person = _count("SELECT count(*) FROM (SELECT person_id FROM notices_monthlynotice "
                        "GROUP BY person_id, month HAVING count(*) > 1) x")
    to_send = _count("SELECT count(*) FROM notices_monthlynotice WHERE channel <> 'none'")
    print(f"  generated {notices:,} notices in {generation['total_s']} s (killed at {generation['done_at_kill']:,})",
          flush=True)

    sending = killed_and_resumed("send", sink, "SELECT count(*) FROM notices_monthlynotice WHERE sent_at IS NOT NULL",
                                 to_send)
    recipients = Counter(Path(sink).read_text().split())
    sent = _count("SELECT count(*) FROM notices_monthlynotice WHERE sent_at IS NOT NULL")
    uncertain = _count("SELECT count(*) FROM notices_monthlynotice WHERE sending_at IS NOT NULL AND sent_at IS NULL")
    os.unlink(sink)
    result = {
        "persons": persons, "month": MONTH[:7], "seed": seeded, "reused_seed": reused,
        "generation": generation, "notices": notices, "expected": expected, "duplicates": per_person,
        "meets_target": generation["total_s"] < TARGET_S and notices == expected, "target_s": TARGET_S,
        "sending": sending, "to_send": to_send, "sent": sent, "uncertain": uncertain,
        "messages_delivered": sum(recipients.values()), "recipients_twice": sum(1 for n in recipients.values() if n > 1),
        "notices_per_s": round(notices / generation["total_s"]) if generation["total_s"] else None,
        "cpu_busy_before": quiet, "load_average_before": load_before, "machine": support.machine(),
    }
    if not args.keep:
        support.db_drop(DB)
    support.save("notices", result)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
