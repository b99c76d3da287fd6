"""SQL for the hottest paths, kept equivalent to what the ORM would send but cheaper to send.

On these machines building and compiling a query in the ORM costs several times what PostgreSQL
needs to run it (bench/lookup_bench.py, bench/enrolment_bench.py). Measured, and only there:

- `CompiledValues`: a scoped `.values()` queryset compiled once per kind of viewer from the same
  selector the rest of the code uses (so `common.access.scope` still decides what is visible);
  the viewer's ids and the looked-up value are compiled as sentinels and swapped on every call.
- `fetch_instances`: one row of several models joined by hand, as model instances.
- `fetch_prepared`: both run as server-side prepared statements (parsed and planned once per
  connection; not through a pooler in transaction mode, which loses them).
- `insert_rows`, `insert_or_nothing`: plain INSERTs of unsaved instances.

Writes still go through Django's cursor, so pghistory's context reaches the audit triggers.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

from common.access import Viewer

_VALUE = "\u2063COMPILED-LOOKUP-VALUE-7300000\u2063"  # unchanged by strip() and upper()
_VIEWER_IDS = ("user_id", "region_id", "office_id", "employer_id", "person_id", "client_id")


def _sentinel_viewer(viewer: Viewer) -> tuple[Viewer, dict[object, str]]:
    sentinels = {name: -7_300_000 - i if name != "client_id" else f"\u2063client-{i}\u2063"
                 for i, name in enumerate(_VIEWER_IDS)}
    return replace(viewer, **sentinels), {value: name for name, value in sentinels.items()}


class CompiledValues:
    def __init__(self, build: Callable[[Viewer, str], QuerySet], fields: tuple[str, ...], limit: int):
        self._build, self._fields, self._limit = build, fields, limit
        self._compiled: dict[object, tuple | None] = {}
        self._lock = threading.Lock()

    def _compile(self, viewer: Viewer):
        stand_in, names = _sentinel_viewer(viewer)
        queryset = self._build(stand_in, _VALUE).values(*self._fields)[: self._limit]
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # this kind of viewer sees none of these rows
            return None
        # The fields' own conversions of database values (what the ORM applies on every fetch).
        converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
        slots = [("value", None) if p == _VALUE else ("viewer", names[p]) if p in names else ("const", p)
                 for p in params]
        if [kind for kind, _ in slots].count("value") != 1:
            raise ValueError(f"the looked-up value must reach the SQL once and unchanged: {sql!r} {params!r}")
        return sql, slots, queryset.db, compiler, converters

    def rows(self, viewer: Viewer, value: str) -> list[dict]:
        key = viewer.kind
        if key not in self._compiled:
            with self._lock:
                if key not in self._compiled:
                    self._compiled[key] = self._compile(viewer)
        compiled = self._compiled[key]
        if compiled is None:
            return []
        sql, slots, db, compiler, converters = compiled
        params = [value if kind == "value" else getattr(viewer, arg) if kind == "viewer" else arg
                  for kind, arg in slots]
        rows = fetch_prepared(db, sql, params)
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(self._fields, row, strict=True)) for row in rows]


def fetch_prepared(alias: str, sql: str, params: list) -> list[tuple]:
    """Run a read as a server-side prepared statement on Django's connection: PostgreSQL parses and
    plans it once per connection. (Not through a pooler in transaction mode, which loses them.)"""
    connection = connections[alias]
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    started = time.monotonic()
    # Errors surface as Django's (IntegrityError, OperationalError, ...), as through its own cursor.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall()
    if connection.queries_logged:  # DEBUG, assertNumQueries and CaptureQueriesContext still see it
        connection.queries_log.append({"sql": f"{sql} -- prepared, params {params!r}",
                                       "time": f"{time.monotonic() - started:.3f}"})
    return rows


@functools.lru_cache(maxsize=64)
def _instances_plan(alias: str, parts: tuple[tuple[type, str], ...], joins: str, where: str, lock: bool):
    """The statement and, per model, its columns' attnames and converters: built once per call site."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    first_model, first_alias = parts[0]
    columns = ", ".join(f"{table}.{quote(f.column)}" for model, table in parts for f in model._meta.concrete_fields)
    sql = f"SELECT {columns} FROM {quote(first_model._meta.db_table)} {first_alias} {joins} WHERE {where}"
    if lock:
        sql += f" FOR UPDATE OF {first_alias}"
    models = [(model, [f.attname for f in model._meta.concrete_fields],
               [(i, field, convert) for i, field in enumerate(model._meta.concrete_fields)
                for convert in field.get_db_converters(connection)])  # JSON text to objects, ...
              for model, _table in parts]
    return sql, models


def fetch_instances(alias: str, parts: list[tuple[type, str]], joins: str, where: str, params: list,
                    lock: bool = False) -> list | None:
    """One row of several models joined by hand-written SQL, as model instances (None for the NULLs of a
    LEFT JOIN that found nothing), or None without a row.

    `parts` lists (model, table alias) in the SELECT's order; `joins` is the FROM clause after the
    first table; the columns are the models' own. For hot reads whose select_related() compiled to
    the same statement at several times the cost of running it.
    """
    if lock and not connections[alias].in_atomic_block:  # as select_for_update() refuses: the lock would not hold
        raise TransactionManagementError("a row lock needs a transaction")
    sql, models = _instances_plan(alias, tuple(parts), joins, where, lock)
    rows = fetch_prepared(alias, sql, params)
    if not rows:
        return None
    connection = connections[alias]
    instances, start = [], 0
    for model, attnames, converters in models:
        values = list(rows[0][start:start + len(attnames)])
        start += len(attnames)
        if values[0] is None:
            instances.append(None)
            continue
        for i, field, convert in converters:
            values[i] = convert(values[i], field, connection)
        instances.append(model.from_db(alias, attnames, values))
    return instances


@functools.lru_cache(maxsize=64)
def _insert_sql(model, alias: str, rows: int, suffix: str = "") -> tuple[str, list]:
    quote = connections[alias].ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    one = f"({', '.join(['%s'] * len(fields))})"
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
           f" VALUES {', '.join([one] * rows)}{suffix} RETURNING {quote(model._meta.pk.column)}")
    return sql, fields


def _insert(instances: list, suffix: str = "") -> list:
    """INSERT unsaved instances of one model in one statement; returns the new primary keys (or none)."""
    model = type(instances[0])
    connection = connections[router.db_for_write(model)]
    sql, fields = _insert_sql(model, connection.alias, len(instances), suffix)
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for obj in instances for f in fields]
    with connection.cursor() as cursor:  # Django's cursor: the history context reaches the triggers
        cursor.execute(sql, values)
        keys = [row[0] for row in cursor.fetchall()]
    for obj, key in zip(instances, keys, strict=False):
        obj.pk = key
        obj._state.adding, obj._state.db = False, connection.alias
    return keys


def insert_rows(*instances) -> None:
    """INSERT unsaved instances of one model, in one statement and in order, setting their primary keys.

    What `save(force_insert=True)` or `bulk_create()` does for plain rows (no signals: history here is
    written by triggers), at a fraction of their cost in Python on the hot write paths
    (bench/enrolment_bench.py).
    """
    _insert(list(instances))


def insert_or_nothing(instance, *, conflict: tuple[str, ...]) -> bool:
    """INSERT the unsaved instance unless a row with the same `conflict` columns exists (ON CONFLICT DO
    NOTHING); True when inserted, with the primary key set. A concurrent insert of the same key makes
    this wait for that transaction, so False means the other row is committed and can be locked.
    Unlike a savepoint around save(), the caller's transaction needs no extra round trips."""
    model = type(instance)
    quote = connections[router.db_for_write(model)].ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(c).column) for c in conflict)
    return bool(_insert([instance], f" ON CONFLICT ({columns}) DO NOTHING"))
