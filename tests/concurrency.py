"""Race tests on real PostgreSQL: threads with their own database connections, on committed data.

Use with `pytest.mark.django_db(transaction=True)`: each thread opens its own connection, so the
rows it works on must be committed, and the threads really contend for PostgreSQL's locks.
"""

from __future__ import annotations

import threading
import time
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


def started_until_it_waits(call: Callable[[], object]) -> Callable[[], object]:
    """Start `call` in a thread with its own connection and return once PostgreSQL shows it waiting for a
    lock (or it has finished), so that this transaction can commit behind it; the function returned joins
    the thread and gives its result or the exception it raised."""
    results: list = []

    def worker() -> None:
        try:
            results.append(call())
        except Exception as exc:  # collected for the assertions
            results.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    with connection.cursor() as cursor:
        for _ in range(int(JOIN_SECONDS / 0.05)):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()")
            if cursor.fetchone()[0] or not thread.is_alive():
                break
            time.sleep(0.05)

    def outcome() -> object:
        thread.join(JOIN_SECONDS)
        if thread.is_alive():
            raise AssertionError(f"the call did not finish within {JOIN_SECONDS} s (a deadlock?)")
        return results[0]

    return outcome
