"""Read replicas: which reads may go to a streaming replica (config/routers.py decides where).

Only reads marked with `replica_reads()` go there, and only when a `replica` database is configured
(REPLICA_DATABASE_URL): the admin's lists (common.admin) and the statement snapshot reads (print
batches, verification; statements). Everything else, every write and every read inside a transaction
stays on the primary, so a service's lock-check-write sequence never sees a lagging copy.

A replica lags behind the primary by its replay delay. The marked reads tolerate that or check it:
the admin lists read the primary for STICKY_SECONDS after the same session wrote through the admin
(a clerk sees their own change in the list they are sent back to); the snapshot readers fall back to
the primary when the replica does not yet hold what they look for.
"""

from __future__ import annotations

import contextlib
import contextvars
import time

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PRIMARY = "default"
STICKY_SECONDS = 10  # after an admin write the same session's lists read the primary this long
_STICKY_KEY = "replica_primary_until"

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("common.replicas.reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads():
    """Reads in this block may be served by the replica (outside a transaction, when one is configured)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


@contextlib.contextmanager
def primary_reads():
    """Reads in this block go to the primary even inside a `replica_reads()` block (a fallback)."""
    token = _replica_reads.set(False)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def read_alias() -> str:
    """Where a read made now goes: the replica only inside `replica_reads()`, outside any transaction on
    the primary, and when one is configured."""
    if not _replica_reads.get() or not replica_configured():
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return REPLICA


def sticky_primary_mark(request) -> None:
    """The session just wrote: its next lists read the primary for STICKY_SECONDS."""
    session = getattr(request, "session", None)
    if session is not None and replica_configured():
        session[_STICKY_KEY] = int(time.time()) + STICKY_SECONDS


def sticky_primary(request) -> bool:
    session = getattr(request, "session", None)
    return session is not None and int(session.get(_STICKY_KEY, 0)) > time.time()
