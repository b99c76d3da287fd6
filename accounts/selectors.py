"""Reads of individual accounts, scoped by `common.access.scope`: a person sees their own, a clerk
their region's, an employer none."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from accounts.models import AccountEntry, PensionAccount
from common.access import Viewer, scope


def accounts_visible(viewer: Viewer) -> QuerySet[PensionAccount]:
    return scope(PensionAccount.objects.select_related("person", "person__region"), viewer)


def entries_visible(viewer: Viewer) -> QuerySet[AccountEntry]:
    return scope(AccountEntry.objects.all(), viewer)


def contribution_months(account_id: int) -> int:
    """Months of contribution (Art. 16): each contribution month at most once, counted while its
    credits (with their corrections) add up to more than zero; across employers and regions."""
    return (AccountEntry.objects.filter(account_id=account_id, contribution_month__isnull=False)
            .values("contribution_month").annotate(net=Sum("amount")).filter(net__gt=0).count())


@dataclass(frozen=True)
class AccountSummary:
    account: PensionAccount | None
    balance: Decimal
    months: int

    @property
    def years_and_months(self) -> tuple[int, int]:
        return divmod(self.months, 12)


def account_summary(viewer: Viewer, *, person_id: int | None = None) -> AccountSummary:
    """The visible account of `person_id` (a person: their own); a person with none reads as empty."""
    accounts = accounts_visible(viewer)
    if person_id is not None:
        accounts = accounts.filter(person_id=person_id)
    account = accounts.first()
    if account is None:
        return AccountSummary(account=None, balance=Decimal("0.00"), months=0)
    return AccountSummary(account=account, balance=account.balance, months=contribution_months(account.pk))


# --- many accounts' year at once (the yearly statements) ----------------------------------------------

@dataclass(frozen=True)
class AccountYear:
    """An account's year as a statement shows it. Interest belongs to its interest year, every other
    entry to the year it was posted in (as the interest run counts them), so closing = opening + the
    year's movements, and next year's opening is this closing."""

    opening: Decimal
    credits: Decimal
    interest: Decimal
    transfers_in: Decimal
    transfers_out: Decimal
    payouts: Decimal
    corrections: Decimal
    months_in_year: int  # contribution months of the year with credits above zero (Art. 16)
    months_total: int  # the same, every year up to and including this one

    @property
    def closing(self) -> Decimal:
        return (self.opening + self.credits + self.interest + self.transfers_in + self.transfers_out + self.payouts
                + self.corrections)


_ACCOUNT_YEAR_SQL = """
WITH e AS (
    SELECT a.person_id, e.kind, e.amount, e.contribution_month,
           CASE WHEN e.kind = 'interest' THEN e.interest_year ELSE extract(year FROM e.posted_on)::int END AS y
    FROM accounts_pensionaccount a JOIN accounts_accountentry e ON e.account_id = a.id
    WHERE a.person_id BETWEEN %(first)s AND %(last)s
), money AS (
    SELECT person_id,
           coalesce(sum(amount) FILTER (WHERE y < %(year)s), 0),
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'credit'), 0),
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'interest'), 0),
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'transfer_in'), 0),
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'transfer_out'), 0),
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'payout'), 0),
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'correction'), 0)
    FROM e GROUP BY person_id
), months AS (
    SELECT person_id, count(*) FILTER (WHERE m >= %(y0)s) AS in_year, count(*) AS total FROM (
        SELECT person_id, contribution_month AS m FROM e
        WHERE contribution_month IS NOT NULL AND contribution_month < %(y1)s
        GROUP BY person_id, contribution_month HAVING sum(amount) > 0) c
    GROUP BY person_id
)
SELECT money.*, coalesce(months.in_year, 0), coalesce(months.total, 0)
FROM money LEFT JOIN months USING (person_id)
"""


def account_years_of_persons(*, first_person_id: int, last_person_id: int, year: int) -> dict[int, AccountYear]:
    """The year of every account of the persons with first <= id <= last, in one query (scheduled
    work that sees every row); a person without an account is absent."""
    from datetime import date

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_ACCOUNT_YEAR_SQL, {"first": first_person_id, "last": last_person_id, "year": year,
                                           "y0": date(year, 1, 1), "y1": date(year + 1, 1, 1)})
        return {row[0]: AccountYear(*row[1:]) for row in cursor.fetchall()}
