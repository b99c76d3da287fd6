"""Reads of individual accounts, scoped by `common.access.scope`: a person sees their own, a clerk
their region's, an employer none."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from accounts.models import AccountEntry, EntryKind, InterestRun, PensionAccount, RunState
from accounts.rules import interest_rate_percent
from common.access import Viewer, scope


def accounts_visible(viewer: Viewer) -> QuerySet[PensionAccount]:
    return scope(PensionAccount.objects.select_related("person", "person__region"), viewer)


def entries_visible(viewer: Viewer) -> QuerySet[AccountEntry]:
    return scope(AccountEntry.objects.all(), viewer)


def contribution_months(account_id: int) -> int:
    """Months of contribution (Art. 16): each contribution month at most once, counted while its
    credits (with their corrections) add up to more than zero; across employers and regions. The ORM
    twin of accounts.sql.credited_months (tests/accounts/test_sql_rules.py)."""
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


def interest_years_waiting() -> list[int]:
    """Years with entries but no finished run because their rate is not entered yet (shown in the admin)."""
    today = timezone.localdate()
    done = set(InterestRun.objects.filter(state=RunState.DONE).values_list("year", flat=True))
    first = AccountEntry.objects.order_by("posted_on").values_list("posted_on", flat=True).first()
    if first is None:
        return []
    return [y for y in range(first.year, today.year) if y not in done and interest_rate_percent(y) is None]


@dataclass(frozen=True)
class AccountPanel:
    """What a counter clerk tells a person about their account: the balance, this year's credits
    and the last interest entry."""

    account: PensionAccount
    balance: Decimal
    months: int
    year: int
    credits_this_year: Decimal
    last_interest: AccountEntry | None


def account_panel(viewer: Viewer, *, person_id: int, year: int) -> AccountPanel | None:
    """The person's visible account (None when there is none, or it is another region's)."""
    account = accounts_visible(viewer).filter(person_id=person_id).first()
    if account is None:
        return None
    entries = entries_visible(viewer).filter(account_id=account.pk)
    credits = entries.filter(kind=EntryKind.CREDIT, posted_on__year=year).aggregate(total=Sum("amount"))["total"]
    last_interest = entries.filter(kind=EntryKind.INTEREST).order_by("-posted_on", "-id").first()
    return AccountPanel(account=account, balance=account.balance, months=contribution_months(account.pk), year=year,
                        credits_this_year=credits or Decimal("0.00"), last_interest=last_interest)
