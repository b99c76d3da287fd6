"""Start the whole system in the foreground: web (gunicorn), Celery worker and Celery beat.

`make run` calls this after migrate, demo data and collectstatic. Every process is a
child of this one, with the same environment, and its output lines are prefixed with
its name. Ctrl-C (SIGINT) or SIGTERM stops them all and exits 0; nothing else does. A
child that dies on its own (a worker killed by the OOM killer, beat losing Redis, gunicorn
failing to bind) is restarted alone, after a back-off that doubles with each quick death
(RESTART_BACKOFF_FIRST seconds up to RESTART_BACKOFF_MAX) and starts over once the child has
run STABLE_SECONDS; the others keep running.

Without DATABASE_URL / REDIS_URL the embedded PostgreSQL and Redis under var/ are
started (or found) once, here, and their URLs handed to the children, so that the
children do not race each other to start them. The embedded servers keep running
after this exits, to be reused next time.

Environment: WEB_PORT (default 8000), WEB_WORKERS (2), WEB_THREADS (4),
BEAT_SCHEDULE (default var/celerybeat-schedule), STOP_TIMEOUT seconds (15).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = BASE_DIR / ".venv" / "bin"
POLL_SECONDS = 0.5


RESTART_BACKOFF_FIRST = 1.0
RESTART_BACKOFF_MAX = 30.0
STABLE_SECONDS = 60.0


@dataclass
class Service:
    """One child process: what it is, how to start it, and, once started, its handle."""

    name: str
    description: str
    argv: list[str]
    process: subprocess.Popen | None = field(default=None, repr=False)
    output: threading.Thread | None = field(default=None, repr=False)
    started_at: float = 0.0
    backoff: float = 0.0  # the wait before the next restart; 0 until the first death
    restart_at: float | None = None  # when a dead child is due to be started again
    restarts: list[float] = field(default_factory=list)  # the back-off used for each restart


# --- configuration -----------------------------------------------------------------------

def resolve_embedded_servers() -> None:
    """Start (or find) the embedded servers once, here, for whichever URL is unset."""
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return
    sys.path.insert(0, str(BASE_DIR))
    from config import embedded  # only needed without real servers; may start them

    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = embedded.postgres_url()
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = embedded.redis_url()


def child_environment() -> dict[str, str]:
    """The children's environment: ours (with the servers' URLs resolved), output unbuffered."""
    resolve_embedded_servers()
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"  # line-by-line output through the pipes
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return env


def services(env: dict[str, str]) -> list[Service]:
    port = env.get("WEB_PORT", "8000")
    workers = env.get("WEB_WORKERS", "2")
    threads = env.get("WEB_THREADS", "4")
    schedule = env.get("BEAT_SCHEDULE", str(Path("var") / "celerybeat-schedule"))
    return [
        Service(
            name="web",
            description=f"gunicorn config.wsgi on 127.0.0.1:{port}, {workers} workers x {threads} threads",
            argv=[str(BIN_DIR / "gunicorn"), "config.wsgi",
                  "--bind", f"127.0.0.1:{port}",
                  "--workers", workers, "--threads", threads,
                  "--access-logfile", "-", "--error-logfile", "-",
                  "--no-control-socket"],  # a shared ~/.gunicorn socket would clash between instances
        ),
        Service(
            name="worker",
            description="Celery worker, 2 processes",
            argv=[str(BIN_DIR / "celery"), "-A", "config", "worker", "-l", "info", "--concurrency", "2"],
        ),
        Service(
            name="beat",
            description=f"Celery beat, schedule in {schedule}",
            argv=[str(BIN_DIR / "celery"), "-A", "config", "beat", "-l", "info", "--schedule", schedule],
        ),
    ]


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def print_banner(env: dict[str, str], all_services: list[Service]) -> None:
    base = f"http://127.0.0.1:{env.get('WEB_PORT', '8000')}"
    lines = [
        f"Admin:     {base}/admin/",
        f"API docs:  {base}/api/docs/",
        f"Database:  {without_password(env['DATABASE_URL'])}",
        f"Redis:     {without_password(env['REDIS_URL'])}",
        "Processes:",
        *(f"  {s.name:<7} {s.description}" for s in all_services),
        "Press Ctrl-C to stop them all.",
    ]
    say("\n".join(lines))


# --- output ----------------------------------------------------------------------------------

_print_lock = threading.Lock()
_name_width = 6


def say(text: str, prefix: str = "run") -> None:
    with _print_lock:
        for line in text.splitlines() or [""]:
            sys.stdout.write(f"{prefix:<{_name_width}} | {line}\n")
        sys.stdout.flush()


def pump_output(service: Service) -> None:
    """Copy a child's output to ours, a line at a time, prefixed with its name."""
    assert service.process is not None and service.process.stdout is not None
    for raw in service.process.stdout:
        say(raw.decode("utf-8", errors="replace").rstrip("\r\n"), prefix=service.name)


# --- process control -----------------------------------------------------------------------

def start(service: Service, env: dict[str, str]) -> None:
    # A session of its own: the terminal's Ctrl-C reaches only us, and we stop each child
    # in order; and the whole group (gunicorn's workers, Celery's pool) can be killed at the end.
    service.process = subprocess.Popen(
        service.argv, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    service.output = threading.Thread(target=pump_output, args=(service,), name=f"out-{service.name}",
                                      daemon=True)
    service.output.start()
    service.started_at = time.monotonic()
    say(f"started {service.name} (pid {service.process.pid})")


def running(all_services: list[Service]) -> list[Service]:
    return [s for s in all_services if s.process is not None and s.process.poll() is None]


def signal_group(service: Service, sig: int) -> None:
    """Send `sig` to the child's process group (its pid), ignoring a group that is already gone."""
    try:
        os.killpg(service.process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all(all_services: list[Service], timeout: float) -> None:
    """SIGTERM every running child (each shuts down its own workers), SIGKILL what is left
    after `timeout`, then make sure no member of any child's process group survives."""
    for service in running(all_services):
        say(f"stopping {service.name} (pid {service.process.pid})")
        try:
            service.process.terminate()
        except ProcessLookupError:
            pass
    for service in all_services:
        if service.process is None:
            continue
        try:
            service.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            say(f"{service.name} did not stop within {timeout:g}s: killing it")
            signal_group(service, signal.SIGKILL)
            service.process.wait()
        signal_group(service, signal.SIGKILL)  # orphaned grandchildren, if any
        if service.output is not None:
            service.output.join(timeout=2)


class StopRequest:
    """Records SIGINT/SIGTERM. The handler only sets a flag: it runs in the main thread at any
    point, so it must take no lock (not the print lock, not an Event's)."""

    def __init__(self) -> None:
        self.signal_name = ""

    def __bool__(self) -> bool:
        return bool(self.signal_name)

    def install(self) -> None:
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, _frame) -> None:
        self.signal_name = signal.Signals(signum).name


def schedule_restart(service: Service, now: float) -> None:
    """A child died on its own: clear away what is left of its process group and set when it
    starts again. Quick deaths in a row double the wait; a child that ran STABLE_SECONDS
    starts over from the first back-off."""
    code = service.process.returncode
    signal_group(service, signal.SIGKILL)  # its own workers (gunicorn's, Celery's pool), if any survive it
    if service.output is not None:
        service.output.join(timeout=2)
    if service.backoff == 0 or now - service.started_at >= STABLE_SECONDS:
        service.backoff = RESTART_BACKOFF_FIRST
    else:
        service.backoff = min(service.backoff * 2, RESTART_BACKOFF_MAX)
    service.restart_at = now + service.backoff
    say(f"{service.name} exited unexpectedly with status {code}; restarting it in {service.backoff:g}s")


def supervise(all_services: list[Service], stop: StopRequest, env: dict[str, str]) -> int:
    """Keep every child running until a stop signal (then exit 0): a child that dies on its own
    is restarted alone, with back-off."""
    while not stop:
        now = time.monotonic()
        for service in all_services:
            if service.restart_at is None and service.process is not None and service.process.poll() is not None:
                schedule_restart(service, now)
            elif service.restart_at is not None and now >= service.restart_at:
                service.restarts.append(service.backoff)
                service.restart_at = None
                try:
                    start(service, env)
                except OSError as exc:  # cannot even be started now (a binary gone?): try again later
                    say(f"error restarting {service.name}: {exc!r}")
                    service.started_at = now
                    service.process = None
                    service.restart_at = now + service.backoff
        time.sleep(POLL_SECONDS)  # a signal cuts the sleep short
    say(f"received {stop.signal_name}, stopping")
    return 0


def main() -> int:
    sys.stdout.reconfigure(errors="replace")  # a child's odd bytes must not stop the output
    stop = StopRequest()
    stop.install()
    env = child_environment()
    all_services = services(env)
    timeout = float(env.get("STOP_TIMEOUT", "15"))
    print_banner(env, all_services)
    status = 1
    try:
        for service in all_services:
            if stop:
                break
            start(service, env)
        status = supervise(all_services, stop, env)
    except Exception as exc:  # a child that cannot be started: stop the ones that were
        say(f"error: {exc!r}")
        status = 1
    finally:
        stop_all(all_services, timeout)
    say(f"all processes stopped (exit status {status})")
    return status


if __name__ == "__main__":
    sys.exit(main())
