"""scripts/run.py starts web, worker and beat against the test database and stops them all on Ctrl-C."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60
STOP_TIMEOUT = 40


def database_url(db: dict) -> str:
    """A DATABASE_URL for the database Django is using now (the test database, test_<name>)."""
    options = dict(db.get("OPTIONS") or {})
    host = db.get("HOST") or ""
    if host.startswith("/"):  # a Unix socket directory goes in the query, as pgserver writes it
        options.setdefault("host", host)
        host = ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    credentials = f"{quote(db.get('USER') or '', safe='')}:{quote(str(db.get('PASSWORD') or ''), safe='')}"
    query = f"?{urlencode({'host': options['host']})}" if options.get("host") else ""
    return f"postgresql://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}{query}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- processes, read from /proc: (pid, start time) so that a reused pid is not mistaken ---

def proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "
    return fields[0], int(fields[1]), int(fields[19])


def descendants(root: int) -> set[tuple[int, int]]:
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))):
            children.setdefault(stat[1], []).append((int(entry.name), stat[2]))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def alive(processes: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The processes still running (a zombie has exited; only its parent's wait is missing)."""
    return {(pid, start) for pid, start in processes
            if (stat := proc_stat(pid)) and stat[2] == start and stat[0] != "Z"}


def started_pids(log: Path, name: str) -> list[int]:
    return [int(pid) for pid in re.findall(rf"started {name} \(pid (\d+)\)", log.read_text())]


# --- waiting ----------------------------------------------------------------------------

def wait_until(condition, proc: subprocess.Popen, log: Path, what: str, deadline: float) -> None:
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"run.py exited with {proc.returncode} before {what}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {START_TIMEOUT}s:\n{log.read_text()}")
        time.sleep(0.5)


def answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.mark.django_db(transaction=True)
def test_run_starts_web_worker_and_beat_restarts_a_dead_one_and_stops_them_on_sigint(tmp_path):
    port = free_port()
    log = tmp_path / "run.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
        "REDIS_URL": settings.REDIS_URL,
        "WEB_PORT": str(port),
        "BEAT_SCHEDULE": str(tmp_path / "celerybeat-schedule"),  # not the one a running `make run` uses
    }
    started: set[tuple[int, int]] = set()
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(BASE_DIR / "scripts" / "run.py")], cwd=BASE_DIR, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        wait_until(lambda: answers_200(f"http://127.0.0.1:{port}/api/schema/"), proc, log,
                   "200 from /api/schema/", deadline)
        wait_until(lambda: " ready." in log.read_text(), proc, log, "ready worker", deadline)
        wait_until(lambda: "beat: Starting" in log.read_text(), proc, log, "started beat", deadline)

        started = descendants(proc.pid)
        direct = {pid for pid, _ in started if (stat := proc_stat(pid)) and stat[1] == proc.pid}
        assert len(direct) == 3, log.read_text()  # web, worker, beat
        assert len(started) >= 7, log.read_text()  # and gunicorn's 2 workers, Celery's 2 pool processes

        # A worker and a beat that die are restarted alone; the web server keeps answering.
        for name, ready in (("worker", " ready."), ("beat", "beat: Starting")):
            pid = started_pids(log, name)[-1]
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda name=name: len(started_pids(log, name)) == 2, proc, log, f"restarted {name}",
                       time.monotonic() + START_TIMEOUT)
            wait_until(lambda ready=ready: log.read_text().count(ready) == 2, proc, log, f"{name} ready again",
                       time.monotonic() + START_TIMEOUT)
            assert answers_200(f"http://127.0.0.1:{port}/api/schema/")
            assert f"{name} exited unexpectedly with status -9; restarting it in 1s" in log.read_text()
        started |= descendants(proc.pid)

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=STOP_TIMEOUT) == 0, log.read_text()

        deadline = time.monotonic() + 5
        while alive(started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(started), f"left running: {alive(started)}\n{log.read_text()}"
        output = log.read_text()
        assert f"http://127.0.0.1:{port}/admin/" in output
        assert "all processes stopped (exit status 0)" in output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid, _ in alive(started):
            os.kill(pid, signal.SIGKILL)


def load_run_script():
    spec = importlib.util.spec_from_file_location("run_script", BASE_DIR / "scripts" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_script"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_supervisor_restarts_a_dying_child_with_growing_back_off_until_stopped(monkeypatch):
    run = load_run_script()
    monkeypatch.setattr(run, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(run, "RESTART_BACKOFF_FIRST", 0.02)
    monkeypatch.setattr(run, "RESTART_BACKOFF_MAX", 0.08)
    steady = run.Service("steady", "sleeps", [sys.executable, "-c", "import time; time.sleep(60)"])
    flapping = run.Service("flapping", "exits at once", [sys.executable, "-c", "raise SystemExit(3)"])
    services = [steady, flapping]
    env = dict(os.environ)
    for service in services:
        run.start(service, env)
    stop = run.StopRequest()
    result = []
    supervisor = threading.Thread(target=lambda: result.append(run.supervise(services, stop, env)))
    supervisor.start()
    try:
        deadline = time.monotonic() + STOP_TIMEOUT
        while len(flapping.restarts) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert flapping.restarts[:5] == [0.02, 0.04, 0.08, 0.08, 0.08]  # doubling, capped
        assert steady.restarts == [] and steady.process.poll() is None
    finally:
        stop.signal_name = "SIGINT"  # what Ctrl-C sets; nothing else ends supervise()
        supervisor.join(timeout=STOP_TIMEOUT)
        run.stop_all(services, timeout=5)
    assert result == [0]
    assert steady.process.poll() is not None
