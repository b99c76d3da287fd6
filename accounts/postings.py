"""Posting to individual pension accounts: every movement is an entry; the balance follows it.

These are the steps every service that moves an account takes inside its own entry point and
transaction (transfers, refunds, the accounts' own corrections): lock or open the account, insert
entries. They check no caller: their callers have.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.utils import timezone

from accounts.models import AccountEntry, EntryKind, PensionAccount
from accounts.rules import FEN, interest_compute, interest_rate_for_closing, interest_rate_percent
from common.access import Viewer

__all__ = ["FEN", "account_interest_until", "account_lock_or_open", "entries_post"]


def account_lock_or_open(*, person_id: int, on: date) -> PensionAccount:
    """The person's account, locked for this transaction; opened on `on` when they have none, reopened
    on `on` when a refund closed it (issue 23). One account per person (a unique key): two openers
    race to one row."""
    PensionAccount.objects.bulk_create([PensionAccount(person_id=person_id, opened_on=on)], ignore_conflicts=True)
    account = PensionAccount.objects.select_for_update().get(person_id=person_id)
    if account.closed_on is not None:  # paid out before, insured again: money coming in reopens it
        account.closed_on, account.reopened_on = None, on
        account.save(update_fields=["closed_on", "reopened_on"])
    return account


def entries_post(entries: list[AccountEntry]) -> None:
    """Insert entries in one statement (so one balance update for them all). An entry whose
    `source_key` was posted to its account before is skipped: the same cause never posts twice."""
    if entries:
        AccountEntry.objects.bulk_create(entries, ignore_conflicts=True)


# --- closing an account during a year ---------------------------------------------------------

def _year_figures(account: PensionAccount, year: int) -> tuple[Decimal, dict[int, Decimal]]:
    """(opening, credits by month of posting) of `account` for `year`, from its entries."""
    opening, by_month = Decimal(0), defaultdict(lambda: Decimal(0))
    for kind, amount, posted_on, interest_year in account.entries.values_list(
            "kind", "amount", "posted_on", "interest_year"):
        if kind == EntryKind.INTEREST:
            if interest_year < year:
                opening += amount
        elif posted_on.year < year:
            opening += amount
        elif posted_on.year == year:
            by_month[posted_on.month] += amount
    return opening, dict(by_month)


def account_interest_until(*, account: PensionAccount, month: date, actor: Viewer) -> list[AccountEntry]:
    """Interest up to and including `month` for an account being closed (transfer out, payout),
    a step of the closing service's entry point (in its transaction).

    Years before `month`'s year that have no interest entry yet (their run has not reached this
    account, or their rate is not published) are credited in full first, each with its own rate, or
    the latest published one; then the closing year up to `month`. Posting is idempotent: a year
    already credited is skipped. Returns the entries posted.
    """
    account = PensionAccount.objects.select_for_update().get(pk=account.pk)
    credited = set(account.entries.filter(kind=EntryKind.INTEREST).values_list("interest_year", flat=True))
    first = account.entries.order_by("posted_on").values_list("posted_on", flat=True).first()
    if first is None:
        return []
    posted = []
    for year in range(first.year, month.year + 1):
        if year in credited:
            continue
        until = month.month if year == month.year else 12
        percent = interest_rate_percent(year)
        rate_year = year
        if percent is None:
            percent, rate_year = interest_rate_for_closing(year)
        opening, by_month = _year_figures(account, year)
        amount = interest_compute(opening=opening, credits_by_month=by_month, percent=percent, until_month=until)
        if amount <= 0:
            continue
        entry = AccountEntry(
            account=account, kind=EntryKind.INTEREST, amount=amount, posted_on=timezone.localdate(),
            interest_year=year, interest_until_month=until, cause_type="closing_interest",
            actor=actor.label(), actor_user_id=actor.user_id,
            # Language-neutral (shown as it is in the admin): "2.62% (2024)", or with the year whose
            # rate stood in for this year's, not yet published, "2.62% (2024 → 2025)".
            note=(f"{percent}% ({rate_year})" if rate_year == year else f"{percent}% ({rate_year} → {year})"))
        entry.save(force_insert=True)
        posted.append(entry)
    return posted
