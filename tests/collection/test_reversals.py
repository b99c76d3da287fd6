"""Reversals (issue 22, item 5): the collector takes back money it reported. The charges it settled
open again with their late fee counted from the original due day, the account credits it caused are
reversed by correcting entries, money still in suspense is taken out; nothing is overwritten."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import EntryKind
from accounts.services.reconciliation import reconciliation_run
from collection.events import EventKind
from collection.models import Application, CollectionEvent, SuspenseItem, SuspenseReason, SuspenseState
from collection.reversals import reversal_apply
from collection.services.suspense import suspense_assign
from common.access import Viewer, viewer_for_user
from contributions.models import AMOUNT_COLUMNS, Allocation, Charge, ChargeKind, ContributionLine
from contributions.selectors.arrears import employer_arrears
from tests.agency.factories import OfficeFactory, clerk_user
from tests.collection.factories import (
    CollectionAccountFactory,
    CollectorRecordFactory,
    record_applied,
    record_in_suspense,
    reversal_of,
)
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db
SYSTEM = Viewer.system()


def line(declaration, person, charge_, pension_individual):
    amounts = {c: Decimal("0.00") for c in AMOUNT_COLUMNS}
    amounts["pension_individual"] = Decimal(pension_individual)
    return ContributionLine.objects.create(
        declaration=declaration, charge=charge_, person=person, employer_id=declaration.employer_id,
        period=declaration.period, wage=Decimal("6000"), base=Decimal("6000"), **amounts)


@pytest.fixture
def december():
    """An employer with December 2025 declared (1,000.00 due 15 December), Alice's individual part 80.00."""
    account = CollectionAccountFactory()
    employer = EmployerFactory(region=account.region)
    alice = PersonFactory(region=account.region)
    declaration, charge = declare(employer, date(2025, 12, 1), "1000.00", due_on=date(2025, 12, 15))
    line(declaration, alice, charge, "80.00")
    return account, employer, alice, charge


def owed(employer, on):
    arrears = employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=on)
    return arrears.principal, arrears.late_fee


def test_a_reversal_reopens_the_month_with_its_late_fee_from_the_due_day_and_reverses_the_credit(december):
    account, employer, alice, charge = december
    paid = CollectorRecordFactory(account=account, amount=Decimal("1000.00"), value_date=date(2026, 1, 10))
    record_applied(paid, employer)
    # settled 26 days late: the late fee (13.00) is posted and still owed; Alice is credited
    assert owed(employer, date(2026, 1, 10)) == (Decimal("0.00"), Decimal("13.00"))
    assert alice.pension_account.balance == Decimal("80.00")
    allocations_before = list(Allocation.objects.values_list("id", "amount"))

    reversal_apply(reversal_of(paid, value_date=date(2026, 1, 20)), actor=SYSTEM)

    # December is owed again, its late fee running from 15 December: 61 days on 14 February
    assert owed(employer, date(2026, 2, 14)) == (Decimal("1000.00"), Decimal("30.50"))
    alice.pension_account.refresh_from_db()
    assert alice.pension_account.balance == Decimal("0.00")
    correction = alice.pension_account.entries.get(kind=EntryKind.CORRECTION)
    assert (correction.amount, correction.posted_on, correction.contribution_month) == (
        Decimal("-80.00"), date(2026, 1, 20), date(2025, 12, 1))
    # nothing overwritten: the first allocations are still there, the release is new rows
    assert set(allocations_before) <= set(Allocation.objects.values_list("id", "amount"))
    assert Application.objects.filter(record=paid).count() == 1
    event = CollectionEvent.objects.get(kind=EventKind.RECORD_REVERSED)
    assert (event.details["reopened_charges"], event.details["credits_reversed"]) == ([charge.pk], 1)

    # paid again on 14 February with the whole fee: settled, the fee counted once, Alice credited again
    again = CollectorRecordFactory(account=account, amount=Decimal("1030.50"), value_date=date(2026, 2, 14))
    record_applied(again, employer)
    assert owed(employer, date(2026, 3, 1)) == (Decimal("0.00"), Decimal("0.00"))
    fees = Charge.objects.filter(employer=employer, kind=ChargeKind.LATE_FEE).values_list("amount", flat=True)
    assert sum(fees) == Decimal("30.50")
    alice.pension_account.refresh_from_db()
    assert alice.pension_account.balance == Decimal("80.00")
    assert reconciliation_run(full=True, actor=SYSTEM).differences_found == 0


def test_a_reversed_payment_is_no_credit_and_is_never_allocated_again(december):
    account, employer, _alice, _charge = december
    paid = CollectorRecordFactory(account=account, amount=Decimal("1500.00"), value_date=date(2025, 12, 10))
    record_applied(paid, employer)
    assert employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=date(2025, 12, 10)).credit \
        == Decimal("500.00")

    reversal_apply(reversal_of(paid), actor=SYSTEM)
    declare(employer, date(2026, 1, 1), "300.00", due_on=date(2026, 1, 15))
    from contributions.allocation import charges_settle

    assert charges_settle(employer_id=employer.pk, actor="tests") == []
    arrears = employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=date(2026, 1, 1))
    assert (arrears.credit, arrears.principal) == (Decimal("0.00"), Decimal("1300.00"))


def test_a_late_fee_paid_by_the_reversed_money_is_owed_again(december):
    account, employer, _alice, _charge = december
    paid = CollectorRecordFactory(account=account, amount=Decimal("1013.00"), value_date=date(2026, 1, 10))
    record_applied(paid, employer)
    assert owed(employer, date(2026, 1, 10)) == (Decimal("0"), Decimal("0"))

    reversal_apply(reversal_of(paid, value_date=date(2026, 1, 12)), actor=SYSTEM)
    assert owed(employer, date(2026, 1, 10)) == (Decimal("1000.00"), Decimal("13.00"))


def test_a_reversal_of_money_in_suspense_takes_it_out(december):
    account, _employer, _alice, _charge = december
    item = record_in_suspense(CollectorRecordFactory(account=account))
    reversal_apply(reversal_of(item.record), actor=SYSTEM)
    item.refresh_from_db()
    assert item.state == SuspenseState.REVERSED
    assert CollectionEvent.objects.filter(record=item.record, kind=EventKind.SUSPENSE_REVERSED).exists()


def test_a_reversal_of_money_a_clerk_assigned_reverses_the_assignment(december):
    account, employer, alice, _charge = december
    clerk = viewer_for_user(clerk_user(OfficeFactory(region=account.region)))
    item = record_in_suspense(CollectorRecordFactory(account=account, amount=Decimal("1000.00"),
                                                     value_date=date(2025, 12, 14)))
    suspense_assign(item=item, employer=employer, actor=clerk)
    assert alice.pension_account.balance == Decimal("80.00")

    reversal_apply(reversal_of(item.record), actor=SYSTEM)
    item.refresh_from_db()
    alice.pension_account.refresh_from_db()
    assert item.state == SuspenseState.ASSIGNED  # its application is what was reversed
    assert alice.pension_account.balance == Decimal("0.00")
    assert owed(employer, date(2025, 12, 20))[0] == Decimal("1000.00")


def test_an_overpayment_reversed_takes_back_both_the_applied_part_and_the_excess_in_suspense(december):
    account, employer, _alice, _charge = december
    record = CollectorRecordFactory(account=account, amount=Decimal("30000.00"), value_date=date(2025, 12, 10))
    record_applied(record, employer)  # 1,000.00 owed, 10,000.00 kept as credit, the rest to suspense
    excess = SuspenseItem.objects.get(record=record)
    assert (excess.amount, excess.reason) == (Decimal("19000.00"), SuspenseReason.OVERPAYMENT)

    reversal_apply(reversal_of(record), actor=SYSTEM)
    excess.refresh_from_db()
    assert excess.state == SuspenseState.REVERSED
    arrears = employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=date(2025, 12, 10))
    assert (arrears.principal, arrears.credit) == (Decimal("1000.00"), Decimal("0.00"))


def test_a_reversal_that_does_not_fit_its_record_waits_for_a_clerk_and_changes_nothing(december):
    account, employer, alice, _charge = december
    paid = CollectorRecordFactory(account=account, amount=Decimal("1000.00"), value_date=date(2025, 12, 10))
    record_applied(paid, employer)
    partial = reversal_of(paid, amount=Decimal("400.00"))

    reversal_apply(partial, actor=SYSTEM)
    waiting = SuspenseItem.objects.get(record=partial)
    assert (waiting.reason, waiting.amount, waiting.state) == (
        SuspenseReason.REVERSAL_UNAPPLIED, Decimal("400.00"), SuspenseState.WAITING)
    assert owed(employer, date(2025, 12, 20)) == (Decimal("0"), Decimal("0"))
    assert alice.pension_account.balance == Decimal("80.00")
