"""Race tests on real PostgreSQL: threads with their own database connections, on committed data.

Use with `pytest.mark.django_db(transaction=True)`: each thread opens its own connection, so the
rows it works on must be committed, and the threads really contend for PostgreSQL's locks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

JOIN_SECONDS = 30  # a deadlock guard, not a timing assertion: PostgreSQL's locks decide who waits


def run_together(*calls: Callable[[], object]) -> list:
    """Start the calls at the same moment, each in its own thread and connection; return each one's
    result or the exception it raised, in the order given."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # collected for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    if any(thread.is_alive() for thread in threads):
        raise AssertionError(f"a racing call did not finish within {JOIN_SECONDS} s (a deadlock?)")
    return results


def in_another_connection(call: Callable[[], object]) -> object:
    """Run `call` in a thread with its own connection (another transaction) while this one waits;
    return its result or the exception it raised."""
    return run_together(call)[0]
