"""The account rules that run both in SQL (accounts/sql.py: the interest run, the statements, the
transfer amounts) and in Python: months of contribution and the year's interest give the same answer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AccountEntry, EntryKind
from accounts.postings import entries_post
from accounts.rules import interest_compute
from accounts.selectors import contribution_months
from accounts.sql import credited_months, interest_amount, interest_weight
from tests.accounts.factories import account_for
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

amounts = st.decimals(min_value=D("-5000.00"), max_value=D("5000.00"), places=2).filter(lambda a: a != 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(st.integers(0, 5), amounts), min_size=1, max_size=10))
def test_months_of_contribution_are_the_same_in_sql_and_in_the_orm(entries):
    """A month counts while its credits and corrections add up to more than zero."""
    person = PersonFactory()
    account = account_for(person)
    entries_post([AccountEntry(account=account, kind=EntryKind.CREDIT if amount > 0 else EntryKind.CORRECTION,
                               amount=amount, contribution_month=date(2024, 1 + month, 1),
                               posted_on=date(2024, 1 + month, 20), cause_type="test", actor="test")
                  for month, amount in entries])
    statement = ("SELECT count(*) FROM (" + credited_months(
        source="accounts_accountentry e", person="e.account_id", month="e.contribution_month", amount="e.amount",
        where="e.account_id = %(account)s") + ") m")
    with connection.cursor() as cursor:
        cursor.execute(statement, {"account": account.pk})
        in_sql = cursor.fetchone()[0]
    assert in_sql == contribution_months(account.pk)
    nets = {}
    for month, amount in entries:
        nets[month] = nets.get(month, D(0)) + amount
    assert in_sql == sum(1 for net in nets.values() if net > 0)


_INTEREST_SQL = "SELECT " + interest_amount(
    opening="%(opening)s::numeric",
    weighted=("(SELECT coalesce(sum(c.amount * " + interest_weight("c.posted_on")
              + "), 0) FROM unnest(%(amounts)s::numeric[], %(days)s::date[]) AS c (amount, posted_on))"),
    percent="%(percent)s::numeric")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opening=st.decimals(min_value=D("0.00"), max_value=D("999999.99"), places=2),
       credits=st.lists(st.tuples(st.integers(1, 12), amounts), max_size=12),
       percent=st.decimals(min_value=D("0.01"), max_value=D("9.99"), places=2))
def test_the_years_interest_is_the_same_in_sql_and_in_the_rule(opening, credits, percent):
    """The run computes every account's interest in SQL; closing interest uses accounts.rules."""
    by_month: dict[int, D] = {}
    for month, amount in credits:
        by_month[month] = by_month.get(month, D(0)) + amount
    with connection.cursor() as cursor:
        cursor.execute(_INTEREST_SQL, {"opening": opening, "amounts": [a for _m, a in credits],
                                       "days": [date(2024, m, 28) for m, _a in credits], "percent": percent})
        in_sql = cursor.fetchone()[0]
    assert in_sql == interest_compute(opening=opening, credits_by_month=by_month, percent=percent)
