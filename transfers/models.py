"""Suspension of a relationship and its transfer to another region (State Council General Office 2009 No. 66).

A suspension (中止参保) is reviewed by a clerk of its region; approved, the relationship is suspended and
the account kept. A transfer (转移接续) moves a suspended relationship and its funds to the region where
the person is now enrolled, in three steps of 15 working days each: the new region consents to receive
(同意接收函), the old region transfers out (信息表 and the funds), the new region completes. Within one
pooling region or a province with provincial pooling only the records move (one step); a man of 50 or
more or a woman of 40 or more whose household registration is elsewhere gets a temporary account in the
new region instead (No. 66, Art. 6). Rows carry their current state for the queues; what happened is in
`TransferEvent` (append-only) and, for the relationships, in insured's RelationshipEvent.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import MONEY
from agency.models import Document, Region, history
from insured.models import Channel, Decision, InsuranceRelationship, InsuredPerson, RelationshipEvent


class SuspensionReason(models.TextChoices):
    JOB_TRANSFER = "job_transfer", _("job transfer")
    EMPLOYMENT_ELSEWHERE = "employment_elsewhere", _("employment in another region")
    STUDY_ABROAD = "study_abroad", _("study abroad")
    OTHER = "other", _("other")


class Suspension(models.Model):
    """An application to suspend a relationship (中止参保), decided by a clerk of its region."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="suspensions",
                               verbose_name=_("person"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    relationship = models.ForeignKey(InsuranceRelationship, on_delete=models.PROTECT, related_name="suspensions",
                                     verbose_name=_("insurance relationship"))
    reason = models.CharField(_("reason"), max_length=30, choices=SuspensionReason.choices)
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    request_event = models.OneToOneField(RelationshipEvent, on_delete=models.PROTECT, related_name="suspension",
                                         verbose_name=_("request"))
    documents = models.ManyToManyField(Document, blank=True, related_name="+", verbose_name=_("vouchers"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "person": "person_id"}  # employers see none

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        constraints = [models.UniqueConstraint(fields=["relationship"], condition=Q(state="pending"),
                                               name="suspension_one_pending_per_relationship")]

    def __str__(self) -> str:
        return _("suspension of %(person)s in %(region)s") % {"person": self.person, "region": self.region.code}


class TransferKind(models.TextChoices):
    FUNDS = "funds", _("between pooling regions: relationship and funds")
    RECORDS_ONLY = "records_only", _("within one pooling (provincial pooling): records only")


class TransferState(models.TextChoices):
    APPLIED = "applied", _("step 1: awaiting the new region's consent")
    ACCEPTED = "accepted", _("step 2: awaiting the transfer out")
    TRANSFERRED_OUT = "transferred_out", _("step 3: awaiting completion in the new region")
    COMPLETED = "completed", _("completed")
    REFUSED = "refused", _("refused")
    TEMPORARY_ACCOUNT = "temporary_account", _("temporary account opened instead (No. 66, Art. 6)")


OPEN_TRANSFER_STATES = (TransferState.APPLIED, TransferState.ACCEPTED, TransferState.TRANSFERRED_OUT)


class Transfer(models.Model):
    """One transfer of a person's relationship from `from_region` to `to_region`."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="transfers",
                               verbose_name=_("person"))
    from_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("old region"))
    to_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("new region"))
    # Null when that side is outside this system (an external region).
    from_relationship = models.ForeignKey(InsuranceRelationship, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="transfers_out", verbose_name=_("old relationship"))
    to_relationship = models.ForeignKey(InsuranceRelationship, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="transfers_in", verbose_name=_("new relationship"))
    kind = models.CharField(_("kind"), max_length=20, choices=TransferKind.choices)
    state = models.CharField(_("state"), max_length=20, choices=TransferState.choices,
                             default=TransferState.APPLIED)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    filed_by = models.CharField(_("filed by"), max_length=100)
    filed_on = models.DateField(_("filed on"))
    # Step 1: the letter of consent to receive (同意接收函), or the refusal / the temporary account.
    letter_number = models.CharField(_("letter number"), max_length=40, blank=True)
    letter_on = models.DateField(_("letter dated"), null=True, blank=True)
    decision_rule = models.CharField(_("rule applied"), max_length=100, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    # Step 2: computed from the ledger (or, from an external region, read from its form).
    account_amount = models.DecimalField(_("individual account transferred"), null=True, blank=True, **MONEY)
    pooled_amount = models.DecimalField(_("pooled fund transferred"), null=True, blank=True, **MONEY)
    pooled_months = models.PositiveIntegerField(_("months of pooled contribution"), null=True, blank=True)
    months = models.PositiveIntegerField(_("months of contribution"), null=True, blank=True)
    form = models.JSONField(_("transfer information form"), null=True, blank=True)
    transferred_out_on = models.DateField(_("transferred out on"), null=True, blank=True)
    # Step 3: the funds as received.
    received_account_amount = models.DecimalField(_("individual account received"), null=True, blank=True,
                                                  **MONEY)
    received_pooled_amount = models.DecimalField(_("pooled fund received"), null=True, blank=True, **MONEY)
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    received_on = models.DateField(_("funds received on"), null=True, blank=True)
    difference_resolution = models.TextField(_("resolution of the difference"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="+", verbose_name=_("vouchers"))
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    # A clerk of either region sees it; the person their own; an employer nothing.
    scope_paths = {"region": ("from_region_id", "to_region_id"), "person": "person_id"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(fields=["person", "from_region"],
                                    condition=Q(state__in=[s.value for s in OPEN_TRANSFER_STATES]),
                                    name="transfer_one_open_per_relationship"),
            models.CheckConstraint(condition=~Q(from_region=models.F("to_region")), name="transfer_two_regions"),
        ]
        indexes = [models.Index(fields=["person", "-id"], name="transfer_person_recent")]

    def __str__(self) -> str:
        return _("transfer of %(person)s from %(old)s to %(new)s") % {
            "person": self.person, "old": self.from_region.code, "new": self.to_region.code}

    @property
    def announced_total(self):
        if self.account_amount is None:
            return None
        return self.account_amount + (self.pooled_amount or 0)

    @property
    def received_total(self):
        if self.received_account_amount is None:
            return None
        return self.received_account_amount + (self.received_pooled_amount or 0)

    @property
    def difference(self):
        """Received minus announced (None until both are known)."""
        if self.announced_total is None or self.received_total is None:
            return None
        return self.received_total - self.announced_total


class TransferEventKind(models.TextChoices):
    APPLIED = "applied", _("applied")
    ACCEPTED = "accepted", _("consent to receive issued")
    LETTER_RECEIVED = "letter_received", _("consent letter received from the other agency")
    REFUSED = "refused", _("refused")
    TEMPORARY_ACCOUNT = "temporary_account", _("temporary account opened")
    TRANSFERRED_OUT = "transferred_out", _("transferred out")
    FORM_RECEIVED = "form_received", _("information form received from the other agency")
    FUNDS_RECEIVED = "funds_received", _("funds received")
    COMPLETED = "completed", _("completed")


class TransferEvent(models.Model):
    """What happened to a transfer, step by step. Append-only."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="events",
                                 verbose_name=_("transfer"))
    kind = models.CharField(_("kind"), max_length=20, choices=TransferEventKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region acting"))
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("acting user"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="+", verbose_name=_("vouchers"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_paths = {"region": ("transfer__from_region_id", "transfer__to_region_id"), "person": "transfer__person_id"}

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("transfer event")
        verbose_name_plural = _("transfer events")
        triggers = [pgtrigger.Protect(name="transfer_events_are_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.transfer_id})"


class TemporaryAccount(models.Model):
    """A temporary contribution account (临时基本养老保险缴费账户, No. 66 Art. 6) in the new region: the
    relationship stays in the old region; at retirement the records are consolidated (out of scope here),
    which this row allows: it names both relationships and the transfer that opened it."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="temporary_accounts",
                               verbose_name=_("person"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    relationship = models.ForeignKey(InsuranceRelationship, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("relationship in this region"))
    kept_relationship = models.ForeignKey(InsuranceRelationship, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("relationship kept in the old region"))
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="temporary_account",
                                    verbose_name=_("transfer"))
    rule = models.CharField(_("rule"), max_length=100)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("consolidated on"), null=True, blank=True)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("temporary contribution account")
        verbose_name_plural = _("temporary contribution accounts")
        constraints = [models.UniqueConstraint(fields=["person", "region"], condition=Q(closed_on__isnull=True),
                                               name="temporary_account_one_open_per_region")]

    def __str__(self) -> str:
        return f"{self.person} {self.region.code}"


@pghistory.track(*history())
class SuspensionTerms(models.Model):
    """A region's term for deciding a suspension. A region without a row has the defaults
    (transfers.terms); the three transfer steps have the national 15 working days each."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="suspension_terms",
                                  verbose_name=_("region"))
    review_days = models.PositiveSmallIntegerField(_("suspension review days"), default=15)
    review_in_working_days = models.BooleanField(_("suspension review in working days"), default=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        verbose_name = _("suspension terms")
        verbose_name_plural = _("suspension terms")

    def __str__(self) -> str:
        return str(self.region)
