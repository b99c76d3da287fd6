"""Issue 29 item 4: the read replica against a real streaming replica, started by the test itself.

A throwaway primary (initdb, `wal_level=replica`) holding a copy of the test database, and a hot
standby made from it with `pg_basebackup -R` that streams its WAL, both on free ports under a temporary
directory (run as the `postgres` OS user when the tests run as root: initdb refuses root). Django's
`default` alias is pointed at the primary and `replica` at the standby for these tests only. The tests
pause the standby's replay (`pg_wal_replay_pause()`) to show that what a page shows is the standby's
copy: a row committed on the primary is absent from the admin's list until replay resumes, and a
statement the standby does not hold yet is read from the primary. Both servers are stopped and the
directory removed when the module ends, failed or not.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common.replicas import replica_reads

_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
PG_BIN = Path(_BINS[-1]) if _BINS else None
NEEDED = ("initdb", "pg_ctl", "pg_basebackup", "pg_dump", "pg_restore", "psql")
pytestmark = [
    pytest.mark.skipif(PG_BIN is None or not all((PG_BIN / tool).exists() for tool in NEEDED),
                       reason="the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed "
                              "under /usr/lib/postgresql/*/bin: no throwaway primary and standby can be started"),
    # The test database is set up (and copied to the primary); the test itself runs outside a test
    # transaction, as replication needs commits, on the primary (on_the_pair).
    pytest.mark.django_db(transaction=True),
]
DB_NAME = "agency_replica"
REPLAY_WAIT_S = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    """initdb and the servers refuse to run as root: run them as the `postgres` OS user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str], *, env: dict | None = None, server_user: bool = False) -> None:
    cmd = _as_server_user(args) if server_user else args
    done = subprocess.run(cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120,
                          cwd="/")  # the server user may not enter the caller's directory
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")


def _server_start(data: Path, port: int, socket_dir: Path) -> None:
    options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={socket_dir} "
               "-c fsync=off -c max_connections=40 -c shared_buffers=32MB")
    _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data.parent / f"{data.name}.log"),
          "-w", "-t", "60", "start"], server_user=True)


def _server_stop(data: Path) -> None:
    """Stop a server however it is (immediate: the data is thrown away); kill it if pg_ctl cannot."""
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return
    try:
        _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "20", "stop"], server_user=True)
    except (RuntimeError, subprocess.TimeoutExpired):
        try:
            os.kill(int(pid_file.read_text().split()[0]), 9)
        except (OSError, ValueError):
            pass


@pytest.fixture(scope="module")
def streaming_pair(django_db_setup, django_db_blocker):
    """(primary port, standby port): a primary with a copy of the test database and its hot standby."""
    source = connections["default"].settings_dict
    tmp = Path(tempfile.mkdtemp(prefix="agency-replica-"))
    primary, standby = tmp / "primary", tmp / "standby"
    try:
        if os.geteuid() == 0:
            shutil.chown(tmp, "postgres", "postgres")
        _run([str(PG_BIN / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C.UTF-8", "--no-sync"], server_user=True)
        with open(primary / "postgresql.conf", "a") as conf:  # as the brief's deployment: a WAL-streaming primary
            conf.write("\nwal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
        if os.geteuid() == 0:
            shutil.chown(primary / "postgresql.conf", "postgres", "postgres")
        p_port, s_port = _free_port(), _free_port()
        _server_start(primary, p_port, tmp)

        # The test database's schema and reference data, copied from the shared server.
        local = ["-h", "127.0.0.1", "-U", "postgres"]
        _run([str(PG_BIN / "psql"), *local, "-p", str(p_port), "-d", "postgres", "-c", f"CREATE DATABASE {DB_NAME}"])
        password = {"PGPASSWORD": source["PASSWORD"]} if source.get("PASSWORD") else {}
        dump = tmp / "test.dump"
        _run([str(PG_BIN / "pg_dump"), "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432),
              "-U", source["USER"] or "postgres", "-Fc", "-f", str(dump), source["NAME"]], env=password)
        _run([str(PG_BIN / "pg_restore"), *local, "-p", str(p_port), "-d", DB_NAME, "--no-owner", "--exit-on-error",
              str(dump)])

        _run([str(PG_BIN / "pg_basebackup"), *local, "-p", str(p_port), "-D", str(standby), "-R", "-X", "stream",
              "-c", "fast", "--no-sync"], server_user=True)
        _server_start(standby, s_port, tmp)
        with psycopg.connect(host="127.0.0.1", port=s_port, user="postgres", dbname=DB_NAME) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]  # a hot standby, not a copy
        yield p_port, s_port
    finally:
        _server_stop(standby)
        _server_stop(primary)
        shutil.rmtree(tmp, ignore_errors=True)


def _standby(port: int) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname=DB_NAME, autocommit=True)


@pytest.fixture
def on_the_pair(streaming_pair, django_db_blocker, settings, monkeypatch):
    """Django's `default` is the throwaway primary and `replica` its standby, for one test."""
    p_port, s_port = streaming_pair
    default = connections["default"]
    saved = {key: default.settings_dict[key] for key in ("HOST", "PORT", "NAME")}
    monkeypatch.setattr("celery.app.task.Task.delay", lambda *args, **kwargs: None)  # no worker: nothing queued
    with django_db_blocker.unblock():
        default.close()
        default.settings_dict.update(HOST="127.0.0.1", PORT=str(p_port), NAME=DB_NAME)
        connections.settings["replica"] = {**default.settings_dict, "PORT": str(s_port)}
        settings.DATABASES = {**django_settings.DATABASES, "replica": connections.settings["replica"]}
        for guarded in ("connect", "temporary_connection", "ensure_connection", "cursor", "chunked_cursor"):
            connections["replica"].__dict__.pop(guarded, None)  # the test case's guard: this alias is ours
        standby = _standby(s_port)
        try:
            from django.utils import timezone

            from agency.models import CalendarYear

            CalendarYear.objects.get_or_create(year=timezone.localdate().year + 1,
                                               defaults={"source": "tests: weekends only"})
            yield standby
        finally:
            if standby.execute("SELECT pg_is_wal_replay_paused()").fetchone()[0]:
                standby.execute("SELECT pg_wal_replay_resume()")
            standby.close()
            connections["replica"].close()
            del connections["replica"]
            del connections.settings["replica"]
            default.close()
            default.settings_dict.update(saved)


def _replayed(standby: psycopg.Connection) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + REPLAY_WAIT_S
    while not standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0]:
        assert time.monotonic() < deadline, f"the standby did not replay up to {lsn} in {REPLAY_WAIT_S} s"
        time.sleep(0.05)


def _paused(standby: psycopg.Connection) -> None:
    standby.execute("SELECT pg_wal_replay_pause()")
    while standby.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] != "paused":
        time.sleep(0.02)


def test_the_replica_alias_is_a_hot_standby_that_refuses_writes(on_the_pair):
    from insured.models import InsuredPerson

    replica = connections["replica"]
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
    with pytest.raises(Exception, match="read-only transaction"):
        with replica.cursor() as cursor:
            cursor.execute("DELETE FROM insured_insuredperson")
    with replica_reads():  # a write inside a marked block still goes to the primary
        assert InsuredPerson.objects.filter(pk=-1).delete()[0] == 0


def test_the_admin_list_is_the_replicas_copy_and_shows_the_primarys_rows_after_replay(on_the_pair):
    from tests.agency.factories import OfficeFactory, clerk_user
    from tests.insured.factories import PersonFactory

    standby = on_the_pair
    office = OfficeFactory()
    first = PersonFactory(region=office.region)
    client = Client()
    client.force_login(clerk_user(office, groups=("clerk", "supervisor")))
    _replayed(standby)

    with CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        page = client.get("/admin/insured/insuredperson/")
    assert page.status_code == 200 and f"/admin/insured/insuredperson/{first.pk}/change/" in page.content.decode()
    assert any('"insured_insuredperson"' in q["sql"] for q in on_replica.captured_queries)
    assert not any('"insured_insuredperson"' in q["sql"] for q in on_primary.captured_queries)
    assert any("common_session" in q["sql"] for q in on_primary.captured_queries)  # the session: the primary

    _paused(standby)  # the standby stops applying the primary's WAL
    second = PersonFactory(region=office.region)  # committed on the primary
    page = client.get("/admin/insured/insuredperson/")
    assert f"/admin/insured/insuredperson/{second.pk}/change/" not in page.content.decode()  # not replayed yet
    assert client.get(f"/admin/insured/insuredperson/{second.pk}/change/").status_code == 200  # the form: primary

    standby.execute("SELECT pg_wal_replay_resume()")
    _replayed(standby)
    page = client.get("/admin/insured/insuredperson/")
    assert f"/admin/insured/insuredperson/{second.pk}/change/" in page.content.decode()


def test_the_statement_snapshot_reads_use_the_replica_once_it_holds_them(on_the_pair):
    from statements.batches import batch_letters
    from statements.models import PrintBatch, Statement
    from statements.selectors import statement_verify
    from tests.statements.world import build, run_year

    standby = on_the_pair
    _paused(standby)
    with transaction.atomic():  # the test world's helpers lock as they write, as inside a service
        world = build(delivery="post")
    run = run_year()  # snapshots, statements, a print batch: written on the primary
    statement = Statement.objects.get(person=world.person, run=run)
    batch = PrintBatch.objects.get(run=run)

    def reads(fn):
        with CaptureQueriesContext(connections["replica"]) as on_replica, \
                CaptureQueriesContext(connections["default"]) as on_primary:
            value = fn()
        return value, [q["sql"] for q in on_replica.captured_queries], [q["sql"] for q in on_primary.captured_queries]

    # The standby does not hold them yet: each reader asks it, finds nothing and reads the primary.
    verified, on_replica, on_primary = reads(lambda: statement_verify(code=statement.verification_code))
    assert verified.checksum == statement.checksum
    assert sum('"statements_statement"."snapshot"' in q for q in on_replica) == 1
    assert sum('"statements_statement"."snapshot"' in q for q in on_primary) == 1
    letters, on_replica, on_primary = reads(lambda: batch_letters(batch))
    assert [d.statement_id for d, _s, _n in letters] == [statement.pk]
    assert any('"statements_delivery"' in q for q in on_replica)
    assert any('"statements_delivery"' in q for q in on_primary)

    standby.execute("SELECT pg_wal_replay_resume()")
    _replayed(standby)
    # Replayed: the snapshots come from the standby alone.
    verified, on_replica, on_primary = reads(lambda: statement_verify(code=statement.verification_code))
    assert verified.checksum == statement.checksum and verified.year == statement.year
    assert any('"statements_statement"."snapshot"' in q for q in on_replica)
    assert not any('"statements_statement"."snapshot"' in q for q in on_primary)
    letters, on_replica, on_primary = reads(lambda: batch_letters(batch))
    assert [(d.statement_id, s.snapshot) for d, s, _n in letters] == [(statement.pk, statement.snapshot)]
    assert any('"statements_delivery"' in q for q in on_replica)
    assert not any('"statements_delivery"' in q for q in on_primary)
