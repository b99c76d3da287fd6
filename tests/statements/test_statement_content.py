"""A statement's figures agree with the ledger to the fen, and its PDF says them in Chinese."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from pypdf import PdfReader

from accounts.models import AccountEntry
from contributions.models import AMOUNT_COLUMNS, ContributionLine
from statements.models import Statement
from statements.render import checksum_of, statement_pdf
from tests.contributions.reads import amounts
from tests.statements.world import BASE, YEAR, build, month_total, run_year

pytestmark = pytest.mark.django_db


def test_the_figures_are_the_ledgers():
    w = build(paid_months=10)
    run_year()
    statement = Statement.objects.get(person=w.person, year=YEAR)
    snap = json.loads(statement.snapshot)

    lines = ContributionLine.objects.filter(person=w.person, period__year=YEAR)
    assert [m[0] for m in snap["months"]] == [f"{YEAR}-{m:02d}" for m in range(1, 13)]
    assert all(D(m[2]) == BASE for m in snap["months"])
    assert snap["employers"] == [[w.employer.uscc, w.employer.name]]
    for i, column in enumerate(AMOUNT_COLUMNS):
        assert D(snap["totals"][i]) == lines.aggregate(s=Sum(column))["s"]
        assert D(snap["months"][0][3][i]) == amounts(BASE)[column]
    # Ten months paid (the payment settles the oldest first), two in arrears.
    assert [m[4] for m in snap["months"]] == [1] * 10 + [0] * 2
    assert snap["arrears"] == {"months": 2, "amount": f"{month_total() * 2:.2f}"}
    entries = AccountEntry.objects.filter(account=w.account)
    credits = entries.filter(kind="credit", posted_on__year=YEAR).aggregate(s=Sum("amount"))["s"]
    assert snap["account"]["opening"] == "5000.00"
    assert D(snap["account"]["credits"]) == credits == amounts(BASE)["pension_individual"] * 10
    assert snap["account"]["interest"] == "123.45"
    assert D(snap["account"]["closing"]) == w.account.balance  # nothing after the year: the balance now
    assert snap["months_in_year"] == 10 and snap["months_total"] == 11  # and the month of 2024
    assert snap["person"]["document"].startswith(w.person.document_number[:6]) and "*" in snap["person"]["document"]
    assert snap["agency"] == {"name": "测试区社会保险事业管理中心", "address": "测试路1号"}
    assert statement.checksum == checksum_of(statement.snapshot)


def test_the_pdf_is_reproduced_byte_for_byte_and_reads_in_chinese(tmp_path):
    w = build(paid_months=12)
    run_year()
    statement = Statement.objects.get(person=w.person, year=YEAR)
    pdf = statement_pdf(statement.snapshot)
    assert pdf == statement_pdf(Statement.objects.get(pk=statement.pk).snapshot)
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    page = PdfReader(str(path)).pages[0]
    text = page.extract_text()
    for expected in (f"{YEAR}年度社会保险个人权益记录单", "张伟", "测试区社会保险事业管理中心", "本年末余额",
                     f"{w.account.balance:,.2f}", statement.checksum, "已缴"):
        assert expected in text
    for font in page["/Resources"]["/Font"].values():
        assert font.get_object()["/Subtype"] == "/Type3"  # glyphs carried in the file


def test_one_statement_per_person_and_year_by_the_database():
    w = build()
    run_year()
    first = Statement.objects.get(person=w.person, year=YEAR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.create(person=w.person, year=YEAR, region=w.person.region, snapshot="{}", checksum="x",
                                 verification_code="X" * 20, channel="online")
    with pytest.raises(Exception, match="statements_are_never_changed|Cannot"), transaction.atomic():
        Statement.objects.filter(pk=first.pk).update(snapshot="{}")


def test_corrections_second_employers_and_determined_months_read_as_the_persons_months_do():
    """The statement's months are the person's months as their own read shows them (net of
    corrections, per employer, Art. 58 months included, paid or not), whatever path computes them."""
    from datetime import date

    from common.access import Viewer
    from contributions.selectors.lines import person_months
    from tests.contributions.reads import determined, file
    from tests.employers.factories import EmployerFactory

    w = build(paid_months=3)
    second = EmployerFactory(region=w.person.region)
    file(second, date(YEAR, 6, 1), {w.person: "3000.00"})
    file(w.employer, date(YEAR, 2, 1), {w.person: "-500.00"})  # a correction lowers February
    file(w.employer, date(YEAR, 3, 1), {w.person: "-8000.00"})  # March taken off the roll
    determined(second, w.person, date(YEAR, 7, 1), "4000.00")
    run_year()
    snap = json.loads(Statement.objects.get(person=w.person).snapshot)
    employers = [uscc for uscc, _name in snap["employers"]]

    expected = sorted(person_months(Viewer.system(), person_id=w.person.pk, limit=100, date_from=date(YEAR, 1, 1),
                                    date_to=date(YEAR, 12, 1)), key=lambda m: (m.period, m.employer_id, m.source))
    got = [(period, employers[e - 1], D(base), [D(a) for a in amounts_], bool(paid), source)
           for period, e, base, amounts_, paid, source in snap["months"]]
    assert got == [(f"{m.period:%Y-%m}", m.employer_uscc, m.figures.base,
                    [m.figures.amounts[c] for c in AMOUNT_COLUMNS], m.paid, "d" if m.source == "determined" else "l")
                   for m in expected]
    assert "2025-03" not in [g[0] for g in got] and len(employers) == 2
    assert snap["arrears"]["months"] == len({g[0] for g in got if not g[4]})


def test_a_month_settled_after_a_part_whose_payment_was_reversed_is_unpaid():
    """Issue 23: a charge paid by a part and then the rest (that allocation "settles" it), and the
    part's payment then reversed by the collector, is no longer paid in full: its month is unpaid."""
    from contributions.allocation import payment_reverse
    from tests.statements.world import pay

    w = build(paid_months=11)  # December open
    part = pay(w.employer, "1.00")
    pay(w.employer, month_total() - D("1.00"))
    payment_reverse(payment=part, on=date(YEAR, 12, 28), actor="tests")
    run_year()
    months = json.loads(Statement.objects.get(person=w.person, year=YEAR).snapshot)["months"]
    paid = {period: flag for period, _e, _b, _a, flag, _s in months}
    assert paid[f"{YEAR}-11"] == 1 and paid[f"{YEAR}-12"] == 0
