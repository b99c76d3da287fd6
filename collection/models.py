"""Money as the collector reports it (domain.md, "Where money comes from").

The agency never records money on the payer's word: it learns that money arrived from the
collector's records (the tax authority's collection data, or the collection bank's statement)
on one of the region's collection accounts."""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from agency.models import history

MONEY = dict(max_digits=14, decimal_places=2)


@pghistory.track(*history())
class CollectionAccount(models.Model):
    """A bank account (or the tax authority's collection channel) into which a region's
    contributions are paid. Reference data a superuser keeps; a value date before `opened_on`
    cannot be true of money on this account."""

    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="collection_accounts",
                               verbose_name=_("region"))
    collector = models.CharField(_("collector"), max_length=100,
                                 help_text=_("The tax authority's office or the bank that reports the money."))
    bank_name = models.CharField(_("bank"), max_length=100)
    account_number = models.CharField(_("account number"), max_length=34, unique=True)
    account_name = models.CharField(_("account name"), max_length=100)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["region", "account_number"]
        verbose_name = _("collection account")
        verbose_name_plural = _("collection accounts")
        constraints = [
            models.CheckConstraint(condition=Q(account_number__regex=r"^[0-9A-Z]{6,34}$"),
                                   name="collection_account_number_format"),
            models.CheckConstraint(condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                                   name="collection_account_closed_after_opened"),
        ]
        # The collector records name their account without a foreign-key constraint (see CollectorRecord):
        # an account with records is never deleted, nor its id changed.
        triggers = [pgtrigger.Trigger(
            name="collection_account_kept_while_recorded", when=pgtrigger.Before,
            operation=pgtrigger.Delete | pgtrigger.UpdateOf("id"),
            func="IF EXISTS (SELECT 1 FROM collection_collectorrecord WHERE account_id = OLD.id) THEN "
                 "RAISE EXCEPTION 'collection account % has collector records', OLD.id "
                 "USING ERRCODE = 'foreign_key_violation'; END IF; "
                 "RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;")]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number}"


class CollectionTerms(models.Model):
    """A region's collection settings (this app's own, not a field of agency.Region, issue 21 item 7)."""

    region = models.OneToOneField("agency.Region", on_delete=models.PROTECT, related_name="collection_terms",
                                  verbose_name=_("region"))
    # Money above the open charges stays as the employer's credit up to this sum; above, it waits in suspense.
    credit_limit = models.DecimalField(_("largest overpayment kept as credit"), max_digits=14, decimal_places=2,
                                       default=Decimal("10000.00"))
    # A suspense assignment above this sum needs a second clerk's approval (four eyes).
    four_eyes_above = models.DecimalField(_("assignments above this need a second clerk"), max_digits=14,
                                          decimal_places=2, default=Decimal("50000.00"))
    order_valid_days = models.PositiveSmallIntegerField(_("payment orders valid for (days)"), default=30)

    scope_paths = {"region": "region_id"}

    class Meta:
        verbose_name = _("collection terms")
        verbose_name_plural = _("collection terms")
        constraints = [models.CheckConstraint(condition=Q(credit_limit__gte=0) & Q(four_eyes_above__gte=0),
                                              name="collection_terms_not_negative")]

    def __str__(self) -> str:
        return str(self.region)


class OrderState(models.TextChoices):
    OPEN = "open", _("open")
    PAID = "paid", _("paid")
    EXPIRED = "expired", _("expired")
    CANCELLED = "cancelled", _("cancelled")


@pghistory.track(*history())
class PaymentOrder(models.Model):
    """What an employer is asked to pay, to which account, quoting which reference (item 1).
    The order itself moves no money: the collector's record quoting `reference` does."""

    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="payment_orders", verbose_name=_("employer"))
    # issue 28: a person who insures themselves is the payer of their own orders (never both).
    person = models.ForeignKey("insured.InsuredPerson", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="payment_orders", verbose_name=_("person"))
    account = models.ForeignKey(CollectionAccount, on_delete=models.PROTECT, related_name="orders",
                                verbose_name=_("collection account"))
    # Quoted on the transfer; unique, with a check character so a mistyped one matches nothing.
    reference = models.CharField(_("payment reference"), max_length=20, unique=True)
    amount = models.DecimalField(_("amount"), **MONEY)  # the lines' unpaid amounts and late fees
    # What each further day of lateness adds to the late fees (the order's late fees run to the day of issue).
    late_fee_per_day = models.DecimalField(_("late fee per further day"), **MONEY, default=Decimal("0.00"))
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    state = models.CharField(_("state"), max_length=10, choices=OrderState.choices, default=OrderState.OPEN)
    charges = models.ManyToManyField("contributions.Charge", through="PaymentOrderCharge", related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    actor = models.CharField(_("requested by"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    scope_paths = {"region": ("employer__region_id", "person__region_id"), "employer": "employer_id",
                   "person": "person_id"}

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        indexes = [models.Index(fields=["employer", "-issued_on"], name="order_employer_issued")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("issued_on")), name="order_valid_after_issue"),
            models.CheckConstraint(condition=(Q(employer__isnull=False, person__isnull=True)
                                              | Q(employer__isnull=True, person__isnull=False)),
                                   name="order_one_payer"),
        ]

    def __str__(self) -> str:
        return self.reference


class PaymentOrderCharge(models.Model):
    """A charge an order asks to pay, with what it owed when the order was issued: its unpaid amount
    and, for a principal, the late fee it had run up by the day of issue (not yet a charge of its own)."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="lines")
    charge = models.ForeignKey("contributions.Charge", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    late_fee = models.DecimalField(_("late fee to the day of issue"), **MONEY, default=Decimal("0.00"))

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "charge"], name="order_charge_once"),
                       models.CheckConstraint(condition=Q(amount__gt=0), name="order_charge_positive"),
                       models.CheckConstraint(condition=Q(late_fee__gte=0), name="order_charge_fee_not_negative")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.charge_id} {self.amount}"


class FeedFormat(models.TextChoices):
    CSV = "csv", _("CSV (the documented layout)")
    CAMT053 = "camt053", _("bank statement (ISO 20022 camt.053)")
    API = "api", _("the collector's system (API)")


class CollectorFile(models.Model):
    """One file (or API batch) of collector records, kept by its SHA-256: the same file again changes nothing."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    format = models.CharField(_("format"), max_length=10, choices=FeedFormat.choices)
    name = models.CharField(_("file name"), max_length=200, blank=True)
    records = models.PositiveIntegerField(_("records"), default=0)
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0.00"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    actor = models.CharField(_("received from"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    # A file may hold several regions' accounts: a clerk sees it through the records of the region's
    # (lists take .distinct(), collection/admin.py).
    scope_paths = {"region": "lines__account__region_id"}

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("collector file")
        verbose_name_plural = _("collector files")
        triggers = [pgtrigger.Protect(name="collector_files_append_only", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return self.name or self.sha256[:12]


class RecordKind(models.TextChoices):
    CREDIT = "credit", _("money received")
    REVERSAL = "reversal", _("reversal of money received")


class CollectorRecord(models.Model):
    """One record of the collector: money that arrived on a collection account (or its reversal).
    Append-only. `(account, transaction_id)` is the collector's own identity of the record: seen
    again it changes nothing; seen again with another amount it becomes a `RecordConflict`."""

    # The three references are checked once per INSERT statement, not per row (issue 22's import
    # benchmark: a million rows queued three deferred foreign-key checks each): `references_exist`
    # below, with the account locked against deletion for the transaction; a file and a record are never
    # deleted (their append-only triggers), an account with records neither (its trigger).
    # Indexes (issue 22's import benchmark: every B-tree costs a WAL record and a random page write a
    # row): the primary key and the unique `(account, transaction_id)` are B-trees; `account` has none
    # of its own (`record_once_per_account` leads with it). A file's records and a value date's are
    # read through BRIN indexes (`record_file_brin`, `record_day_brin`): records are appended file by
    # file, and a file holds the last days' value dates, so both follow the order of the rows on disk;
    # a BRIN index costs nothing a row when the rows go to new pages.
    account = models.ForeignKey(CollectionAccount, on_delete=models.PROTECT, related_name="records",
                                verbose_name=_("collection account"), db_constraint=False, db_index=False)
    file = models.ForeignKey(CollectorFile, on_delete=models.PROTECT, related_name="lines",
                             verbose_name=_("file"), db_constraint=False, db_index=False)
    line = models.PositiveIntegerField(_("line"))
    transaction_id = models.CharField(_("collector's transaction id"), max_length=64)
    # The database's own defaults too: the plain file's COPY (collection.staging `_direct`) leaves both
    # columns out rather than parse a timestamp a row.
    kind = models.CharField(_("kind"), max_length=10, choices=RecordKind.choices, default=RecordKind.CREDIT,
                            db_default=RecordKind.CREDIT)
    # A reversal names the record it reverses (by the collector's id, resolved on the same account).
    # At most one reversal a record (`record_reversed_once`, a partial index: credits, nearly every row,
    # have none and are not indexed).
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by",
                                 verbose_name=_("reverses"), db_constraint=False, db_index=False)
    value_date = models.DateField(_("value date"))
    amount = models.DecimalField(_("amount"), **MONEY)  # always positive; the kind gives the direction
    payer_account = models.CharField(_("payer's account"), max_length=34, blank=True)
    payer_name = models.CharField(_("payer's name"), max_length=200, blank=True)
    reference_text = models.CharField(_("reference text"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_default=Now())

    scope_paths = {"region": "account__region_id"}

    class Meta:
        ordering = ["-value_date", "-id"]
        verbose_name = _("collector record")
        verbose_name_plural = _("collector records")
        # Read by a file (feed_apply(file=), the file's page) and by value date (the daily
        # reconciliation, the records' list by day).
        indexes = [BrinIndex(fields=["file"], name="record_file_brin", autosummarize=True),
                   BrinIndex(fields=["value_date", "account"], name="record_day_brin", autosummarize=True)]
        constraints = [
            models.UniqueConstraint(fields=["account", "transaction_id"], name="record_once_per_account"),
            models.UniqueConstraint(fields=["reverses"], condition=Q(reverses__isnull=False),
                                    name="record_reversed_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="record_amount_positive"),
            models.CheckConstraint(condition=Q(kind=RecordKind.CREDIT, reverses__isnull=True)
                                   | Q(kind=RecordKind.REVERSAL, reverses__isnull=False),
                                   name="record_reversal_names_its_record"),
        ]
        triggers = [
            pgtrigger.Protect(name="collector_records_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            pgtrigger.Trigger(
                name="collector_records_references_exist", level=pgtrigger.Statement, when=pgtrigger.After,
                operation=pgtrigger.Insert, referencing=pgtrigger.Referencing(new="new_records"),
                declare=[("accounts", "bigint[]"), ("files", "bigint[]"), ("reversals", "bigint")],
                func="""
                SELECT array_agg(g.account_id), array_agg(g.file_id), sum(g.reversals)
                  INTO accounts, files, reversals
                  FROM (SELECT account_id, file_id, count(reverses_id) AS reversals FROM new_records
                         GROUP BY account_id, file_id) g;  -- one pass over the new rows
                PERFORM 1 FROM collection_collectionaccount WHERE id = ANY(accounts) ORDER BY id FOR KEY SHARE;
                IF EXISTS (SELECT 1 FROM unnest(accounts) n(id)
                            WHERE NOT EXISTS (SELECT 1 FROM collection_collectionaccount a WHERE a.id = n.id))
                THEN RAISE EXCEPTION 'a collector record names no collection account'
                     USING ERRCODE = 'foreign_key_violation';
                END IF;
                IF EXISTS (SELECT 1 FROM unnest(files) n(id)
                            WHERE NOT EXISTS (SELECT 1 FROM collection_collectorfile f WHERE f.id = n.id))
                THEN RAISE EXCEPTION 'a collector record names no collector file'
                     USING ERRCODE = 'foreign_key_violation';
                END IF;
                IF reversals > 0 AND EXISTS (
                       SELECT 1 FROM new_records n WHERE n.reverses_id IS NOT NULL AND NOT EXISTS (
                           SELECT 1 FROM collection_collectorrecord r WHERE r.id = n.reverses_id))
                THEN RAISE EXCEPTION 'a collector record reverses no record'
                     USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN NULL;"""),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id}: {self.amount} ({self.value_date})"


class MatchedBy(models.TextChoices):
    ORDER = "order", _("payment reference")
    USCC = "uscc", _("employer's USCC in the reference")
    CLERK = "clerk", _("assigned by a clerk")


class Application(models.Model):
    """Where a credit record's money went: to an employer (as a contributions Payment dated the value
    date, allocated as every payment is). One per record by matching (payment reference or USCC);
    a clerk's assignment from suspense adds one per suspense item (an overpayment's excess is a
    second part of a matched record). Append-only; a reversal undoes it by the allocation engine's
    releases (contributions.PaymentReversal), never by changing this row. Issue 28: when the months a
    person's payment paid are reversed (an employer's after all) and what it then leaves is above the
    credit limit, the payment is reversed and the record applied again as the feed applies it: the new
    application `replaces` the old one, which then counts no more."""

    record = models.ForeignKey(CollectorRecord, on_delete=models.PROTECT, related_name="applications",
                               verbose_name=_("collector record"))
    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("employer"))
    person = models.ForeignKey("insured.InsuredPerson", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("person"))  # issue 28: a flexible worker's money
    payment = models.OneToOneField("contributions.Payment", on_delete=models.PROTECT, related_name="collected_by",
                                   verbose_name=_("payment"))
    order = models.ForeignKey(PaymentOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("payment order"))
    matched_by = models.CharField(_("matched by"), max_length=10, choices=MatchedBy.choices)
    amount = models.DecimalField(_("amount applied"), **MONEY)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by", verbose_name=_("applied again instead of"))
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    scope_paths = {"region": ("employer__region_id", "person__region_id"), "employer": "employer_id",
                   "person": "person_id"}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("application of collected money")
        verbose_name_plural = _("applications of collected money")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive"),
                       models.UniqueConstraint(fields=["record"],
                                               condition=~Q(matched_by="clerk") & Q(replaces__isnull=True),
                                               name="application_matched_once"),
                       models.CheckConstraint(condition=(Q(employer__isnull=False, person__isnull=True)
                                                         | Q(employer__isnull=True, person__isnull=False)),
                                              name="application_one_payer")]
        triggers = [pgtrigger.Protect(name="applications_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.record_id} -> {self.employer_id}: {self.amount}"


class SuspenseReason(models.TextChoices):
    UNMATCHED = "unmatched", _("matches no employer")
    AMBIGUOUS = "ambiguous", _("matches more than one employer")
    OVERPAYMENT = "overpayment", _("more than the open charges and the credit limit")
    REVERSAL_UNAPPLIED = "reversal", _("a reversal of money not applied")


class SuspenseState(models.TextChoices):
    WAITING = "waiting", _("waiting")
    ASSIGNMENT_PROPOSED = "proposed", _("assignment awaiting a second clerk")
    ASSIGNED = "assigned", _("assigned to an employer")
    RETURNED = "returned", _("returned to the payer")
    REVERSED = "reversed", _("reversed by the collector")


@pghistory.track(*history())
class SuspenseItem(models.Model):
    """Money that waits for a clerk (item 4): never dropped; it leaves suspense only by an assignment
    (four eyes above the region's sum), a return to the payer, or the collector's reversal."""

    record = models.ForeignKey(CollectorRecord, on_delete=models.PROTECT, related_name="suspense",
                               verbose_name=_("collector record"))
    account = models.ForeignKey(CollectionAccount, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("collection account"))
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=12, choices=SuspenseReason.choices)
    state = models.CharField(_("state"), max_length=10, choices=SuspenseState.choices,
                             default=SuspenseState.WAITING)
    entered_on = models.DateField(_("in suspense since"))
    proposed_employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("proposed employer"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    application = models.OneToOneField(Application, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="from_suspense")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    # A return to the payer: the bank's reference of the transfer back to the payer's account.
    return_reference = models.CharField(_("reference of the return transfer"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Issue 28: the application whose payment was reversed so that its money above the credit limit waits
    # here (a person's flexible months reversed: collection.applying.given_back_limit).
    replaces = models.OneToOneField(Application, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("instead of the application"))

    scope_paths = {"region": "account__region_id"}

    class Meta:
        ordering = ["entered_on", "id"]
        verbose_name = _("suspense item")
        verbose_name_plural = _("suspense")
        indexes = [models.Index(fields=["account", "state", "entered_on"], name="suspense_account_state")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="suspense_amount_positive"),
                       models.CheckConstraint(condition=~Q(state="assigned") | Q(application__isnull=False),
                                              name="suspense_assigned_has_application")]
        permissions = [("approve_suspenseitem", "Can approve a suspense assignment (second clerk)")]

    def __str__(self) -> str:
        return f"{self.record.transaction_id}: {self.amount}"


class RecordConflict(models.Model):
    """A record seen again under a known id with other figures: nothing applied, a clerk looks."""

    record = models.ForeignKey(CollectorRecord, on_delete=models.PROTECT, related_name="conflicts",
                               verbose_name=_("first record"))
    file = models.ForeignKey(CollectorFile, on_delete=models.PROTECT, related_name="+", verbose_name=_("file"))
    line = models.PositiveIntegerField(_("line"))
    amount = models.DecimalField(_("amount sent again"), **MONEY)
    value_date = models.DateField(_("value date sent again"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("looked at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    note = models.TextField(_("note"), blank=True)

    scope_paths = {"region": "record__account__region_id"}

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("conflicting record")
        verbose_name_plural = _("conflicting records")

    def __str__(self) -> str:
        return f"{self.record_id}: {self.amount} ({self.value_date})"


class CollectionEvent(models.Model):
    """What happened to collected money (append-only); one writer: collection/events.py."""

    kind = models.CharField(_("kind"), max_length=40)
    account = models.ForeignKey(CollectionAccount, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("collection account"))
    record = models.ForeignKey(CollectorRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("employer"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_paths = {"region": "account__region_id"}

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("collection event")
        verbose_name_plural = _("collection events")
        indexes = [models.Index(fields=["account", "-id"], name="collection_event_account")]
        triggers = [pgtrigger.Protect(name="collection_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.kind} {self.recorded_at:%Y-%m-%d}"


class ReconciliationDay(models.Model):
    """Item 7: per collection account and value date, collected = allocated + employer credit +
    suspense + returned + reversed. Written by the nightly check; a new row per check (append-only)."""

    account = models.ForeignKey(CollectionAccount, on_delete=models.PROTECT, related_name="days",
                                verbose_name=_("collection account"))
    value_date = models.DateField(_("value date"))
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    collected = models.DecimalField(_("collected"), **MONEY)
    allocated = models.DecimalField(_("allocated to charges"), **MONEY)
    credit = models.DecimalField(_("kept as employer credit"), **MONEY)
    suspense = models.DecimalField(_("in suspense"), **MONEY)
    returned = models.DecimalField(_("returned to payers"), **MONEY)
    reversed = models.DecimalField(_("reversed"), **MONEY)
    difference = models.DecimalField(_("difference"), **MONEY)

    scope_paths = {"region": "account__region_id"}

    class Meta:
        ordering = ["-value_date", "account"]
        verbose_name = _("collection reconciliation")
        verbose_name_plural = _("collection reconciliations")
        indexes = [models.Index(fields=["account", "value_date", "-checked_at"], name="recon_day_account")]
        triggers = [pgtrigger.Protect(name="reconciliation_days_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.account_id} {self.value_date}: {self.difference}"


class CollectorClient(models.Model):
    """The collector's own system (the tax authority's or the collection bank's) as an OAuth2
    client-credentials client: it obtains the `collect` scope, and nothing else; no portal can obtain
    `collect` (employers.oauth). It sends records for its region's collection accounts only."""

    application = models.OneToOneField(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.PROTECT,
                                       related_name="collector_client", verbose_name=_("OAuth application"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    label = models.CharField(_("label"), max_length=100)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.CharField(_("issued by"), max_length=100)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("collector API client")
        verbose_name_plural = _("collector API clients")

    def __str__(self) -> str:
        return self.label
