"""camt.053 is read as a stream (issue 22, item 2, and its import benchmark): a bank statement of many
entries is never held whole in memory, and what is read is what the file says."""

import io
import tracemalloc
from decimal import Decimal as D

from collection.feeds import Faults, Parsed, camt053
from tests.collection.feed import camt053 as statement

ACCOUNT = "31050161373700000001"


def _entries(n: int) -> list[dict]:
    return [{"id": f"S{i:07d}", "day": f"2026-01-{1 + i % 28:02d}", "amount": f"{100 + i % 997}.{i % 100:02d}",
             "text": f"社保费 第{i}笔", "payer": f"付款人{i % 50}"} for i in range(n)]


def _streamed(content: bytes, *, keep: bool = True) -> tuple[list, Faults, int]:
    """Parse from a stream with a sink, as the feed does (it COPYs each line on: `keep=False` keeps only
    the count); the lines, the faults, the peak bytes allocated while parsing."""
    kept, faults = [], Faults()
    parsed = Parsed([])
    parsed.sink = kept.append if keep else (lambda line: kept.append(None) if not kept else None)
    tracemalloc.start()
    try:
        camt053.parse(io.BytesIO(content), faults, parsed)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return kept, faults, peak


def test_a_large_statement_is_read_entry_by_entry_with_its_totals():
    entries = _entries(2_000)
    total = sum((D(e["amount"]) for e in entries), D("0.00"))
    content = statement(ACCOUNT, entries, count=len(entries), total=str(total), net=str(total))
    lines, faults, _peak = _streamed(content)
    assert faults.total == 0, faults.items
    assert [(x.transaction_id, x.amount, x.value_date.isoformat(), x.payer_name, x.reference_text) for x in lines] == [
        (e["id"], D(e["amount"]), e["day"], e["payer"], e["text"]) for e in entries]
    assert {x.account for x in lines} == {ACCOUNT} and {x.row for x in lines} == {x.row for x in lines} and len(
        {x.row for x in lines}) == len(entries)  # each entry named by its own line in the file


def test_a_statement_four_times_larger_does_not_take_more_memory_to_read(monkeypatch):
    monkeypatch.setattr(camt053, "_CHUNK", 1 << 16)  # both statements are many chunks long
    small = statement(ACCOUNT, _entries(1_000), count=1_000)
    large = statement(ACCOUNT, _entries(4_000), count=4_000)
    _lines, small_faults, small_peak = _streamed(small, keep=False)
    _lines, large_faults, large_peak = _streamed(large, keep=False)
    assert (small_faults.total, large_faults.total) == (0, 0)  # the totals agree: every entry was read
    # Held whole, the tree of the large statement alone would take several times its 2 MB; read as a
    # stream, the peak is the chunks fed to the parser and the entry being read, whatever the size.
    assert large_peak < len(large) / 4
    assert large_peak < small_peak * 1.5


def test_a_malformed_statement_is_refused_as_xml_with_no_fault_of_the_entries_read_before():
    entries = _entries(50)
    entries[3]["amount"] = "abc"  # a bad entry before the XML breaks
    content = statement(ACCOUNT, entries, count=50).replace(b"</BkToCstmrStmt>", b"</Broken>")
    faults = Faults()
    camt053.parse(content, faults, Parsed([]))
    assert [(e["field"], e["code"]) for e in faults.items] == [("file", "xml")]
