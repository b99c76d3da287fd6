"""Helpers of the feed tests: a collector's CSV file as bytes, and a camt.053 statement."""

from __future__ import annotations

HEADER = "account,transaction_id,value_date,amount,payer_account,payer_name,reference,reverses"


def csv_file(*rows: tuple, total: tuple | None = None) -> bytes:
    """Rows of (account, transaction_id, value_date, amount[, reference[, reverses]])."""
    lines = [HEADER]
    for row in rows:
        account, txid, day, amount, *rest = row
        reference = rest[0] if rest else ""
        reverses = rest[1] if len(rest) > 1 else ""
        lines.append(f"{account},{txid},{day},{amount},6222020200001234567,上海付款人,{reference},{reverses}")
    if total is not None:
        lines.append(f"TOTAL,{total[0]},{total[1]}")
    return ("\n".join(lines) + "\n").encode()


def camt053(account: str, entries: list[dict], *, count: int | None = None, total: str | None = None,
            net: str | None = None) -> bytes:
    """A camt.053.001.08 statement; an entry: id, day, amount, [debit, reverses, text, payer]."""
    xml_entries = []
    for e in entries:
        debit = e.get("debit", False)
        refs = f"<Refs><AcctSvcrRef>{e['reverses']}</AcctSvcrRef></Refs>" if e.get("reverses") else ""
        xml_entries.append(f"""
      <Ntry>
        <Amt Ccy="{e.get('currency', 'CNY')}">{e['amount']}</Amt>
        <CdtDbtInd>{'DBIT' if debit else 'CRDT'}</CdtDbtInd>
        {'<RvslInd>true</RvslInd>' if debit else ''}
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{e['day']}</Dt></BookgDt>
        <ValDt><Dt>{e['day']}</Dt></ValDt>
        <AcctSvcrRef>{e['id']}</AcctSvcrRef>
        <NtryDtls><TxDtls>{refs}
          <RltdPties><Dbtr><Pty><Nm>{e.get('payer', '上海付款人')}</Nm></Pty></Dbtr>
            <DbtrAcct><Id><Othr><Id>6222020200001234567</Id></Othr></Id></DbtrAcct></RltdPties>
          <RmtInf><Ustrd>{e.get('text', '')}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>""")
    summary = ""
    if count is not None:
        summary = f"""<TxsSummry><TtlNtries><NbOfNtries>{count}</NbOfNtries>{f'<Sum>{total}</Sum>' if total else ''}
        {f'<TtlNetNtry><Amt>{net.lstrip("-")}</Amt><CdtDbtInd>{"DBIT" if net.startswith("-") else "CRDT"}</CdtDbtInd></TtlNetNtry>' if net else ''}
        </TtlNtries></TxsSummry>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-02-01T08:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>S-1</Id>
      <Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>CNY</Ccy></Acct>
      {summary}{''.join(xml_entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()
