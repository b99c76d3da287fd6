"""The hot paths' SQL: querysets compiled once and run as prepared statements, and plain INSERTs.

On these machines building and compiling a query in the ORM costs several times what PostgreSQL
needs to run it (bench/lookup_bench.py, bench/enrolment_bench.py). Measured, and only there:

- `CompiledQuery`: a queryset written as usual (a selector with `scope()`, or `select_related()`)
  compiled once per kind of viewer; the viewer's fields and the looked-up values are compiled
  as sentinels and bound on every call. The viewer's fields are read from the Viewer dataclass,
  so a field that `scope()` starts to use is bound per call too, never frozen at the first
  caller's value; a parameter that depends on the viewer or the values in any other way is
  refused when the query is compiled. Rows come back as the queryset would give them: dicts for
  `.values()`, model instances with their `select_related()` objects otherwise.
- `fetch_prepared`: runs them as server-side prepared statements (parsed and planned once per
  connection; not through a pooler in transaction mode, which loses them); `fetch_all` chooses between
  it (one person's request) and Django's cursor (a batch) by a flag, for reads both kinds of caller share.
- `insert_rows`, `insert_or_nothing`: plain INSERTs of unsaved instances.
- `array_text`: a column of values as the text of one PostgreSQL array, for the set-based writes'
  `unnest(%s::<type>[])` (psycopg adapts a list element by element in Python: at the collection feed's
  chunk, ~30,000 values in a dozen arrays, that cost more than the statements it fed).

Writes still go through Django's cursor, so pghistory's context reaches the audit triggers.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

from common.access import Viewer


def _viewer_sentinels(offset: int) -> dict[str, object]:
    """A stand-in value for every field of Viewer but its kind (which chooses the compiled query)."""
    sentinels: dict[str, object] = {}
    for i, field in enumerate(dataclasses.fields(Viewer)):
        if field.name == "kind":
            continue
        is_text = "str" in str(field.type)
        sentinels[field.name] = f"\u2063viewer-{field.name}-{offset}\u2063" if is_text else -7_300_000 - 100 * offset - i
    return sentinels


def _value_sentinels(types: tuple[type, ...], offset: int) -> list[object]:
    return [f"\u2063VALUE-{i}-{offset}\u2063" if t is str else -7_400_000 - 100 * offset - i  # unchanged by strip()/upper()
            for i, t in enumerate(types)]


@dataclasses.dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: list[tuple[str, object]]  # per parameter: ("value", index) | ("viewer", field) | ("const", value)
    db: str
    compiler: object
    converters: dict
    lock: bool
    fields: tuple[str, ...] | None  # .values() field names, or None for model instances
    model: type | None
    init_list: list[str]
    start: int
    end: int
    populators: list
    source: type  # the queryset's model: where it reads is routed per call (common.replicas)


class CompiledQuery:
    """`build(viewer, *values)` returns the queryset; `types` are the values' types (str or int)."""

    def __init__(self, build: Callable[..., QuerySet], *, types: tuple[type, ...] = (str,)):
        self._build, self._types = build, types
        self._compiled: dict[object, _Compiled | None] = {}
        self._lock = threading.Lock()

    def _sql(self, viewer: Viewer, offset: int):
        stand_in, values = dataclasses.replace(viewer, **_viewer_sentinels(offset)), _value_sentinels(self._types, offset)
        queryset = self._build(stand_in, *values)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        names = {value: ("viewer", name) for name, value in _viewer_sentinels(offset).items()}
        names.update({value: ("value", i) for i, value in enumerate(values)})
        return queryset, compiler, sql, [names.get(p, ("const", p)) for p in params]

    def _compile(self, viewer: Viewer) -> _Compiled | None:
        try:
            queryset, compiler, sql, slots = self._sql(viewer, 0)
            _q, _c, other_sql, other_slots = self._sql(viewer, 1)  # with other stand-ins: what moves with them?
        except EmptyResultSet:  # this kind of viewer sees none of these rows
            return None
        if sql != other_sql or slots != other_slots:
            raise ValueError(f"a parameter depends on the viewer or the values other than as itself: {sql!r} "
                             f"{slots!r}; bind it unchanged, or do not compile this query")
        used = {arg for kind, arg in slots if kind == "value"}
        if used != set(range(len(self._types))):
            raise ValueError(f"every looked-up value must reach the SQL unchanged: {sql!r} {slots!r}")
        select = compiler.select
        converters = compiler.get_converters([column for column, _sql, _alias in select[: compiler.col_count]])
        fields = None
        if queryset._fields is not None:  # .values(): named as the ORM names them
            if queryset.query.extra_select or queryset.query.annotation_select:
                raise ValueError("only plain .values() of fields are compiled here")
            fields = tuple(queryset.query.values_select) or tuple(
                f.attname for f in queryset.model._meta.concrete_fields)
        model = init_list = populators = None
        start = end = 0
        if fields is None:
            klass_info = compiler.klass_info
            model = klass_info["model"]
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            init_list = [column[0].target.attname for column in select[start:end]]
            populators = get_related_populators(klass_info, select, queryset.db)
        return _Compiled(sql, slots, queryset.db, compiler, converters, bool(queryset.query.select_for_update),
                         fields, model, init_list or [], start, end, populators or [], queryset.model)

    def _rows(self, viewer: Viewer, values: tuple, then: tuple[str, list] | None = None
              ) -> tuple[_Compiled | None, list, str]:
        key = viewer.kind
        if key not in self._compiled:
            with self._lock:
                if key not in self._compiled:
                    self._compiled[key] = self._compile(viewer)
        compiled = self._compiled[key]
        if compiled is None:
            return None, [], ""
        # Routed per call, as the queryset would be (a replica for marked reads; a lock or a write on the primary).
        writes = compiled.lock or then is not None
        db = router.db_for_write(compiled.source) if writes else router.db_for_read(compiled.source)
        if compiled.lock and not connections[db].in_atomic_block:
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = [values[arg] if kind == "value" else getattr(viewer, arg) if kind == "viewer" else arg
                  for kind, arg in compiled.slots]
        sql = compiled.sql
        if then is not None:  # the rows read as `found`, and a write over them, in one statement
            sql = f"WITH found AS ({sql}), written AS ({then[0]}) SELECT * FROM found"
            params = [*params, *then[1]]
        rows = fetch_prepared(db, sql, params)
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        return compiled, rows, db

    def values(self, viewer: Viewer, *values) -> list[dict]:
        """The rows of a `.values()` queryset, as dicts."""
        compiled, rows, _db = self._rows(viewer, values)
        if compiled is None:
            return []
        return [dict(zip(compiled.fields, row, strict=True)) for row in rows]

    def values_then(self, viewer: Viewer, *values, then: tuple[str, list]) -> list[dict]:
        """`values()`, and in the SAME statement on the primary `then = (sql, params)`: an
        `INSERT .. SELECT .. FROM found` over the rows read (`found` holds the `.values()` columns
        under their names). One round trip instead of a read, BEGIN, INSERT and COMMIT: outside a
        transaction the statement is its own, so the rows are returned only if the write commits."""
        compiled, rows, _db = self._rows(viewer, values, then)
        if compiled is None:
            return []
        return [dict(zip(compiled.fields, row, strict=True)) for row in rows]

    def instances(self, viewer: Viewer, *values) -> list:
        """The model instances, with their select_related() objects cached as the ORM caches them."""
        compiled, rows, db = self._rows(viewer, values)
        if compiled is None:
            return []
        found = []
        for row in rows:
            obj = compiled.model.from_db(db, compiled.init_list, row[compiled.start:compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found


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


def fetch_all(alias: str, sql: str, params, *, prepared: bool = False) -> list[tuple]:
    """Run a read and return its rows: as a server-side prepared statement when `prepared` (one person's
    request, planned once per connection), else through Django's cursor (a batch: planned per call)."""
    if prepared:
        return fetch_prepared(alias, sql, params)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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


def _array_element(value) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, date):  # date and datetime: ISO 8601, which PostgreSQL reads whatever its DateStyle
        return '"' + value.isoformat() + '"'
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def array_text(values) -> str:
    """`values` (ints, Decimals, dates, datetimes, booleans, strings, None) as the text of a PostgreSQL
    array: pass it as one parameter and cast it (`%(ids)s::bigint[]`). Strings are quoted and escaped
    (a backslash and a double quote), None is NULL."""
    return "{" + ",".join(map(_array_element, values)) + "}"
