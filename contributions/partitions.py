"""Yearly partitions of the contribution line table, created on demand before lines are inserted.

Called by the declaration service inside its transaction. A year is created once (under an
advisory lock, so two declarations of a new year do not race); creating it takes a short
exclusive lock on the parent table, once a year. The default partition exists only as a net:
if rows ever landed there, creating that year's partition would fail until they are moved.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

PARENT = "contributions_contributionline"
_LOCK_KEY = 0x11C0_0001  # pg_advisory_xact_lock key for partition creation
_known: set[int] = set()  # years whose partition is committed (per process)


def line_partition_name(year: int) -> str:
    return f"{PARENT}_y{year}"


def line_partitions_ensure(years: Iterable[int]) -> list[int]:
    """Make sure the partitions of `years` exist; returns the years created now."""
    missing = sorted({int(y) for y in years} - _known)
    created: list[int] = []
    if not missing:
        return created
    with connection.cursor() as cursor:
        for year in missing:
            name = line_partition_name(year)
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            if not cursor.fetchone()[0]:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])  # another transaction may have won
                if not cursor.fetchone()[0]:
                    cursor.execute(
                        f'CREATE TABLE "{name}" PARTITION OF {PARENT} '
                        f"FOR VALUES FROM ('{year:04d}-01-01') TO ('{year + 1:04d}-01-01')")
                    created.append(year)
                    transaction.on_commit(lambda y=year: _known.add(y))
                    continue
            if not connection.in_atomic_block:
                _known.add(year)
            else:
                transaction.on_commit(lambda y=year: _known.add(y))
    return created
