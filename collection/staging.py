"""The feed's set-based storing (issue 22, benchmarks): a collector's file goes, as it is read, into
a staging table (a TEMP table dropped at commit, filled by COPY), and is then checked and stored by
a few statements whatever its size, inside the feed's entry point and transaction:

- while reading: every line's form (collection.feeds.line_read) and its account (one of ours, open
  on the value date, of the collector's region when the collector sends);
- on the staging table: an id twice in the file, reversals that name no credit of the same account
  (earlier in the file or stored) with the same amount, and the file's own totals;
- then: known ids with the same figures change nothing, known ids with other figures become
  `RecordConflict`s, new records are INSERTed in one statement (credits first, then reversals, which
  may name a credit of the same file).

What the new credits mean (matching and applying) is collection.applying's `credits_apply`, run on
the records the database holds as not yet applied (neither an application nor a suspense item).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

import psycopg
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from collection import events
from collection.feeds import _ACCOUNT, LIMITS, Faults, Line, Parsed, line_read
from collection.feeds.csv_layout import _FIELD_OF, OPTIONAL, REQUIRED, TOTAL, _total_read
from collection.models import CollectionAccount, CollectorFile, RecordConflict, RecordKind
from common.access import Kind, Viewer

STAGE = "collection_feed_stage"
FileMade = Callable[[int, Decimal], tuple[CollectorFile, bool]]  # (records, net total) -> (file, created)
_COLUMNS = ("row", "account_id", "transaction_id", "value_date", "amount", "payer_account", "payer_name",
            "reference_text", "reverses")
_FLUSH = 5_000  # lines per write to COPY
# The records' columns a CSV file's fast path writes (`Stage.store_direct`): `id` from its identity,
# `reverses_id` NULL (credits only).
_RECORD_COLUMNS = ("account_id", "file_id", "line", "transaction_id", "kind", "value_date", "amount", "payer_account",
                   "payer_name", "reference_text", "received_at")


def _escape(text: str) -> str:
    """A field of COPY's text format (line_read refused control characters, so only these remain)."""
    return text.replace("\\", "\\\\") if "\\" in text else text


class Stage:
    """The staging table of one import, and the sink a parser hands its good lines to."""

    def __init__(self, *, faults: Faults, today: date, actor: Viewer):
        self.faults = faults
        self.today = today
        accounts = CollectionAccount.objects.all()
        if actor.kind is Kind.COLLECTOR:  # a collector's system sends only for its region's accounts
            accounts = accounts.filter(region_id=actor.region_id)
        self.accounts = {a.account_number: a for a in accounts}
        self.account_ids = [a.pk for a in self.accounts.values() if _ACCOUNT.match(a.account_number)]
        self.buffer: list[str] = []
        self.copy = None
        # The CSV fast path's file and count when it stored the records itself (`Stage.store_direct`).
        self.stored: tuple[CollectorFile, bool, int] | None = None
        with connection.cursor() as cursor:
            cursor.execute(f"""
                CREATE TEMP TABLE IF NOT EXISTS {STAGE} (
                    row integer NOT NULL, account_id integer NOT NULL, transaction_id varchar(64) NOT NULL,
                    value_date date NOT NULL, amount numeric(14, 2) NOT NULL, payer_account varchar(34) NOT NULL,
                    payer_name varchar(200) NOT NULL, reference_text varchar(500) NOT NULL,
                    reverses varchar(64) NOT NULL) ON COMMIT DROP""")
            cursor.execute(f"TRUNCATE {STAGE}")

    def fill(self, read: Callable[[Parsed], None], parsed: Parsed) -> None:
        """Run `read(parsed)` (a format's parser) with this stage as the sink of its good lines."""
        parsed.sink = self.line
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {STAGE} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                self.copy = copy
                read(parsed)
                self._flush()
                self.copy = None
            cursor.execute(f"ANALYZE {STAGE}")

    def line(self, line: Line) -> None:
        account = self.accounts.get(line.account)
        faults = self.faults
        if account is None:
            faults.add(line.row, "account", "unknown", _("No collection account has this number."))
        elif line.value_date > self.today:
            faults.add(line.row, "value_date", "future", _("A value date cannot be after today."))
        elif line.value_date < account.opened_on:
            faults.add(line.row, "value_date", "before_account",
                       _("The account was opened on %(day)s: no money arrived on it before.")
                       % {"day": account.opened_on.isoformat()})
        elif account.closed_on is not None and line.value_date > account.closed_on:
            faults.add(line.row, "value_date", "after_account",
                       _("The account was closed on %(day)s.") % {"day": account.closed_on.isoformat()})
        if account is None:
            return
        self.buffer.append(f"{line.row}\t{account.pk}\t{_escape(line.transaction_id)}\t{line.value_date.isoformat()}"
                           f"\t{line.amount}\t{_escape(line.payer_account)}\t{_escape(line.payer_name)}"
                           f"\t{_escape(line.reference_text)}\t{_escape(line.reverses)}\n")
        if len(self.buffer) >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            self.copy.write("".join(self.buffer))
            self.buffer.clear()

    def store_direct(self, cursor, parsed: Parsed, file_made: FileMade) -> bool:
        """The CSV fast path's common case: every raw line passes, every line is a credit, no id is in
        the file twice or stored before, the file's totals agree. The records then go from the raw
        lines to `collection_collectorrecord` (no typed staging table, no second look): one SELECT
        checks the lines and turns them into records as lines of COPY's text format (read through a
        server-side cursor, many lines a round trip, spooled to a temporary file), and a COPY writes
        them. COPY, not INSERT .. SELECT: COPY writes the heap a
        page at a time (one WAL record a page, not one a row), and so the logged table costs what a
        COPY into any logged table costs, plus its two B-trees. The references are checked once by
        the records' statement trigger (COPY fires it as an INSERT does). Anything else is rolled back
        (nothing stored, not even the file) and read the long way (`copy_good`, then `check` and
        `stage_store`), which names the faults, duplicates and conflicts. True when stored."""
        if parsed.declared_count is not None and (parsed.declared_count != parsed.read
                                                  or parsed.declared_sum != parsed.net):
            return False  # the long way names the totals' fault
        try:
            with transaction.atomic(), tempfile.TemporaryFile(buffering=_CHUNK) as spool:
                file, created = file_made(parsed.read, parsed.net)
                if not created:  # the same file, sent at the same time: the other import has it
                    self.stored = (file, False, 0)
                    return True
                records = cursor.cursor
                # The records as lines of COPY's text format, made by the server and fetched many to a
                # round trip (a COPY .. TO STDOUT hands the client one message a row). A value passed by
                # `_raw_good` holds no control character: only the backslash needs COPY's escape.
                text = ", ".join([f"replace(coalesce(w.{c}, ''), '\\', '\\\\')"
                                  for c in ("transaction_id", "payer_account", "payer_name", "reference_text")])
                # The planner takes the checked lines for a handful (the conditions' selectivities
                # multiplied) and would join them by nested loops: a hash join reads the lines once.
                records.execute("SET LOCAL enable_nestloop = off")
                with records.connection.cursor(name=f"{RAW}_out") as out:
                    out.execute(f"""
                        WITH given AS MATERIALIZED (SELECT DISTINCT value_date FROM {RAW}),
                             days AS (SELECT w.value_date AS text, w.value_date::date AS day
                                        FROM given w WHERE {_DAY_EXISTS}),
                             accounts AS MATERIALIZED (
                                 SELECT id, account_number, opened_on,
                                        LEAST(coalesce(closed_on, %(today)s::date), %(today)s::date) AS last_day
                                   FROM collection_collectionaccount WHERE id = ANY(%(accounts)s))
                        SELECT concat_ws(E'\\t', a.id, %(file)s::bigint, w.row, t.transaction_id, %(kind)s::text, v.day,
                                         w.amount::numeric(14, 2), t.payer_account, t.payer_name,
                                         t.reference_text, now()) || E'\\n'
                          FROM {RAW} w JOIN accounts a ON a.account_number = w.account
                               JOIN days v ON v.text = w.value_date,
                               LATERAL (SELECT {text}) t (transaction_id, payer_account, payer_name, reference_text)
                         WHERE left(w.amount, 1) <> '-' AND v.day BETWEEN a.opened_on AND a.last_day
                           AND {_raw_good('%(today)s::date', dates=False)}""",
                                {"accounts": self.account_ids, "today": self.today, "file": file.pk,
                                 "kind": RecordKind.CREDIT.value})
                    count = 0
                    while rows := out.fetchmany(_FETCH):
                        count += len(rows)
                        spool.write("".join([row[0] for row in rows]).encode())
                records.execute("SET LOCAL enable_nestloop TO DEFAULT")
                if count != parsed.read:
                    raise _Fallback  # a line at fault, or a reversal
                spool.seek(0)
                with records.copy(f"COPY collection_collectorrecord ({', '.join(_RECORD_COLUMNS)}) FROM STDIN") as copy:
                    while data := spool.read(_CHUNK):
                        copy.write(data)
                if records.rowcount != parsed.read:
                    raise _Fallback
        except (_Fallback, DatabaseError, psycopg.Error):  # an id twice or stored before, a value too long or too large
            return False
        parsed.good = parsed.read
        self.stored = (file, True, parsed.read)
        return True

    def copy_good(self, cursor, parsed: Parsed, columns: list[str]) -> None:
        """The CSV fast path: the raw lines the SQL passes go into the staging table in one statement;
        the others (normally none) are read by the twin, line_read and `line`, which name their faults
        or pass them."""
        cursor.execute(f"""
            INSERT INTO {STAGE} ({', '.join(_COLUMNS)})
            SELECT w.row, a.id, w.transaction_id, w.value_date::date, w.amount::numeric(14, 2),
                   coalesce(w.payer_account, ''), coalesce(w.payer_name, ''), coalesce(w.reference_text, ''),
                   coalesce(w.reverses, '')
              FROM {RAW} w JOIN collection_collectionaccount a ON a.account_number = w.account
             WHERE a.id = ANY(%(accounts)s) AND {_raw_good('%(today)s::date')}""",
                       {"accounts": self.account_ids, "today": self.today})
        good = cursor.rowcount
        cursor.execute(f"SELECT coalesce(sum(amount), 0) FROM {STAGE}")
        parsed.good += good
        parsed.net += cursor.fetchone()[0]
        cursor.execute(f"ANALYZE {STAGE}")
        if good == parsed.read:
            return
        cursor.execute(f"""
            SELECT w.* FROM {RAW} w WHERE NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.row = w.row) ORDER BY w.row""")
        names = [d[0] for d in cursor.description]
        parsed.sink = self.line
        for values in cursor.fetchall():
            raw = dict(zip(names, values, strict=True))
            if not any((raw[c] or "").strip() for c in columns):
                raise _Fallback  # a line of blanks: the twin leaves it out
            line = line_read({c: raw[c] or "" for c in columns}, row=raw["row"], faults=self.faults)
            if line is not None:
                parsed.add(line)
        parsed.sink = None
        if self.buffer:
            with cursor.cursor.copy(f"COPY {STAGE} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                self.copy = copy
                self._flush()
                self.copy = None

    def check(self, parsed: Parsed) -> None:
        """What one line cannot tell: ids twice in the file, reversals, the file's own totals."""
        faults = self.faults
        with connection.cursor() as cursor:
            cursor.execute(f"""
                SELECT row, first FROM (SELECT row, min(row) OVER (PARTITION BY account_id, transaction_id) AS first
                                          FROM {STAGE}) s WHERE row <> first ORDER BY row""")
            for row, first in cursor.fetchall():
                faults.add(row, "transaction_id", "duplicate",
                           _("The file has this transaction id already (line %(row)s).") % {"row": first})
            cursor.execute(f"""
                SELECT s.row, s.reverses, s.amount, o.row, o.amount, r.kind, r.amount, rb.transaction_id
                  FROM {STAGE} s
                  LEFT JOIN LATERAL (SELECT o.row, o.amount FROM {STAGE} o
                                      WHERE o.account_id = s.account_id AND o.transaction_id = s.reverses
                                      ORDER BY o.row LIMIT 1) o ON true
                  LEFT JOIN collection_collectorrecord r
                         ON r.account_id = s.account_id AND r.transaction_id = s.reverses
                  LEFT JOIN collection_collectorrecord rb ON rb.reverses_id = r.id
                 WHERE s.amount < 0 ORDER BY s.row""")
            for row, reverses, amount, in_file_row, in_file_amount, kind, stored_amount, reversed_by in (
                    cursor.fetchall()):
                self._reversal_check(row, reverses, amount, in_file_row, in_file_amount, kind, stored_amount,
                                     reversed_by, cursor)
        if parsed.declared_count is not None and parsed.declared_count >= 0 and parsed.declared_count != parsed.read:
            faults.add(None, "total_count", "totals",
                       _("The file says %(said)s records; it has %(has)s.")
                       % {"said": parsed.declared_count, "has": parsed.read})
        if parsed.declared_sum is not None and parsed.good == parsed.read and parsed.declared_sum != parsed.net:
            faults.add(None, "total_amount", "totals",
                       _("The file says its amounts come to %(said)s; its lines come to %(has)s.")
                       % {"said": parsed.declared_sum, "has": parsed.net})

    def _reversal_check(self, row, reverses, amount, in_file_row, in_file_amount, kind, stored_amount, reversed_by,
                        cursor) -> None:
        faults = self.faults
        if in_file_row is not None and in_file_row < row:
            original_amount, original_kind, earlier = in_file_amount, None, None
        elif kind is not None:
            original_amount, original_kind, earlier = stored_amount, kind, reversed_by
        else:
            faults.add(row, "reverses", "unknown",
                       _("No earlier record on this account has the transaction id %(id)s.") % {"id": reverses})
            return
        if original_amount < 0 or original_kind not in (None, RecordKind.CREDIT):
            faults.add(row, "reverses", "not_credit", _("Only money received can be reversed."))
        elif earlier is not None and earlier != self._transaction_id(row, cursor):
            faults.add(row, "reverses", "already_reversed",
                       _("The collector reversed this record before (%(id)s).") % {"id": earlier})
        elif -amount != original_amount:
            faults.add(row, "amount", "reversal_amount",
                       _("A reversal takes back the whole record: %(amount)s.") % {"amount": original_amount})

    @staticmethod
    def _transaction_id(row: int, cursor) -> str:
        cursor.execute(f"SELECT transaction_id FROM {STAGE} WHERE row = %s", [row])
        return cursor.fetchone()[0]


# The CSV layout's fast path (issue 22's import benchmark): the file's record lines go by COPY, as
# they are, into a staging table of text columns (RAW); the form of every value and its account are
# checked there by one statement, and the lines that pass go on into the typed staging table. The SQL
# conditions are the Python twin's (collection.feeds.line_read and Stage.line) made stricter, never
# looser: a value the SQL does not pass (a stray space, a character outside the common scripts, a
# fault) is read again by the twin, which names the fault exactly as it always did or passes the line.
# Whatever COPY cannot read the way Python's csv module does (a line break inside quotes, a blank line,
# a line of another width, a TOTAL line before the end, bytes that are not UTF-8) leaves the file to
# the twin whole (`csv_stage` answers False): same faults, same records, only slower.
RAW = "collection_feed_raw"
_RAW_COLUMNS = ("account", "transaction_id", "value_date", "amount", "payer_account", "payer_name",
                "reference_text", "reverses")
_CHUNK = 1 << 20
_FETCH = 20_000  # records a round trip of the fast path's check (`Stage.store_direct`)
# Characters the SQL passes without asking the twin: printable ASCII, Latin-1 (no soft hyphen), CJK,
# Hangul and the full-width forms; none of them is a control or format character (common.text).
_SAFE = "^[ -~\u00a0-\u00ac\u00ae-\u00ff\u2e80-\u9fff\uac00-\ud7a3\uff00-\uffef]*$"
# What str.strip() would take away at either end of a free text (of the safe characters; the other
# values' patterns admit no space).
_SPACES = " \u00a0\u3000"
_GOOD_AMOUNT = "^-?[0-9]+([.][0-9][0-9]?)?$"  # [0-9], never \\d: a full-width digit is not one
_GOOD_DATE = "^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$"


class _Fallback(Exception):
    """The fast path cannot read this file as Python's csv module would: the twin reads it."""


_DAY_EXISTS = f"""CASE WHEN w.value_date ~ '{_GOOD_DATE}'
                    THEN substr(w.value_date, 6, 2)::int BETWEEN 1 AND 12 AND left(w.value_date, 4) <> '0000'
                         AND substr(w.value_date, 9, 2)::int >= 1  -- the day exists: it stays in its month
                         AND date_part('month', make_date(left(w.value_date, 4)::int, substr(w.value_date, 6, 2)::int, 1)
                                                + (substr(w.value_date, 9, 2)::int - 1))
                             = substr(w.value_date, 6, 2)::int
                    ELSE false END"""


def _raw_good(today_param: str, *, dates: bool = True) -> str:
    """The WHERE condition of a raw line (alias `w`, its account `a`, joined by number: an account of
    ours has a number in the layout's form) that the twin would pass whole. Written for speed: one
    pattern over all the values joined, no bounded repetition. Without `dates`, the value date is left
    to the caller (`Stage.store_direct` checks each distinct value date once, not each line's)."""
    joined = f"concat_ws('|', {', '.join(f'w.{c}' for c in _RAW_COLUMNS)})"
    day = (f"""
           AND {_DAY_EXISTS}
           AND CASE WHEN w.value_date ~ '{_GOOD_DATE}' THEN w.value_date::date BETWEEN a.opened_on
                    AND LEAST(coalesce(a.closed_on, {today_param}), {today_param}) ELSE false END""" if dates else "")
    ends = " AND ".join(f"btrim(coalesce(w.{c}, ''), '{_SPACES}') = coalesce(w.{c}, '')"
                        for c in ("payer_account", "payer_name", "reference_text"))
    return f"""{joined} ~ '{_SAFE}' AND {ends}
           AND length(w.transaction_id) BETWEEN 1 AND 64 AND w.transaction_id !~ '[^!-~]'{day}
           AND CASE WHEN w.amount ~ '{_GOOD_AMOUNT}' AND length(split_part(w.amount, '.', 1)) <= 13
                    THEN (w.amount::numeric > 0 AND coalesce(w.reverses, '') = '')
                         OR (w.amount::numeric < 0 AND length(w.reverses) BETWEEN 1 AND 64
                             AND w.reverses !~ '[^!-~]')
                    ELSE false END
           AND length(coalesce(w.payer_account, '')) <= {LIMITS['payer_account']}
           AND length(coalesce(w.payer_name, '')) <= {LIMITS['payer_name']}
           AND length(coalesce(w.reference_text, '')) <= {LIMITS['reference_text']}"""


def csv_stage(stage: Stage, content: bytes | BinaryIO, parsed: Parsed, faults: Faults,
              file_made: FileMade | None = None) -> bool:
    """Stage a CSV file by the fast path (see above); False when the twin must read it (nothing staged).
    With `file_made` (it makes the file's row, given its records and net total) a file whose lines are
    all good new credits is stored at once (`Stage.store_direct`; `stage.stored` then says so)."""
    if isinstance(content, bytes | bytearray):
        content = io.BytesIO(content)
    if not content.seekable():
        return False
    start = content.tell()
    try:
        with transaction.atomic():
            _csv_copy(stage, content, parsed, file_made)
    except (_Fallback, DatabaseError, psycopg.Error):
        content.seek(start)
        parsed.read = parsed.good = 0
        parsed.net = Decimal("0.00")
        parsed.declared_count = parsed.declared_sum = None
        parsed.sink = None
        faults.items.clear()
        faults.total = 0
        stage.buffer.clear()
        stage.stored = None
        return False
    return True


_CSV_COLUMNS = {name: _FIELD_OF.get(name, name) for name in REQUIRED + OPTIONAL}


def _header(content: BinaryIO) -> tuple[list[str], bytes]:
    """The header's columns, and what was read after it."""
    first = content.read(_CHUNK)
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    end = first.find(b"\n")
    if end < 0:
        raise _Fallback
    try:
        cells = next(csv.reader([first[:end].decode("utf-8").rstrip("\r")]))
    except (UnicodeDecodeError, csv.Error, StopIteration) as error:
        raise _Fallback from error
    columns = [name.strip().lower() for name in cells]
    if (len(set(columns)) != len(columns) or not set(columns) <= set(_CSV_COLUMNS)
            or not set(REQUIRED) <= set(columns)):
        raise _Fallback  # the twin names what is wrong with the header
    return [_CSV_COLUMNS[name] for name in columns], first[end + 1:]


def _csv_copy(stage: Stage, content: BinaryIO, parsed: Parsed, file_made: FileMade | None) -> None:
    start = content.tell()
    if file_made is not None and _direct(stage, content, parsed, file_made):
        return
    content.seek(start)
    parsed.read, parsed.net, parsed.declared_count, parsed.declared_sum = 0, Decimal("0.00"), None, None
    columns, data = _header(content)
    lines = 0  # the lines after the header
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE TEMP TABLE IF NOT EXISTS {RAW} (
                row integer GENERATED BY DEFAULT AS IDENTITY (START 2), {', '.join(f'{c} text' for c in _RAW_COLUMNS)})
                ON COMMIT DROP""")
        cursor.execute(f"TRUNCATE {RAW} RESTART IDENTITY")
        with cursor.cursor.copy(f"COPY {RAW} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
            while True:
                chunk = content.read(_CHUNK)
                data += chunk
                cut = data.rfind(b"\n", 0, len(data) - 1)  # the last line stays back: it may be the TOTAL
                if cut >= 0:
                    lines += data.count(b"\n", 0, cut + 1)
                    copy.write(data[:cut + 1])
                    data = data[cut + 1:]
                if not chunk:
                    break
            total_line = False
            if data:
                lines += 1
                try:
                    cells = next(csv.reader([data.decode("utf-8").rstrip("\r\n")]))
                except (UnicodeDecodeError, csv.Error, StopIteration) as error:
                    raise _Fallback from error
                total_line = bool(cells) and cells[0].strip().upper() == TOTAL
                if total_line:
                    _total_read(cells, 0, parsed, Faults())
                    if parsed.declared_count == -1:
                        raise _Fallback  # the twin names the bad TOTAL line with its number
                else:
                    copy.write(data)
        rows = cursor.cursor.rowcount  # COPY's own count of the rows it wrote
        if rows + int(total_line) != lines:
            raise _Fallback  # line breaks inside quotes (COPY read fewer rows than lines)
        parsed.read = rows
        if file_made is not None:
            net = _net(cursor)
            if net is not None:
                parsed.net = net
                if stage.store_direct(cursor, parsed, file_made):
                    return
                parsed.net = Decimal("0.00")
        _raw_form(cursor, columns)
        stage.copy_good(cursor, parsed, columns)


def _net(cursor) -> Decimal | None:
    """The raw lines' amounts added up, for the fast path's file row and its TOTAL check; None when an
    amount is no number at all. One cast a line and no pattern: an amount the cast reads but the layout
    does not ("1e3", " 12", "1.005") is refused by `store_direct`'s own checks, which then leave the
    file to the long way, so a sum of such amounts is never stored."""
    try:
        with transaction.atomic():
            cursor.execute(f"SELECT coalesce(sum(amount::numeric(14, 2)), 0) FROM {RAW}")
            return cursor.fetchone()[0]
    except (DatabaseError, psycopg.Error):
        return None


def _raw_form(cursor, columns: list[str]) -> None:
    """The long way's look at the raw lines (the fast path needs none: a blank line or an early TOTAL
    line names no account, and `store_direct` refuses it): what COPY read otherwise than Python's csv
    module, which leaves the file to the twin."""
    blank = " AND ".join(f"coalesce(btrim({c}), '') = ''" for c in columns)
    cursor.execute(f"""SELECT count(*) FILTER (WHERE upper(btrim({columns[0]})) = 'TOTAL'),
                              count(*) FILTER (WHERE {blank}) FROM {RAW}""")
    totals, blanks = cursor.fetchone()
    if totals or blanks:
        raise _Fallback  # blank lines, a TOTAL line before the end


def stage_store(file: CollectorFile, *, actor: Viewer) -> dict[str, int]:
    """Store the staged lines for `file` (see the module docstring); returns the counts."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT same) FROM (
                SELECT r.amount = abs(s.amount) AND r.value_date = s.value_date
                       AND r.kind = CASE WHEN s.amount < 0 THEN 'reversal' ELSE 'credit' END AS same
                  FROM {STAGE} s JOIN collection_collectorrecord r
                    ON r.account_id = s.account_id AND r.transaction_id = s.transaction_id) k""")
        seen_before, conflicting = cursor.fetchone()
        conflicts = []
        if conflicting:
            cursor.execute(f"""
                SELECT r.id, s.row, abs(s.amount), s.value_date
                  FROM {STAGE} s JOIN collection_collectorrecord r
                    ON r.account_id = s.account_id AND r.transaction_id = s.transaction_id
                 WHERE NOT (r.amount = abs(s.amount) AND r.value_date = s.value_date
                            AND r.kind = CASE WHEN s.amount < 0 THEN 'reversal' ELSE 'credit' END)
                 ORDER BY s.row""")
            conflicts = RecordConflict.objects.bulk_create(
                [RecordConflict(record_id=rid, file=file, line=row, amount=Decimal(amount), value_date=day)
                 for rid, row, amount, day in cursor.fetchall()])
        stored = 0
        for kind, where, reverses in (
                (RecordKind.CREDIT, "s.amount > 0", "NULL::bigint"),
                (RecordKind.REVERSAL, "s.amount < 0", "(SELECT o.id FROM collection_collectorrecord o WHERE "
                                                      "o.account_id = s.account_id AND o.transaction_id = s.reverses)")):
            cursor.execute(f"""
                INSERT INTO collection_collectorrecord
                       (account_id, file_id, line, transaction_id, kind, reverses_id, value_date, amount,
                        payer_account, payer_name, reference_text, received_at)
                SELECT s.account_id, %s, s.row, s.transaction_id, %s, {reverses}, s.value_date, abs(s.amount),
                       s.payer_account, s.payer_name, s.reference_text, now()
                  FROM {STAGE} s
                 WHERE {where} AND NOT EXISTS (SELECT 1 FROM collection_collectorrecord r
                                                WHERE r.account_id = s.account_id
                                                  AND r.transaction_id = s.transaction_id)
                 ORDER BY s.row""", [file.pk, kind.value])
            stored += cursor.rowcount
    for conflict in conflicts:
        events.record_conflict(conflict, actor=actor)
    return {"stored": stored, "seen_before": seen_before, "conflicts": len(conflicts)}


# The plain file's way (issue 22's import benchmark, third round): a CSV file whose every line has the
# plain form below (no quotes; a known account, a transaction id, a date, a positive amount and free
# texts of the safe characters, nothing to strip; no reversal; an optional TOTAL line last) is checked
# by the worker as it reads it, and its lines go from the file into `collection_collectorrecord` by one
# COPY: no staging table, no check in SQL, no round trip of the records through the worker. The form is
# `_raw_good`'s (so the twin's, made stricter); a line of any other form leaves the file to the raw
# staging table's way above, which reads it exactly as before. Two passes over the file: the first
# checks the form and counts and adds up the lines (the file's row, which the records name, is written
# before them with its count and total), the second writes them while the server stores the previous
# chunk (worker and server side by side).
_PLAIN_SAFE = _SAFE[2:-3].replace(" -~", " !#-+\\--~")  # the safe characters but the quote and the comma
_PLAIN_ID = "[!#-+\\--~]{1,64}"  # a transaction id: printable ASCII, no space, quote or comma
_PLAIN_FIELD = {
    "transaction_id": _PLAIN_ID,
    "value_date": "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "amount": "[0-9]{1,12}(?:[.][0-9]{1,2})?",  # positive (a zero is refused by the records' check)
    "reverses": "",  # credits only
    **{name: f"(?![{_SPACES}])[{_PLAIN_SAFE}]{{0,{limit}}}(?<![{_SPACES}])" for name, limit in LIMITS.items()},
}
_COPY_NAME = {"account": "account_id", "reverses": "reverses_id"}  # an empty reverses is COPY's NULL


def _plain_lines(stage: Stage, columns: list[str]):
    """The pattern of a run of plain lines, and where the account, the value date and the amount are."""
    numbers = sorted(number for number, account in stage.accounts.items() if account.pk in stage.account_ids)
    if not numbers:
        return None
    account = "(?:" + "|".join(re.escape(n) for n in numbers) + ")"
    fields = [account if name == "account" else _PLAIN_FIELD[name] for name in columns]
    return re.compile("(?:" + ",".join(fields) + "\r?\n)*")


def _direct(stage: Stage, content: BinaryIO, parsed: Parsed, file_made: FileMade) -> bool:
    """The plain file's way (see above); False when the file is not plain (nothing stored, the stream
    to be read again), True when stored (`stage.stored` says how)."""
    columns, data = _header(content)
    pattern = _plain_lines(stage, columns)
    if pattern is None:
        return False
    body = content.tell() - len(data)
    at = {name: columns.index(name) for name in ("account", "value_date", "amount")}
    width = len(columns)
    count, net, days = 0, Decimal("0.00"), set()
    for text in _plain_chunks(content, data, parsed):
        if text is None:
            return False
        # Read as if the lines were plain (no quotes, no comma inside a value, `width` values each): the
        # chunk's values one after the other, a column every `width`th of them. Whether they are is
        # looked at by the second pass, chunk by chunk before it writes it, while the server stores the
        # chunks before (a line that is not plain then rolls everything back, the file's row with it).
        values = text.replace("\r\n", "\n").replace("\n", ",").split(",")
        values.pop()  # after the last line break
        if len(values) % width:
            return False
        try:
            net += sum(map(Decimal, values[at["amount"]::width]))
        except InvalidOperation:
            return False
        days.update(zip(values[at["account"]::width], values[at["value_date"]::width], strict=True))
        count += len(values) // width
    if not count or not all(number in stage.accounts and _day_good(stage, number, day) for number, day in days):
        return False
    if parsed.declared_count is not None and (parsed.declared_count != count or parsed.declared_sum != net):
        return False  # the long way names the totals' fault
    parsed.read, parsed.net = count, net
    ids = {number: str(stage.accounts[number].pk) for number, _day in days}
    # `kind` and `received_at` take the columns' own defaults (a credit, the transaction's now()).
    names = ["line", "file_id"] + [_COPY_NAME.get(n, n) for n in columns]
    missing = [n for n in ("payer_account", "payer_name", "reference_text") if n not in names]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            file, created = file_made(count, net)
            if not created:  # the same file, sent at the same time: the other import has it
                stage.stored = (file, False, 0)
                return True
            head = f"{file.pk},"
            tail = "," * len(missing) + "\n"
            account = at["account"]
            content.seek(body)
            row = 2
            with cursor.cursor.copy(
                    f"COPY collection_collectorrecord ({', '.join(names + missing)}) FROM STDIN WITH (FORMAT csv, "
                    f"FORCE_NOT_NULL ({', '.join(n for n in ('payer_account', 'payer_name', 'reference_text'))}))"
            ) as copy:
                for text in _plain_chunks(content, b"", None):
                    if pattern.fullmatch(text) is None:
                        raise _Fallback
                    out = []
                    for line in text.splitlines():
                        cells = line.split(",")
                        cells[account] = ids[cells[account]]
                        out.append(f"{row},{head}{','.join(cells)}{tail}")
                        row += 1
                    copy.write("".join(out))
            if cursor.cursor.rowcount != count:
                raise _Fallback
    except (_Fallback, DatabaseError, psycopg.Error):  # a line not plain; an id twice or stored before, a zero amount
        content.seek(body)
        return False
    parsed.good = count
    stage.stored = (file, True, count)
    return True


def _plain_chunks(content: BinaryIO, data: bytes, parsed: Parsed | None):
    """The file's record lines as text, a run of whole lines at a time (each ending with a line break);
    the last line, when it is a TOTAL line, read into `parsed` (None: left out unread) rather than
    yielded. None for bytes that are not UTF-8 or a TOTAL line that is not the twin's."""
    while True:
        chunk = content.read(_CHUNK)
        data += chunk
        cut = data.rfind(b"\n", 0, len(data) - 1)  # the last line stays back: it may be the TOTAL
        if cut >= 0:  # at the end, what is left holds the last line, and the line before it if it is short
            try:
                yield data[:cut + 1].decode("utf-8")
            except UnicodeDecodeError:
                yield None
                return
            data = data[cut + 1:]
        if not chunk:
            break
    if not data:
        return
    try:
        last = data.decode("utf-8")
    except UnicodeDecodeError:
        yield None
        return
    if last.split(",", 1)[0].upper() == TOTAL:
        if parsed is not None:
            cells = next(csv.reader([last.rstrip("\r\n")]))
            _total_read(cells, 0, parsed, Faults())
            if parsed.declared_count == -1:
                yield None
        return
    yield last if last.endswith("\n") else last + "\n"


def _day_good(stage: Stage, number: str, day: str) -> bool:
    """A value date the twin passes for this account: a real day, not after today, while it is open."""
    account = stage.accounts[number]
    try:
        value = date.fromisoformat(day)
    except ValueError:
        return False
    return account.opened_on <= value <= min(account.closed_on or stage.today, stage.today)
