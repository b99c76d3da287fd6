"""Reads of individual accounts, scoped by `common.access.scope`: a person sees their own, a clerk
their region's, an employer none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, F, Q, QuerySet, Sum, When
from django.db.models.functions import ExtractYear
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


@dataclass(frozen=True)
class YearEnd:
    """An account at 31 December of `year`, as the year's statement counts it: an entry belongs to
    the year it was posted in, interest to its interest year (credited as of that 31 December), so
    closing = opening + the year's movements."""

    year: int
    opening: Decimal
    credits: Decimal
    interest: Decimal
    transfers_in: Decimal
    transfers_out: Decimal
    payouts: Decimal
    corrections: Decimal
    closing: Decimal

    @property
    def on(self) -> date:
        return date(self.year, 12, 31)


_YEAR_KINDS = {"credits": EntryKind.CREDIT, "interest": EntryKind.INTEREST, "transfers_in": EntryKind.TRANSFER_IN,
               "transfers_out": EntryKind.TRANSFER_OUT, "payouts": EntryKind.PAYOUT,
               "corrections": EntryKind.CORRECTION}


def account_year_end(viewer: Viewer, *, year: int, person_id: int | None = None) -> YearEnd:
    """The visible account of `person_id` (a person: their own) at the end of `year`, with the
    year's movements by kind; a person with no account reads as zeros. One aggregate query."""
    entries = entries_visible(viewer)
    if person_id is not None:
        entries = entries.filter(account__person_id=person_id)
    entries = entries.annotate(book_year=Case(When(kind=EntryKind.INTEREST, interest_year__isnull=False,
                                                   then=F("interest_year")),
                                              # a correction of a month: the year it corrects (as the statements)
                                              When(kind=EntryKind.CORRECTION, contribution_month__isnull=False,
                                                   then=ExtractYear("contribution_month")),
                                              default=ExtractYear("posted_on")))
    sums = {name: Sum("amount", filter=Q(book_year=year, kind=kind)) for name, kind in _YEAR_KINDS.items()}
    found = entries.filter(book_year__lte=year).aggregate(
        opening=Sum("amount", filter=Q(book_year__lt=year)), closing=Sum("amount"), **sums)
    zero = Decimal("0.00")
    return YearEnd(year=year, **{name: (value if value is not None else zero) for name, value in found.items()})


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
