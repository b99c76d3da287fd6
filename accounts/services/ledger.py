"""Posting to individual pension accounts. Every movement is an entry; the balance follows it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import AccountEntry, EntryKind, PensionAccount
from common.access import Kind, Viewer, scope
from common.problems import ApplicationError, ValidationFailed

FEN = Decimal("0.01")


def account_lock_or_open(*, person_id: int, on: date) -> PensionAccount:
    """The person's account, locked for this transaction; opened on `on` when they have none.
    One account per person (a unique key): two openers race to one row."""
    PensionAccount.objects.bulk_create([PensionAccount(person_id=person_id, opened_on=on)], ignore_conflicts=True)
    return PensionAccount.objects.select_for_update().get(person_id=person_id)


def entries_post(entries: list[AccountEntry]) -> None:
    """Insert entries in one statement (so one balance update for them all). An entry whose
    `source_key` was posted to its account before is skipped: the same cause never posts twice."""
    if entries:
        AccountEntry.objects.bulk_create(entries, ignore_conflicts=True)


def _require_clerk(actor: Viewer) -> None:
    if actor.kind not in (Kind.CLERK, Kind.SUPERUSER, Kind.SYSTEM):
        raise ApplicationError("Only agency staff may correct an account.", status=403,
                               type_slug="permission-denied")


@transaction.atomic
def account_correction_post(*, account: PensionAccount, amount: Decimal, reason: str, actor: Viewer,
                            contribution_month: date | None = None) -> AccountEntry:
    """A clerk's correction (Art. 74: a disputed record is corrected by a new entry, never an edit)."""
    _require_clerk(actor)
    amount = Decimal(amount).quantize(FEN)
    if amount == 0:
        raise ValidationFailed.field("amount", "zero", "A correction moves the balance by at least 0.01.")
    if not reason.strip():
        raise ValidationFailed.field("note", "required", "A correction needs its reason.")
    account = scope(PensionAccount.objects.select_for_update(), actor).filter(pk=account.pk).first()
    if account is None:
        raise ApplicationError("No such account in your region.", status=404, type_slug="not-found")
    entry = AccountEntry(account=account, kind=EntryKind.CORRECTION, amount=amount,
                         contribution_month=contribution_month, posted_on=timezone.localdate(),
                         cause_type="correction", actor=actor.label(), actor_user_id=actor.user_id,
                         note=reason.strip()[:300])
    entry.save(force_insert=True)
    return entry
