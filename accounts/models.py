"""Individual pension accounts (个人账户, Art. 12 and 14): one per person, append-only entries.

The balance is the sum of the entries. `PensionAccount.balance` keeps that sum for reads; a
statement-level trigger on the entries moves it (one UPDATE per INSERT statement, however many
rows), and a trigger on the account refuses any other change to it. Reconciliation checks the two
every night (accounts/services/reconciliation.py).
"""

from __future__ import annotations

import pgtrigger
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = dict(max_digits=14, decimal_places=2)


class PensionAccount(models.Model):
    person = models.OneToOneField("insured.InsuredPerson", on_delete=models.PROTECT, related_name="pension_account",
                                  verbose_name=_("person"))
    opened_on = models.DateField(_("opened on"))
    # The sum of the entries, kept by the entries' trigger; nothing else may move it.
    balance = models.DecimalField(_("balance"), default=0, **MONEY)
    # When an entry last moved the balance: the nightly reconciliation checks what moved since its last run.
    # Not indexed: an index on it made every balance update rewrite all the account's index entries (no
    # HOT update), 1,000,000 of them in the yearly interest run; the nightly run reads it in one pass
    # over the accounts instead (accounts.services.reconciliation).
    touched_at = models.DateTimeField(_("last entry at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # A person paid out (a refund closed the account) and insured again: the first money in reopens it
    # (accounts.postings.account_lock_or_open, accounts.credits); the payout entry and the refund keep
    # the closing on record.
    reopened_on = models.DateField(_("reopened on"), null=True, blank=True)

    scope_paths = {"region": "person__region_id", "person": "person_id"}  # employers see no accounts

    class Meta:
        verbose_name = _("individual pension account")
        verbose_name_plural = _("individual pension accounts")
        triggers = [
            # The check sits in the WHEN condition, so a legitimate posting never calls the function:
            # called per row from inside the posting trigger it cost 75 µs an account (the yearly
            # interest run, bench/interest_bench.py); the function runs only to refuse.
            pgtrigger.Trigger(
                name="balance_moves_only_with_an_entry", operation=pgtrigger.Update, when=pgtrigger.Before,
                condition=pgtrigger.Condition(
                    "OLD.balance IS DISTINCT FROM NEW.balance "
                    "AND coalesce(current_setting('accounts.posting', true), '') <> 'on'"),
                func="RAISE EXCEPTION 'the balance of account % moves only with an entry', OLD.id "
                     "USING ERRCODE = 'check_violation';"),
            pgtrigger.Protect(name="accounts_are_never_deleted", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.balance}"


class EntryKind(models.TextChoices):
    CREDIT = "credit", _("contribution credit")
    INTEREST = "interest", _("interest")
    TRANSFER_IN = "transfer_in", _("transfer in")
    TRANSFER_OUT = "transfer_out", _("transfer out")
    PAYOUT = "payout", _("payout")
    CORRECTION = "correction", _("correction")


POSITIVE_KINDS = (EntryKind.CREDIT, EntryKind.INTEREST, EntryKind.TRANSFER_IN)
NEGATIVE_KINDS = (EntryKind.TRANSFER_OUT, EntryKind.PAYOUT)


class AccountEntry(models.Model):
    """One movement of an account. Never updated or deleted: a correction is a new entry."""

    # No foreign-key constraint and no index of its own: the posting trigger below refuses an entry
    # for a missing account (the row it must move is not there), accounts are never deleted, and
    # entry_by_account leads with the account. A deferred FK check per entry cost a third of the
    # yearly interest run (bench/interest_bench.py).
    account = models.ForeignKey(PensionAccount, on_delete=models.PROTECT, related_name="entries",
                                verbose_name=_("account"), db_index=False, db_constraint=False)
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    # The contribution month a credit (or its correction) belongs to; the first day of that month.
    contribution_month = models.DateField(_("contribution month"), null=True, blank=True)
    # The bookkeeping date (记账日期): interest counts a credit from the month it was posted in.
    posted_on = models.DateField(_("posted on"))
    interest_year = models.PositiveSmallIntegerField(_("interest for year"), null=True, blank=True)
    interest_until_month = models.PositiveSmallIntegerField(_("interest up to month"), null=True, blank=True)
    # What caused it: ("allocation", id), ("interest_run", id), ("transfer", id), ("payout", id), ...
    cause_type = models.CharField(_("cause"), max_length=30)
    cause_id = models.BigIntegerField(_("cause id"), null=True, blank=True)
    # Makes a posting idempotent: the same cause never posts twice to an account.
    source_key = models.CharField(max_length=80, null=True, blank=True)
    actor = models.CharField(_("by"), max_length=100)
    actor_user_id = models.IntegerField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_paths = {"region": "account__person__region_id", "person": "account__person_id"}

    class Meta:
        ordering = ["posted_on", "id"]
        verbose_name = _("account entry")
        verbose_name_plural = _("account entries")
        # INCLUDE: the yearly statements read a range of accounts' entries from the index alone (an
        # account's entries lie where the months they were posted in put them: a heap read per entry);
        # the cause, so that the full reconciliation reads them from it too, in account order, instead of
        # hashing every entry of the table by account (bench/interest_phases.py --reconcile).
        indexes = [models.Index(fields=["account", "posted_on", "id"], name="entry_by_account",
                                include=["kind", "amount", "contribution_month", "interest_year", "cause_type"]),
                   # Entries recorded since a moment (the statements' reissue sweep): entries are
                   # appended in created_at order, so a BRIN index (a few pages for 40M persons'
                   # entries) finds the recent block ranges; a B-tree would be gigabytes.
                   BrinIndex(fields=["created_at"], name="entry_created_brin"),
                   # the few closings of a year (interest up to a month): what the yearly run continues from
                   models.Index(fields=["interest_year", "account"], name="entry_closing_interest",
                                condition=Q(kind="interest", interest_until_month__lt=12))]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_not_zero"),
            models.CheckConstraint(
                condition=(Q(kind__in=[k.value for k in POSITIVE_KINDS], amount__gt=0)
                           | Q(kind__in=[k.value for k in NEGATIVE_KINDS], amount__lt=0)
                           | Q(kind=EntryKind.CORRECTION)),
                name="entry_sign_follows_kind"),
            models.CheckConstraint(condition=~Q(kind=EntryKind.CREDIT) | Q(contribution_month__isnull=False),
                                   name="entry_credit_has_month"),
            models.CheckConstraint(condition=Q(contribution_month__isnull=True) | Q(contribution_month__day=1),
                                   name="entry_month_is_first_day"),
            models.CheckConstraint(
                condition=(~Q(kind=EntryKind.INTEREST)
                           | Q(interest_year__isnull=False, interest_until_month__gte=1,
                               interest_until_month__lte=12)),
                name="entry_interest_has_year"),
            # One interest entry per account, year and span: a re-run, or two workers, credit it once. The
            # yearly run's entry runs to December (12); a closing at a transfer out or a payout credits the
            # year up to its month, and the run later credits the months after it (issue 23).
            models.UniqueConstraint(fields=["account", "interest_year", "interest_until_month"],
                                    condition=Q(kind=EntryKind.INTEREST), name="entry_one_interest_per_span"),
            models.UniqueConstraint(fields=["account", "source_key"], condition=Q(source_key__isnull=False),
                                    name="entry_one_per_source"),
        ]
        triggers = [
            pgtrigger.Protect(name="entries_are_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            # One UPDATE of the accounts per INSERT statement (a bulk interest chunk is one statement);
            # an entry whose account does not exist moves no row and is refused (foreign_key_violation).
            pgtrigger.Trigger(
                name="entries_move_the_balance", operation=pgtrigger.Insert, when=pgtrigger.After,
                level=pgtrigger.Statement, referencing=pgtrigger.Referencing(new="new_entries"),
                declare=[("wanted", "bigint"), ("moved", "bigint")],
                func="PERFORM set_config('accounts.posting', 'on', true); "
                     "WITH n AS (SELECT account_id, sum(amount) AS total FROM new_entries GROUP BY account_id), "
                     "u AS (UPDATE accounts_pensionaccount a SET balance = a.balance + n.total, "
                     "touched_at = clock_timestamp() FROM n WHERE a.id = n.account_id RETURNING a.id) "
                     "SELECT (SELECT count(*) FROM n), (SELECT count(*) FROM u) INTO wanted, moved; "
                     "IF wanted <> moved THEN RAISE EXCEPTION 'an account entry names an account that does not "
                     "exist' USING ERRCODE = 'foreign_key_violation'; END IF; "
                     "PERFORM set_config('accounts.posting', '', true); RETURN NULL;"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.posted_on})"


class RunState(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")


class InterestRun(models.Model):
    """The yearly interest credit for one year. Progress is a keyset cursor over account ids, moved in
    the same transaction as the chunk's entries, so a killed run resumes where it stopped."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    percent = models.DecimalField(_("rate %"), max_digits=7, decimal_places=4)
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    cursor_account_id = models.BigIntegerField(_("done up to account id"), default=0)
    accounts_credited = models.PositiveIntegerField(_("accounts credited"), default=0)
    interest_total = models.DecimalField(_("interest credited"), default=0, max_digits=18, decimal_places=2)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.CharField(_("started by"), max_length=100)

    scope_paths = {"all": True}

    class Meta:
        ordering = ["-year"]
        verbose_name = _("interest run")
        verbose_name_plural = _("interest runs")

    def __str__(self) -> str:
        return f"{self.year} ({self.get_state_display()})"


class ReconciliationRun(models.Model):
    full = models.BooleanField(_("full run"))
    checked_since = models.DateTimeField(_("accounts touched since"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    accounts_checked = models.PositiveIntegerField(_("accounts checked"), default=0)
    differences_found = models.PositiveIntegerField(_("differences found"), default=0)

    scope_paths = {"all": True}

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.differences_found})"


class DifferenceKind(models.TextChoices):
    BALANCE = "balance", _("stored balance differs from the sum of the entries")
    CREDITS = "credits", _("credits differ from the paid individual pension parts")


class ReconciliationDifference(models.Model):
    """A difference found; recorded for supervisors, never corrected silently. Append-only."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.PROTECT, related_name="differences",
                            verbose_name=_("run"))
    account = models.ForeignKey(PensionAccount, on_delete=models.PROTECT, related_name="differences",
                                verbose_name=_("account"))
    kind = models.CharField(_("kind"), max_length=10, choices=DifferenceKind.choices)
    expected = models.DecimalField(_("expected"), **MONEY)
    found = models.DecimalField(_("found"), **MONEY)
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    scope_paths = {"region": "account__person__region_id"}

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("reconciliation difference")
        verbose_name_plural = _("reconciliation differences")
        triggers = [pgtrigger.Protect(name="differences_are_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.get_kind_display()} {self.expected} / {self.found}"
