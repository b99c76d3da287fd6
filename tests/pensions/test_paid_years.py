"""The stored summary of a person's paid months per region and year (pensions.PaidYear, issue 27 benchmarks):
written by the statement run, rewritten by the reissue sweep when an old year's ledger changes, and always
equal to the figure computed from the ledger (transfers.amounts, the months a transfer and the estimate count)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from common.access import Viewer
from pensions.models import PaidYear
from pensions.paid_years import paid_years_read
from statements.services.superseding import statement_supersede_sweep
from tests.statements.world import BASE, YEAR, build, file, month_total, pay, run_year
from transfers.amounts import regions_months_many

pytestmark = pytest.mark.django_db


def _ledger(person) -> dict[int, tuple[int, D]]:
    """The person's paid months per year in their region as the ledger gives them."""
    found = regions_months_many(person_ids=[person.pk], region_ids=[person.region_id],
                                until=timezone.localdate().replace(day=1)).get((person.pk, person.region_id))
    return {row["year"]: (row["months"], D(row["bases"])) for row in found.years} if found else {}


def _stored(person) -> dict[int, tuple[int, D]]:
    return {row.year: (months, D(bases)) for row in PaidYear.objects.filter(person=person)
            for region_id, months, bases in row.regions if region_id == person.region_id}


def _read(person) -> dict[int, tuple[int, D]]:
    rows = paid_years_read(person_ids=[person.pk], until=timezone.localdate().replace(day=1))[person.pk]
    return {year: (months, bases) for region_id, year, months, bases in rows if region_id == person.region_id}


def test_the_run_stores_the_years_months_and_bases_equal_to_the_ledger():
    w = build(paid_months=10)
    assert not PaidYear.objects.filter(person=w.person).exists()
    run_year()
    assert _stored(w.person) == _ledger(w.person) == {YEAR: (10, BASE * 10)}  # two months unpaid: not counted
    assert _read(w.person) == _ledger(w.person)


def test_a_late_declaration_of_an_old_year_changes_the_stored_year_through_the_sweep():
    w = build(paid_months=12, delivery="online")
    run_year()
    assert _stored(w.person) == {YEAR: (12, BASE * 12)}
    # a month of the year before, declared late and paid: the person has no statement of that year
    old = date(YEAR - 1, 11, 1)
    file(w.employer, old, {w.person: D("6000.00")})
    pay(w.employer, month_total(D("6000.00")), paid_on=timezone.localdate())
    assert _ledger(w.person)[YEAR - 1] == (1, D("6000.00"))
    assert YEAR - 1 not in _stored(w.person)  # not yet: the sweep rewrites it
    statement_supersede_sweep(actor=Viewer.system())
    assert _stored(w.person) == _ledger(w.person) == {YEAR - 1: (1, D("6000.00")), YEAR: (12, BASE * 12)}
    assert _read(w.person) == _ledger(w.person)


def test_a_late_correction_of_the_statements_year_rewrites_its_row():
    w = build(paid_months=12, delivery="online")
    run_year()
    file(w.employer, date(YEAR, 5, 1), {w.person: "-1000.00"})  # a correction filing lowers May's base
    statement_supersede_sweep(actor=Viewer.system())
    assert _stored(w.person) == _ledger(w.person) == {YEAR: (12, BASE * 12 - D("1000.00"))}


def test_the_estimate_reads_the_ledger_after_the_stored_years():
    w = build(paid_months=12, delivery="online")
    run_year()
    PaidYear.objects.filter(person=w.person).update(regions=[])  # were the row stale, the estimate would say so
    assert _read(w.person) == {}
    PaidYear.objects.filter(person=w.person).delete()  # no row: every year from the ledger
    assert _read(w.person) == _ledger(w.person) == {YEAR: (12, BASE * 12)}
