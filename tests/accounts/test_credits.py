"""Credits when paid: the individual pension part is credited when the employer's money settles the
month's charge, not when declared; a correction that lowers a month posts a correcting entry."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from accounts.models import DifferenceKind, EntryKind, PensionAccount, ReconciliationDifference
from accounts.services.reconciliation import reconciliation_run
from common.access import Viewer
from contributions.models import AMOUNT_COLUMNS, ContributionLine
from contributions.payments import payment_record
from tests.builders import portal
from tests.contributions.charges import charge, declare
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


def line(declaration, person, charge_, pension_individual):
    amounts = {c: Decimal("0.00") for c in AMOUNT_COLUMNS}
    amounts["pension_individual"] = Decimal(pension_individual)
    return ContributionLine.objects.create(
        declaration=declaration, charge=charge_, person=person, employer_id=declaration.employer_id,
        period=declaration.period, wage=Decimal("6000"), base=Decimal("6000"), **amounts)


def pay(employer, amount, paid_on, ref):
    return payment_record(employer_id=employer.pk, bank_reference=ref, amount=Decimal(amount), paid_on=paid_on,
                          actor=portal(employer))


def test_a_month_is_credited_when_its_charge_is_paid_in_full_dated_the_day_paid():
    employer = EmployerFactory()
    alice, bob = PersonFactory(), PersonFactory()
    declaration, month = declare(employer, date(2025, 3, 1), "2000.00")
    line(declaration, alice, month, "480.00")
    line(declaration, bob, month, "320.00")
    assert not PensionAccount.objects.exists()  # declared is not paid

    pay(employer, "1500.00", date(2025, 3, 14), "B-1")  # part of the month: nothing credited yet
    assert not PensionAccount.objects.exists()
    pay(employer, "500.00", date(2025, 4, 2), "B-2")    # settled: credited, counted from April
    credit = alice.pension_account.entries.get()
    assert (credit.kind, credit.amount, credit.contribution_month, credit.posted_on) == (
        EntryKind.CREDIT, Decimal("480.00"), date(2025, 3, 1), date(2025, 4, 2))
    assert bob.pension_account.balance == Decimal("320.00")
    pay(employer, "10.00", date(2025, 4, 3), "B-3")  # more money later credits nothing twice
    assert alice.pension_account.entries.count() == 1


def test_a_correction_that_lowers_a_paid_month_posts_a_correcting_entry_once_its_credit_is_used():
    employer = EmployerFactory()
    alice = PersonFactory()
    declaration, month = declare(employer, date(2025, 3, 1), "1000.00")
    line(declaration, alice, month, "400.00")
    pay(employer, "1000.00", date(2025, 3, 10), "B-1")
    correction, lowered = declare(employer, date(2025, 3, 1), "-200.00")
    line(correction, alice, lowered, "-80.00")
    april, april_charge = declare(employer, date(2025, 4, 1), "500.00")
    line(april, alice, april_charge, "200.00")
    pay(employer, "300.00", date(2025, 4, 12), "B-2")  # with the 200.00 credit, April is paid
    amounts = sorted(alice.pension_account.entries.values_list("kind", "amount"))
    assert amounts == [(EntryKind.CORRECTION, Decimal("-80.00")), (EntryKind.CREDIT, Decimal("200.00")),
                       (EntryKind.CREDIT, Decimal("400.00"))]
    assert alice.pension_account.balance == Decimal("520.00")


def test_reconciliation_finds_credits_that_differ_from_the_paid_individual_parts(settings):
    employer = EmployerFactory()
    alice = PersonFactory()
    declaration, month = declare(employer, date(2025, 3, 1), "1000.00")
    line(declaration, alice, month, "400.00")
    pay(employer, "1000.00", date(2025, 3, 10), "B-1")
    assert reconciliation_run(full=True, actor=Viewer.system()).differences_found == 0
    # A credit lost (as a bug would lose it): the entry's amount is no longer what was paid.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # user triggers off, as a bug's SQL
        cursor.execute("UPDATE accounts_accountentry SET amount = 40 WHERE cause_type = 'charge'")
        cursor.execute("SET LOCAL session_replication_role = origin")
    run = reconciliation_run(full=True, actor=Viewer.system())
    kinds = set(ReconciliationDifference.objects.filter(run=run).values_list("kind", flat=True))
    assert kinds == {DifferenceKind.BALANCE, DifferenceKind.CREDITS}
    difference = ReconciliationDifference.objects.get(run=run, kind=DifferenceKind.CREDITS)
    assert (difference.expected, difference.found) == (Decimal("400.00"), Decimal("40.00"))


def test_provisional_charges_credit_no_one():
    employer = EmployerFactory()
    charge(employer, date(2025, 3, 1), "1100.00", kind="provisional")
    pay(employer, "1100.00", date(2025, 3, 10), "B-1")
    assert not PensionAccount.objects.exists()


def test_a_paid_art58_determined_month_is_credited_like_a_declared_one():
    """A month the agency determined (Art. 58) has no contribution line: its individual pension part
    is credited from the determined month when its charge is settled, and reconciliation agrees."""
    from tests.contributions.reads import determined

    employer = EmployerFactory()
    alice = PersonFactory()
    month = determined(employer, alice, date(2025, 5, 1), "6000.00")
    assert not PensionAccount.objects.exists()  # determined is not paid
    pay(employer, str(month.charge.amount), date(2025, 6, 3), "B-58")
    credit = alice.pension_account.entries.get()
    assert (credit.kind, credit.amount, credit.contribution_month, credit.posted_on, credit.source_key) == (
        EntryKind.CREDIT, month.pension_individual, date(2025, 5, 1), date(2025, 6, 3), f"charge:{month.charge_id}")
    assert month.pension_individual == Decimal("480.00")  # 8% of the base
    pay(employer, "10.00", date(2025, 6, 4), "B-59")
    assert alice.pension_account.entries.count() == 1
    assert reconciliation_run(full=True, actor=Viewer.system()).differences_found == 0


def test_credits_of_a_person_paid_out_and_enrolled_again_reopen_the_closed_account():
    """Issue 23, loose end 2: the account a refund closed is not credited as if it were open; the first
    credit after the person's new enrolment reopens it (the payout and the closing stay on record)."""
    from accounts.postings import account_lock_or_open

    employer = EmployerFactory()
    alice = PersonFactory()
    with transaction.atomic():
        account = account_lock_or_open(person_id=alice.pk, on=date(2020, 1, 1))
        account.closed_on = date(2024, 6, 30)  # as refund_approve leaves it, after the payout
        account.save(update_fields=["closed_on"])
    declaration, month = declare(employer, date(2025, 3, 1), "1000.00")
    line(declaration, alice, month, "480.00")
    pay(employer, "1000.00", date(2025, 3, 14), "B-1")
    account.refresh_from_db()
    assert account.closed_on is None and account.reopened_on == date(2025, 3, 14)
    assert account.balance == Decimal("480.00")
    with transaction.atomic():  # a transfer in after the new enrolment: the same rule
        account.closed_on = date(2025, 6, 30)
        account.save(update_fields=["closed_on"])
        again = account_lock_or_open(person_id=alice.pk, on=date(2025, 9, 1))
    assert again.closed_on is None and again.reopened_on == date(2025, 9, 1)


def _swap_filing(employer, month, person, colleague, actor, *, person_wage, colleague_wage, today):
    from contributions.services.declarations import declaration_file

    return declaration_file(employer_id=employer.pk, period=f"{month:%Y-%m}", source="json", actor=actor,
                            today=today, rows=[{"document_number": person.document_number, "wage": person_wage},
                                               {"document_number": colleague.document_number,
                                                "wage": colleague_wage}])


def _month_of_two(desk):
    from insured.models import InsuredPerson
    from tests.disputes.factories import MONTH

    person, _account = desk.insured()
    employer = desk.employer_month(person, wage="8000.00")  # the colleague at 9000.00
    colleague = InsuredPerson.objects.exclude(pk=person.pk).get(employments__employer=employer)
    return person, colleague, employer, MONTH


def _individual(person, month):
    return sum(ContributionLine.objects.filter(person=person, period=month).values_list("pension_individual",
                                                                                        flat=True), Decimal("0"))


def test_a_zero_net_correction_of_a_paid_month_credits_one_person_and_corrects_the_other():
    """Issue 23, loose end 1: the employer's filing swapped two persons' wages (8000 and 9000): the lines
    net to zero, so there is no charge, and before the fix neither account moved. Now the one who gained
    the base is credited and the one who lost it gets a negative correcting entry, both dated the filing
    day; the reconciliation agrees."""
    from contributions.models import Charge
    from tests.disputes.factories import Desk

    desk = Desk()
    person, colleague, employer, month = _month_of_two(desk)
    charge_ = Charge.objects.get(employer=employer, period=month)
    pay(employer, str(charge_.amount), date(2026, 11, 10), "B-ZN-1")
    person_before = PensionAccount.objects.get(person=person).balance
    colleague_before = PensionAccount.objects.get(person=colleague).balance
    filed_on = date(2026, 11, 20)
    result = _swap_filing(employer, month, person, colleague, desk.reviewer, person_wage="9000.00",
                          colleague_wage="8000.00", today=filed_on)
    assert result.declaration.difference == 0 and result.charges == []
    gained = PensionAccount.objects.get(person=person).entries.get(source_key=f"declaration:{result.declaration.pk}")
    lost = PensionAccount.objects.get(person=colleague).entries.get(source_key=f"declaration:{result.declaration.pk}")
    assert (gained.kind, gained.amount, gained.posted_on, gained.contribution_month) == (
        EntryKind.CREDIT, Decimal("80.00"), filed_on, month)  # 8% of the 1000.00 of base moved
    assert (lost.kind, lost.amount, lost.posted_on) == (EntryKind.CORRECTION, Decimal("-80.00"), filed_on)
    assert PensionAccount.objects.get(person=person).balance == person_before + Decimal("80.00")
    assert PensionAccount.objects.get(person=colleague).balance == colleague_before - Decimal("80.00")
    # each account now holds what the person's lines of the month say
    assert PensionAccount.objects.get(person=colleague).entries.filter(
        contribution_month=month).aggregate(s=Sum("amount"))["s"] == _individual(colleague, month)
    assert reconciliation_run(full=True, actor=Viewer.system()).differences_found == 0


def test_a_zero_net_correction_of_an_unpaid_month_is_credited_when_the_month_is_paid():
    """The same swap before the month is paid: nothing is credited at the filing (credited when paid);
    the month's payment credits each person their corrected figure."""
    from contributions.models import Charge
    from tests.disputes.factories import Desk

    desk = Desk()
    person, colleague, employer, month = _month_of_two(desk)
    person_before = PensionAccount.objects.get(person=person).balance
    result = _swap_filing(employer, month, person, colleague, desk.reviewer, person_wage="9000.00",
                          colleague_wage="8000.00", today=date(2026, 11, 5))
    assert result.charges == [] and PensionAccount.objects.get(person=person).balance == person_before
    assert not PensionAccount.objects.filter(person=colleague).exists()
    charge_ = Charge.objects.get(employer=employer, period=month)
    pay(employer, str(charge_.amount), date(2026, 11, 10), "B-ZN-2")
    assert PensionAccount.objects.get(person=person).balance == person_before + Decimal("720.00")  # 8% of 9000
    assert PensionAccount.objects.get(person=colleague).balance == Decimal("640.00")  # 8% of 8000
    assert reconciliation_run(full=True, actor=Viewer.system()).differences_found == 0
