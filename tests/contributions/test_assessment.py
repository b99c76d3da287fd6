"""Art. 62: the daily provisional assessment at 110%, run twice or killed and resumed; the late
declaration replaces the provisional charge and its late fee runs from the original due day."""

from datetime import date
from decimal import Decimal as D

import pytest

from contributions.allocation import provisional_replace
from contributions.models import Allocation, Charge, ChargeKind, Payment
from contributions.payments import payment_record
from contributions.selectors.arrears import employer_arrears
from contributions.services import assessment
from contributions.tasks import provisional_assess_run
from tests.contributions.charges import declare, portal_viewer
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def provisional(employer):
    return list(Charge.objects.filter(employer=employer, kind=ChargeKind.PROVISIONAL).order_by("period"))


def test_undeclared_month_is_assessed_at_110_percent_of_the_previous_month_half_up():
    employer = EmployerFactory()
    declare(employer, date(2026, 1, 1), "1000.05")
    declare(employer, date(2026, 2, 1), "1234.45")  # 110% = 1357.895 -> 1357.90
    punctual = EmployerFactory()
    declare(punctual, date(2026, 2, 1), "500.00")
    declare(punctual, date(2026, 3, 1), "500.00")
    never = EmployerFactory()  # never declared: no base, nothing to assess
    cancelled = EmployerFactory(registration_status="cancelled")
    declare(cancelled, date(2026, 2, 1), "500.00")

    assert provisional_assess_run(today=date(2026, 3, 10)).assessed == 0  # declaration day not past yet
    counts = provisional_assess_run(today=date(2026, 3, 11))
    assert counts.assessed == 1
    [charge] = provisional(employer)
    assert (charge.period, charge.amount, charge.due_on, charge.fee_from) == \
        (date(2026, 3, 1), D("1357.90"), date(2026, 3, 15), date(2026, 3, 15))
    assert not provisional(punctual) and not provisional(never) and not provisional(cancelled)


def test_a_second_run_writes_nothing_and_undeclared_runs_do_not_compound():
    employer = EmployerFactory()
    declare(employer, date(2026, 1, 1), "1000.00")
    provisional_assess_run(today=date(2026, 2, 11))
    assert provisional_assess_run(today=date(2026, 2, 12)).assessed == 0
    provisional_assess_run(today=date(2026, 3, 11))
    assert [(c.period, c.amount) for c in provisional(employer)] == [
        (date(2026, 2, 1), D("1100.00")), (date(2026, 3, 1), D("1100.00"))]


def test_a_killed_run_resumes_and_assesses_each_month_once(monkeypatch):
    employers = [EmployerFactory() for _ in range(4)]
    for e in employers:
        declare(e, date(2026, 1, 1), "100.00")
    real = assessment.provisional_assess_batch
    calls = {"n": 0}

    def dies_after_first_batch(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(assessment, "provisional_assess_batch", dies_after_first_batch)
    with pytest.raises(SystemExit):
        provisional_assess_run(today=date(2026, 2, 11), batch_employers=2)
    done = Charge.objects.filter(kind=ChargeKind.PROVISIONAL).count()
    assert 0 < done < 4
    monkeypatch.setattr(assessment, "provisional_assess_batch", real)
    assert provisional_assess_run(today=date(2026, 2, 11), batch_employers=2).assessed == 4 - done
    assert Charge.objects.filter(kind=ChargeKind.PROVISIONAL).count() == 4


def test_late_declaration_replaces_the_unpaid_provisional_and_fee_runs_from_the_original_due_day():
    employer = EmployerFactory()
    declare(employer, date(2026, 1, 1), "1000.00")
    provisional_assess_run(today=date(2026, 2, 11))
    [p] = provisional(employer)
    assert employer_arrears(employer_id=employer.pk, region_id=employer.region_id,
                            on=date(2026, 2, 25)).periods[-1].provisional
    declaration, declared = declare(employer, date(2026, 2, 1), "900.00")  # due 02-15 still, filed 02-25
    reversal = provisional_replace(declaration=declaration)
    assert reversal.amount == D("-1100.00") and reversal.parent_id == p.pk
    state = employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=date(2026, 2, 25))
    feb = [x for x in state.periods if x.period == date(2026, 2, 1)][0]
    assert feb.principal == D("900.00") and feb.days == 10 and feb.late_fee == D("4.50") and not feb.provisional


def test_money_paid_on_the_provisional_goes_to_the_declared_month_on_its_day_and_the_rest_is_credit():
    employer = EmployerFactory()
    declare(employer, date(2026, 1, 1), "1000.00")
    payment_record(employer_id=employer.pk, bank_reference="J1", amount=D("1000.00"), paid_on=date(2026, 1, 15),
                   actor=portal_viewer(employer))
    provisional_assess_run(today=date(2026, 2, 11))
    [p] = provisional(employer)
    payment_record(employer_id=employer.pk, bank_reference="F1", amount=D("1100.00"), paid_on=date(2026, 2, 20),
                   actor=portal_viewer(employer))  # 5 days late: fee 2.75 posted on the provisional
    assert Charge.objects.get(parent=p, kind=ChargeKind.LATE_FEE).amount == D("2.75")
    declaration, declared = declare(employer, date(2026, 2, 1), "900.00")
    provisional_replace(declaration=declaration)
    # the declared 900 was paid on 02-20 from the freed money: 5 days on 900 = 2.25
    assert sum(a.amount for a in Allocation.objects.filter(charge=declared)) == D("900.00")
    assert {a.effective_on for a in Allocation.objects.filter(charge=declared)} == {date(2026, 2, 20)}
    assert Charge.objects.get(parent=declared, kind=ChargeKind.LATE_FEE).amount == D("2.25")
    state = employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=date(2026, 3, 1))
    assert state.principal == 0 and state.late_fee == 0
    assert state.credit == D("1100.00") - D("900.00") - D("2.25")
    assert Payment.objects.count() == 2


def test_a_full_run_finds_a_month_left_undeclared_before_a_declared_one():
    employer = EmployerFactory()
    declare(employer, date(2026, 1, 1), "1000.00")
    declare(employer, date(2026, 3, 1), "500.00")  # February skipped while the job did not run
    assert provisional_assess_run(today=date(2026, 3, 20)).assessed == 0  # the daily run looks after March
    assert provisional_assess_run(today=date(2026, 3, 20), full=True).assessed == 1
    [charge] = provisional(employer)
    assert (charge.period, charge.amount) == (date(2026, 2, 1), D("1100.00"))
