"""Accounts and entries: append-only, the balance moves only with an entry, one per person."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import AccountEntry, EntryKind, PensionAccount
from accounts.postings import entries_post
from accounts.services.ledger import account_correction_post
from common.problems import ApplicationError
from tests.accounts.factories import account_for, credit
from tests.agency.factories import RegionFactory
from tests.builders import clerk, person_viewer
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_the_balance_follows_every_entry_and_one_statement_of_many_entries():
    account = account_for(PersonFactory())
    credit(account, "100.00", date(2025, 1, 20))
    entries_post([AccountEntry(account=account, kind=EntryKind.CREDIT, amount=Decimal("50.50"),
                               contribution_month=date(2025, m, 1), posted_on=date(2025, m, 20),
                               cause_type="test", actor="test") for m in (2, 3)])
    account.refresh_from_db()
    assert account.balance == Decimal("201.00")
    assert account.touched_at is not None


def test_entries_cannot_be_updated_or_deleted():
    account = account_for(PersonFactory())
    credit(account, "10.00", date(2025, 1, 20))
    entry = account.entries.get()
    with pytest.raises(ProgrammingError), transaction.atomic():
        AccountEntry.objects.filter(pk=entry.pk).update(amount=Decimal("99"))
    with pytest.raises(ProgrammingError), transaction.atomic():
        AccountEntry.objects.filter(pk=entry.pk).delete()


def test_the_balance_cannot_be_set_by_hand_not_even_by_sql():
    account = account_for(PersonFactory())
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_pensionaccount SET balance = 1000 WHERE id = %s", [account.pk])
    # Other fields may change (closing an account does).
    PensionAccount.objects.filter(pk=account.pk).update(closed_on=date(2026, 1, 1))


def test_an_entry_for_an_account_that_does_not_exist_is_refused():
    """The posting trigger stands in for the foreign key: the entry, and its whole statement, are refused."""
    account = account_for(PersonFactory())
    missing = PensionAccount.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    with pytest.raises(IntegrityError), transaction.atomic():
        entries_post([AccountEntry(account_id=pk, kind=EntryKind.CREDIT, amount=Decimal("5.00"),
                                   contribution_month=date(2025, 1, 1), posted_on=date(2025, 1, 20),
                                   cause_type="t", actor="t") for pk in (account.pk, missing)])
    account.refresh_from_db()
    assert account.balance == Decimal("0") and not account.entries.exists()


def test_one_account_per_person_and_the_same_source_posts_once():
    person = PersonFactory()
    first, again = account_for(person), account_for(person)
    assert first.pk == again.pk
    credit(first, "10.00", date(2025, 1, 20), key="charge:7")
    credit(first, "10.00", date(2025, 1, 20), key="charge:7")  # a retried posting
    first.refresh_from_db()
    assert first.balance == Decimal("10.00") and first.entries.count() == 1


def test_signs_follow_the_kind():
    account = account_for(PersonFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        entries_post([AccountEntry(account=account, kind=EntryKind.PAYOUT, amount=Decimal("5"),
                                   posted_on=date(2025, 1, 1), cause_type="t", actor="t")])
    with pytest.raises(IntegrityError), transaction.atomic():
        entries_post([AccountEntry(account=account, kind=EntryKind.CREDIT, amount=Decimal("-5"),
                                   contribution_month=date(2025, 1, 1), posted_on=date(2025, 1, 1),
                                   cause_type="t", actor="t")])


def test_a_correction_is_a_new_entry_by_a_reviewer_of_the_region_only():
    person = PersonFactory()
    account = account_for(person)
    credit(account, "80.00", date(2025, 1, 20))
    reviewer = clerk(person.region, ("reviewer",))
    account_correction_post(account=account, amount=Decimal("-8.00"), reason="wage mis-keyed in January",
                            actor=reviewer, contribution_month=date(2025, 1, 1))
    account.refresh_from_db()
    assert account.balance == Decimal("72.00") and account.entries.count() == 2
    elsewhere = clerk(RegionFactory(), ("reviewer",))
    with pytest.raises(ApplicationError) as err:
        account_correction_post(account=account, amount=Decimal("1"), reason="x", actor=elsewhere)
    assert err.value.status == 404
    with pytest.raises(ApplicationError) as err:  # a counter clerk of the region may not correct accounts
        account_correction_post(account=account, amount=Decimal("1"), reason="x",
                                actor=clerk(person.region))
    assert err.value.status == 403
    with pytest.raises(ApplicationError) as err:
        account_correction_post(account=account, amount=Decimal("1"), reason="x",
                                actor=person_viewer(person))
    assert err.value.status == 403
    account.refresh_from_db()
    assert account.balance == Decimal("72.00") and account.entries.count() == 2


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["credit", "correction"]),
                          st.decimals(min_value=Decimal("-500"), max_value=Decimal("500"), places=2)),
                min_size=1, max_size=15))
def test_the_balance_equals_the_sum_of_the_entries_under_any_order(moves):
    with transaction.atomic():
        account = account_for(PersonFactory())
        for i, (kind, amount) in enumerate(moves):
            if amount == 0:
                continue
            if kind == "credit":
                amount = abs(amount)
            entries_post([AccountEntry(account=account, kind=kind, amount=amount,
                                       contribution_month=date(2025, 1 + i % 12, 1), posted_on=date(2025, 6, 1),
                                       cause_type="t", actor="t")])
        account.refresh_from_db()
        assert account.balance == sum(account.entries.values_list("amount", flat=True))
        transaction.set_rollback(True)
