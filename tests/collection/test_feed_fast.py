"""The CSV layout's fast path (collection.staging, `csv_stage`): the raw lines COPYed into a text
staging table and checked in SQL. Its Python twin (csv_layout.parse with line_read) must give the same
refusals and store the same records: the SQL is only ever stricter, handing the lines it does not pass
to the twin, and a file COPY cannot read like Python's csv module goes to the twin whole."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from agency.deadlines import today_in_shanghai
from collection import staging
from collection.feeds import FeedRefused, csv_layout
from collection.models import CollectorRecord
from collection.services.feed import feed_import
from common.access import Viewer
from tests.agency.factories import RegionFactory
from tests.collection.factories import CollectionAccountFactory
from tests.collection.feed import csv_file

pytestmark = pytest.mark.django_db
SYSTEM = Viewer.system()


@pytest.fixture
def account():
    return CollectionAccountFactory(region=RegionFactory(), opened_on=date(2020, 1, 1))


@pytest.fixture
def other():
    """A second account: the twin's records next to the fast path's (a record is never deleted)."""
    return CollectionAccountFactory(region=RegionFactory(), opened_on=date(2020, 1, 1))


def _twin_refused(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("the fast path should have read this file")
    monkeypatch.setattr(csv_layout, "parse", refused)


def _no_fast_path(monkeypatch):
    monkeypatch.setattr(staging, "_csv_copy", lambda *a, **k: (_ for _ in ()).throw(staging._Fallback()))


def _stored(account):
    return sorted(CollectorRecord.objects.filter(account=account).values_list("transaction_id", "value_date", "amount", "payer_account",
                                                      "payer_name", "reference_text", "line", "kind"))


def _refusal(content):
    with pytest.raises(FeedRefused) as refused:
        feed_import(content=content, format="csv", actor=SYSTEM, name="t")
    return sorted((e["row"] or 0, e["field"], e["code"], e["message"]) for e in refused.value.errors)


GOOD_ROWS = [("{n}", "F-1", "2026-01-10", "100.00", "社保费 91310101MA1FL0XX0X"),
             ("{n}", "F-2", "2024-02-29", "7", ""),
             ("{n}", "F-3", "2026-01-11", "0.5", "缴费　ＳＰ 全角"),
             ("{n}", "F-4", "2026-01-12", "-100.00", "退汇", "F-1")]


def _good(account, total=True):
    rows = [tuple(v.format(n=account.account_number) for v in row) for row in GOOD_ROWS]
    return csv_file(*rows, total=(4, "7.50") if total else None)


def test_a_good_file_is_read_by_the_fast_path_alone_and_stored_as_the_twin_stores_it(account, other, monkeypatch):
    with monkeypatch.context() as patched:
        _twin_refused(patched)
        feed_import(content=_good(account), format="csv", actor=SYSTEM, name="t")
    fast = _stored(account)
    assert len(fast) == 4 and fast[1][2] == D("7.00")
    _no_fast_path(monkeypatch)
    feed_import(content=_good(other), format="csv", actor=SYSTEM, name="t")
    assert _stored(other) == fast


def _bad(account):
    tomorrow = (today_in_shanghai() + timedelta(days=1)).isoformat()
    n = account.account_number
    rows = [(n, "OK-1", "2026-01-10", "100.00"), (n, "BAD-1", tomorrow, "100.00"), (n, "BAD-2", "2019-12-31", "1"),
            ("999999999", "BAD-3", "2026-01-10", "1"), (n, "BAD-4", "2026-01-10", "-100.00"),
            (n, "BAD-5", "2026-01-10", "1.005"), (n, "BAD-6", "2026-02-30", "0"), (n, "OK-1", "2026-01-10", "1"),
            (n, "BAD-7", "2026-01-10", "１00.00"), (n, "BAD-8", "0000-01-10", "+1"), (n, " OK-2 ", "2026-01-10 ", "2"),
            (n, "BAD-9", "2026-01-10", "5", "a\u200bb"), (n, "BAD-10", "2026-01-10", "5", "", "OK-1"),
            (n, "BAD-11", "2026-01-10", "-5", "", "NOPE"), ("3101AB", "BAD-12", "2026-13-01", "1e3")]
    return csv_file(*rows, total=(99, "1.00"))


def test_a_bad_file_is_refused_with_the_same_faults_by_both_paths(account, monkeypatch):
    fast = _refusal(_bad(account))
    assert {(row, field, code) for row, field, code, _m in fast} >= {
        (3, "value_date", "future"), (4, "value_date", "before_account"), (5, "account", "unknown"),
        (6, "reverses", "required"), (7, "amount", "invalid"), (8, "value_date", "invalid"),
        (8, "amount", "not_positive"), (9, "transaction_id", "duplicate"), (10, "amount", "invalid"),
        (11, "value_date", "invalid"), (13, "reference_text", "invalid_character"),
        (14, "amount", "reversal_positive"), (15, "reverses", "unknown"), (0, "total_count", "totals")}
    _no_fast_path(monkeypatch)
    assert _refusal(_bad(account)) == fast


def _reordered(text: str) -> str:
    rows = [line.split(",") for line in text.split("\n")]
    return "\n".join(",".join(reversed(r)) if len(r) == 8 else ",".join(r) for r in rows)


MANGLED = {
    "a quoted comma": lambda text: text.replace("退汇", '"退,汇"'),
    "a quoted value": lambda text: text.replace("社保费", '"社保费"'),
    "blank lines": lambda text: text.replace("\n", "\n\n", 2),
    "a line of commas": lambda text: text.replace("\n", "\n,,,,,,,\n", 1),
    "Windows line ends": lambda text: text.replace("\n", "\r\n"),
    "a byte-order mark": lambda text: "\ufeff" + text,
    "no line break at the end": lambda text: text.rstrip("\n"),
    "columns in another order": _reordered,
}


@pytest.mark.parametrize("case", MANGLED)
def test_files_read_by_either_path_store_the_same_records(account, other, monkeypatch, case):
    feed_import(content=MANGLED[case](_good(account).decode()).encode(), format="csv", actor=SYSTEM, name="t")
    fast = _stored(account)
    assert len(fast) == 4
    _no_fast_path(monkeypatch)
    feed_import(content=MANGLED[case](_good(other).decode()).encode(), format="csv", actor=SYSTEM, name="t")
    assert _stored(other) == fast


def test_a_line_break_inside_quotes_is_refused_as_the_twin_refuses_it(account, monkeypatch):
    content = _good(account).decode().replace("退汇", '"退\n汇"').encode()
    fast = _refusal(content)
    assert {(row, code) for row, _f, code, _m in fast} == {(6, "invalid_character")}  # csv counts to its end
    _no_fast_path(monkeypatch)
    assert _refusal(content) == fast


def test_a_total_line_before_the_end_refuses_the_file_as_the_twin_does(account):
    content = _good(account, total=False).decode().replace("\n", "\nTOTAL,1,100.00\n", 2).encode()
    assert "after_total" in {code for _r, _f, code, _m in _refusal(content)}


CREDIT_ROWS = [("{n}", "D-1", "2026-01-10", "100.00", "社保费 第一笔"), ("{n}", "D-2", "2026-01-11", "0.5"),
               ("{n}", "D-3", "2026-01-11", "7", "Ünïcode　text")]


def test_a_file_of_good_new_credits_goes_from_the_raw_lines_to_the_records_by_one_copy(account, other, monkeypatch):
    rows = [tuple(v.format(n=account.account_number) for v in row) for row in CREDIT_ROWS]
    with monkeypatch.context() as patched:
        _twin_refused(patched)
        patched.setattr(staging.Stage, "copy_good", lambda *a, **k: pytest.fail("the typed staging table was used"))
        result = feed_import(content=csv_file(*rows, total=(3, "107.50")), format="csv", actor=SYSTEM, name="t")
    assert (result.stored, result.file.records, result.file.total) == (3, 3, D("107.50"))
    _no_fast_path(monkeypatch)
    feed_import(content=csv_file(*[(other.account_number, *row[1:]) for row in rows]), format="csv", actor=SYSTEM,
                name="t")
    assert _stored(account) == _stored(other)


def test_a_backslash_in_a_good_credit_is_stored_as_sent_by_the_fast_path(account, other, monkeypatch):
    rows = [(account.account_number, "G-1", "2026-01-10", "12.30", "C:\\付款\\t 路径 \\N")]
    with monkeypatch.context() as patched:
        _twin_refused(patched)
        patched.setattr(staging.Stage, "copy_good", lambda *a, **k: pytest.fail("the typed staging table was used"))
        result = feed_import(content=csv_file(*rows), format="csv", actor=SYSTEM, name="t")
    assert (result.stored, result.file.total) == (1, D("12.30"))
    assert _stored(account)[0][5] == "C:\\付款\\t 路径 \\N"
    _no_fast_path(monkeypatch)
    feed_import(content=csv_file((other.account_number, *rows[0][1:])), format="csv", actor=SYSTEM, name="t")
    assert _stored(account) == _stored(other)


def test_a_file_of_credits_seen_before_or_twice_goes_the_long_way(account):
    n = account.account_number
    feed_import(content=csv_file((n, "E-1", "2026-01-10", "10.00")), format="csv", actor=SYSTEM, name="t")
    again = feed_import(content=csv_file((n, "E-1", "2026-01-10", "10.00"), (n, "E-2", "2026-01-10", "2.00")),
                        format="csv", actor=SYSTEM, name="t")
    assert (again.stored, again.seen_before, again.conflicts) == (1, 1, 0)
    with pytest.raises(FeedRefused) as refused:
        feed_import(content=csv_file((n, "E-3", "2026-01-10", "1.00"), (n, "E-3", "2026-01-10", "1.00")),
                    format="csv", actor=SYSTEM, name="t")
    assert [(e["row"], e["code"]) for e in refused.value.errors] == [(3, "duplicate")]
    assert CollectorRecord.objects.filter(account=account).count() == 2


def test_a_record_must_name_an_account_and_a_file_that_exist_and_an_account_with_records_stays():
    from django.db import IntegrityError, connection, transaction

    from tests.collection.factories import CollectorRecordFactory

    record = CollectorRecordFactory()
    for field in ("account_id", "file_id"):  # checked once per INSERT statement, by the records' trigger
        twin = CollectorRecordFactory.build(account=record.account, file=record.file, transaction_id=f"X-{field}")
        setattr(twin, field, 10**9)
        with pytest.raises(IntegrityError), transaction.atomic():
            twin.save()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM collection_collectionaccount WHERE id = %s", [record.account_id])
    assert CollectorRecord.objects.filter(pk=record.pk).exists()


def test_records_written_by_copy_must_name_an_account_and_a_file_that_exist():
    """The fast path writes the records by COPY (staging.Stage.store_direct): the references' statement
    trigger refuses them as it refuses an INSERT."""
    import psycopg
    from django.db import connection, transaction

    from tests.collection.factories import CollectorRecordFactory

    record = CollectorRecordFactory()
    for account_id, file_id in ((10**9, record.file_id), (record.account_id, 10**9)):
        with pytest.raises(psycopg.errors.ForeignKeyViolation), transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY collection_collectorrecord ({', '.join(staging._RECORD_COLUMNS)}) "
                                    "FROM STDIN") as copy:
                copy.write_row((account_id, file_id, 2, "Y-1", "credit", "2026-01-10", "1.00", "", "", "",
                                "2026-01-10 10:00+08"))
    assert CollectorRecord.objects.count() == 1


def _plain_only(patched):
    """Neither the twin nor the raw staging table's SELECT may read the file: the plain file's way alone."""
    _twin_refused(patched)
    patched.setattr(staging.Stage, "store_direct", lambda *a, **k: pytest.fail("the raw staging table was used"))


def test_a_plain_file_goes_from_the_file_to_the_records_and_is_stored_as_the_twin_stores_it(account, other,
                                                                                            monkeypatch):
    rows = [tuple(v.format(n=account.account_number) for v in row) for row in CREDIT_ROWS]
    rows.append((account.account_number, "D-4", "2026-01-12", "0012.3", "C:\\付款 \\N"))
    with monkeypatch.context() as patched:
        _plain_only(patched)
        result = feed_import(content=csv_file(*rows, total=(4, "119.80")), format="csv", actor=SYSTEM, name="t")
        again = feed_import(content=csv_file(*rows, total=(4, "119.80")), format="csv", actor=SYSTEM, name="t")
    assert (result.stored, result.file.records, result.file.total) == (4, 4, D("119.80"))
    assert (again.created, again.stored, again.file) == (False, 0, result.file)
    _no_fast_path(monkeypatch)
    feed_import(content=csv_file(*[(other.account_number, *row[1:]) for row in rows]), format="csv", actor=SYSTEM,
                name="t")
    assert _stored(account) == _stored(other)


@pytest.mark.parametrize("bad", ["0.00", "2019-12-31", "E-1"])
def test_a_plain_file_the_records_or_the_accounts_refuse_is_refused_by_the_long_way_with_nothing_stored(account,
                                                                                                        bad):
    n = account.account_number
    feed_import(content=csv_file((n, "E-1", "2026-01-10", "10.00")), format="csv", actor=SYSTEM, name="t")
    line = {"0.00": (n, "E-2", "2026-01-10", "0.00"), "2019-12-31": (n, "E-2", "2019-12-31", "1.00"),
            "E-1": (n, "E-1", "2026-01-10", "11.00")}[bad]
    content = csv_file((n, "E-3", "2026-01-10", "1.00"), line)
    if bad == "E-1":  # the same id with another amount: a conflict for a clerk, the new line stored
        result = feed_import(content=content, format="csv", actor=SYSTEM, name="t")
        assert (result.stored, result.conflicts) == (1, 1)
        return
    code = {"0.00": "not_positive", "2019-12-31": "before_account"}[bad]
    assert [(row, c) for row, _f, c, _m in _refusal(content)] == [(3, code)]
    assert CollectorRecord.objects.filter(account=account).count() == 1


PLAIN_MANGLED = {name: MANGLED[name] for name in
                 ("Windows line ends", "a byte-order mark", "no line break at the end", "columns in another order")}


@pytest.mark.parametrize("case", PLAIN_MANGLED)
def test_a_plain_file_in_any_of_the_layouts_forms_is_stored_by_the_plain_way_as_the_twin_stores_it(account, other,
                                                                                                  monkeypatch, case):
    rows = [tuple(v.format(n=account.account_number) for v in row) for row in CREDIT_ROWS]
    with monkeypatch.context() as patched:
        _plain_only(patched)
        result = feed_import(content=PLAIN_MANGLED[case](csv_file(*rows, total=(3, "107.50")).decode()).encode(),
                             format="csv", actor=SYSTEM, name="t")
    assert (result.stored, result.file.records, result.file.total) == (3, 3, D("107.50"))
    _no_fast_path(monkeypatch)
    feed_import(content=PLAIN_MANGLED[case](csv_file(*[(other.account_number, *row[1:]) for row in rows]).decode())
                .encode(), format="csv", actor=SYSTEM, name="t")
    assert _stored(account) == _stored(other)
