"""Lump-sum payment of the individual account (一次性支付, Order No. 13 of 2011; Art. 14).

A refund goes submitted -> audited -> liquidated -> paid (the account closed with it), or is
rejected at the audit. Each step is a RefundEvent (append-only). One open refund per person.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.models import history
from insured.models import Channel

MONEY = dict(max_digits=14, decimal_places=2)


class RefundReason(models.TextChoices):
    DEATH = "death", _("death: the balance to the heirs")
    RETIREMENT_SHORT = "retirement_short", _("retirement age with fewer than the minimum years")
    NATIONALITY_LOST = "nationality_lost", _("loss of PRC nationality")
    FOREIGNER_LEAVING = "foreigner_leaving", _("foreigner leaving China")
    # Refused (Art. 14, Order No. 13): asked for, never recorded as a refund.
    SETTLING_ABROAD = "settling_abroad", _("settling abroad")
    OTHER = "other", _("other reason")


ELIGIBLE_REASONS = (RefundReason.DEATH, RefundReason.RETIREMENT_SHORT, RefundReason.NATIONALITY_LOST,
                    RefundReason.FOREIGNER_LEAVING)


class RefundDocumentKind(models.TextChoices):
    """The vouchers of a refund besides its application form (registered in RefundsConfig.ready())."""

    DEATH_CERTIFICATE = "death_certificate", _("death certificate")


class RefundState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted: documents to audit")
    AUDITED = "audited", _("audited: to liquidate")
    LIQUIDATED = "liquidated", _("liquidated: payout awaits the second approval")
    PAID = "paid", _("paid and closed")
    REJECTED = "rejected", _("rejected")


OPEN_STATES = (RefundState.SUBMITTED, RefundState.AUDITED, RefundState.LIQUIDATED)

class Refund(models.Model):
    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="refunds",
                               verbose_name=_("person"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    reason = models.CharField(_("reason"), max_length=20, choices=RefundReason.choices)
    state = models.CharField(_("state"), max_length=12, choices=RefundState.choices, default=RefundState.SUBMITTED)
    applied_on = models.DateField(_("applied on"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    applied_by = models.CharField(_("applied by"), max_length=100)
    # Where the money goes (the person's own refunds; heirs have theirs on their rows).
    payee_name = models.CharField(_("payee"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    documents = models.ManyToManyField("agency.Document", blank=True, related_name="refunds",
                                       verbose_name=_("vouchers"))
    # Liquidation: the balance with interest up to the payout month.
    payout_month = models.DateField(_("payout month"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    interest_credited = models.DecimalField(_("interest to the payout month"), null=True, blank=True, **MONEY)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("prepared by"))
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lump-sum refund")
        verbose_name_plural = _("lump-sum refunds")
        permissions = [("approve_refund_payout", _("Can approve a refund payout (second clerk)"))]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state__in=[s.value for s in OPEN_STATES]),
                                    name="refund_one_open_per_person"),
            models.CheckConstraint(condition=Q(reason__in=[r.value for r in ELIGIBLE_REASONS]),
                                   name="refund_reason_eligible"),
            # Four eyes: the payout is approved by another clerk than the one who prepared it.
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                                   name="refund_four_eyes"),
            models.CheckConstraint(condition=~Q(state="paid") | Q(approved_by__isnull=False, amount__isnull=False)
                                   & ~Q(bank_reference=""), name="refund_paid_has_approval"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_reason_display()} ({self.get_state_display()})"


class RefundHeir(models.Model):
    """An heir's share of a deceased person's balance, as a fraction; the fractions add up to one."""

    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="heirs", verbose_name=_("refund"))
    name = models.CharField(_("name"), max_length=100)
    document_number = models.CharField(_("document number"), max_length=30)
    relation = models.CharField(_("relation"), max_length=30, blank=True)
    share_numerator = models.PositiveIntegerField(_("share numerator"))
    share_denominator = models.PositiveIntegerField(_("share denominator"))
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)

    scope_paths = {"region": "refund__region_id", "person": "refund__person_id"}

    class Meta:
        ordering = ["id"]
        verbose_name = _("heir")
        verbose_name_plural = _("heirs")
        constraints = [
            models.CheckConstraint(condition=Q(share_numerator__gt=0) & Q(share_numerator__lte=F("share_denominator")),
                                   name="heir_share_a_fraction"),
            models.UniqueConstraint(fields=["refund", "document_number"], name="heir_once_per_refund"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.share_numerator}/{self.share_denominator}"


class RefundEventKind(models.TextChoices):
    APPLIED = "applied", _("applied")
    AUDITED = "audited", _("documents audited")
    REJECTED = "rejected", _("rejected")
    LIQUIDATED = "liquidated", _("liquidated; payout prepared")
    PAID = "paid", _("payout approved and paid")
    CLOSED = "closed", _("account and relationship closed")


class RefundEvent(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="events", verbose_name=_("refund"))
    kind = models.CharField(_("kind"), max_length=12, choices=RefundEventKind.choices)
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("acting user"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_paths = {"region": "refund__region_id", "person": "refund__person_id"}

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("refund event")
        verbose_name_plural = _("refund events")
        triggers = [pgtrigger.Protect(name="refund_events_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.recorded_at):%Y-%m-%d %H:%M}"  # Asia/Shanghai


class NationalityNotice(models.Model):
    """The written notice that a person who lost PRC nationality may keep the account (Order No. 13):
    produced by the system, served by a clerk; a refund for that reason needs one served."""

    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="nationality_notices",
                               verbose_name=_("person"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    text = models.TextField(_("text"))
    served_on = models.DateField(_("served on"))
    served_by = models.CharField(_("served by"), max_length=100)
    served_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("served by user"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("nationality notice")
        verbose_name_plural = _("nationality notices")
        triggers = [pgtrigger.Protect(name="nationality_notices_immutable",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.reference} {self.person}"


class EmployerMerger(models.Model):
    """A merger (合并): the predecessor's staff and open charges moved to the successor in one
    service. The predecessor pays up to and including `last_month`; the successor from the next."""

    predecessor = models.OneToOneField("employers.Employer", on_delete=models.PROTECT, related_name="merged_into",
                                       verbose_name=_("merged employer"))
    successor = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="mergers_received",
                                  verbose_name=_("successor employer"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    last_month = models.DateField(_("last month at the merged employer"))
    staff_moved = models.PositiveIntegerField(_("staff moved"))
    charges_moved = models.PositiveIntegerField(_("open charges moved"))
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("acting user"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("employer merger")
        verbose_name_plural = _("employer mergers")
        constraints = [models.CheckConstraint(condition=~Q(predecessor=F("successor")), name="merger_two_employers"),
                       models.CheckConstraint(condition=Q(last_month__day=1), name="merger_month_first_day")]
        triggers = [pgtrigger.Protect(name="mergers_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class PayoutAwaitingApproval(Refund):
    """Supervisors' list: prepared payouts waiting for the second clerk's approval."""

    class Meta:
        proxy = True
        verbose_name = _("payout awaiting the second approval")
        verbose_name_plural = _("payouts awaiting the second approval")


@pghistory.track(*history())
class RefundTerms(models.Model):
    """A region's local term of each step of a refund (Order No. 13 of 2011 leaves them to it).
    A region without a row has the defaults (refunds.terms)."""

    region = models.OneToOneField("agency.Region", on_delete=models.CASCADE, related_name="refund_terms",
                                  verbose_name=_("region"))
    audit_days = models.PositiveSmallIntegerField(_("refund: days to audit the documents"), default=15)
    liquidation_days = models.PositiveSmallIntegerField(_("refund: days to liquidate the account"), default=10)
    payout_days = models.PositiveSmallIntegerField(_("refund: days to approve the payout"), default=10)
    in_working_days = models.BooleanField(_("refund terms in working days"), default=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        verbose_name = _("refund terms")
        verbose_name_plural = _("refund terms")

    def __str__(self) -> str:
        return str(self.region)
