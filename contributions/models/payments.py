"""Payments, their allocation to charges, and the agency's determination of late-enrolled months.

Payment and Allocation are append-only (a trigger refuses UPDATE and DELETE). What a payment
paid is the sum of its allocations; what a charge still owes is its amount less the sum of
the allocations to it. A negative allocation ("release") gives back money that was allocated
to a provisional charge when a late declaration replaces it; it always points at the row it
undoes and carries that row's `effective_on`, so the late fee of the charge is unchanged by it.

The database holds the money rules (the trigger `allocation_within_limits` of migrations 0003/0010,
checked once per INSERT statement since 0012, which also locks the rows it sums): a payment never gives more than its amount, a credit charge
(a negative charge) never more than its value, a charge never receives more than its amount,
and no (source, charge) pair ever nets below zero.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agency.models import history
from employers.models import Employer

MONEY = dict(max_digits=14, decimal_places=2)


class PaymentChannel(models.TextChoices):
    API = "api", _("portal (API)")
    ADMIN = "admin", _("agency counter (admin)")
    SYSTEM = "system", _("system")
    COLLECTOR = "collector", _("collector's record")  # issue 22: the one way money enters


class PaymentDocumentKind(models.TextChoices):
    """The voucher of a payment (registered in ContributionsConfig.ready())."""

    PAYMENT_VOUCHER = "payment_voucher", _("bank payment voucher")


# The payer of a money row (issue 28): an employer, or a person who insures themselves (Art. 10),
# never both. One constraint per table says so; the allocation runs per payer (contributions.allocation).
PAYER_ONE = Q(employer__isnull=False, person__isnull=True) | Q(employer__isnull=True, person__isnull=False)
PAYER_REGION = ("employer__region_id", "person__region_id")


class Payment(models.Model):
    """Money a payer (an employer, or a flexible worker) paid, identified by the bank's reference."""

    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="payments", verbose_name=_("employer"))
    person = models.ForeignKey("insured.InsuredPerson", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="self_payments", verbose_name=_("paid by the person"))
    bank_reference = models.CharField(_("bank reference"), max_length=64)
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    voucher = models.ForeignKey("agency.Document", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("bank voucher"))
    channel = models.CharField(_("channel"), max_length=10, choices=PaymentChannel.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("recorded by"), max_length=100)  # Viewer.label()
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    scope_paths = {"region": PAYER_REGION, "employer": "employer_id", "person": "person_id"}

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["employer", "paid_on", "id"], name="payment_employer_paid")]
        constraints = [
            # Per employer: another employer's reference answers as a new one would (no oracle, issue 25).
            models.UniqueConstraint(fields=["employer", "bank_reference"], name="payment_employer_reference_unique"),
            models.UniqueConstraint(fields=["person", "bank_reference"], condition=Q(person__isnull=False),
                                    name="payment_person_reference_unique"),
            models.CheckConstraint(condition=PAYER_ONE, name="payment_one_payer"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        triggers = [pgtrigger.Protect(name="payments_are_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.bank_reference}: {self.amount} ({self.paid_on})"


class PaymentReversal(models.Model):
    """The collector took the payment's money back (issue 22, item 5): its allocations are released
    (negative allocations that keep their day) and its money is never allocated again. Append-only."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal",
                                   verbose_name=_("payment"))
    reversed_on = models.DateField(_("reversed on"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("recorded by"), max_length=100)

    scope_paths = {"region": ("payment__employer__region_id", "payment__person__region_id"),
                   "employer": "payment__employer_id", "person": "payment__person_id"}

    class Meta:
        verbose_name = _("payment reversal")
        verbose_name_plural = _("payment reversals")
        triggers = [pgtrigger.Protect(name="payment_reversals_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.payment_id} ({self.reversed_on})"


class Allocation(models.Model):
    """Part of a payment (or of a credit: a negative charge) applied to a charge.

    `effective_on` is the day the money counts as paid for that charge's late fee: the payment's
    `paid_on`, or for a credit the credit charge's due day."""

    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="allocations", verbose_name=_("employer"))
    person = models.ForeignKey("insured.InsuredPerson", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="self_allocations", verbose_name=_("paid by the person"))
    charge = models.ForeignKey("contributions.Charge", on_delete=models.PROTECT, related_name="allocations",
                               verbose_name=_("charge paid"))
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="allocations", verbose_name=_("from payment"))
    credit = models.ForeignKey("contributions.Charge", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="credit_allocations", verbose_name=_("from credit"))
    amount = models.DecimalField(_("amount"), **MONEY)
    effective_on = models.DateField(_("counts as paid on"))
    releases = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="released_by", verbose_name=_("gives back"))
    settles_charge = models.BooleanField(_("settles the charge"), default=False,
                                         help_text=_("This allocation brought the charge to fully paid."))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("recorded by"), max_length=100)

    scope_paths = {"region": PAYER_REGION, "employer": "employer_id", "person": "person_id"}

    class Meta:
        ordering = ["id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [
            models.Index(fields=["employer", "effective_on"], name="allocation_employer_day"),
            models.Index(fields=["charge"], name="allocation_charge"),
            models.Index(fields=["payment"], name="allocation_payment"),
            models.Index(fields=["credit"], name="allocation_credit"),
            models.Index(fields=["person", "effective_on"], condition=Q(person__isnull=False),
                         name="allocation_person_day"),
            # allocations (and their releases) recorded since a moment: the statements' reissue sweep
            BrinIndex(fields=["created_at"], name="allocation_created_brin"),
        ]
        constraints = [
            models.CheckConstraint(condition=(Q(payment__isnull=False, credit__isnull=True)
                                             | Q(payment__isnull=True, credit__isnull=False)),
                                   name="allocation_one_source"),
            models.CheckConstraint(condition=~Q(amount=0), name="allocation_amount_not_zero"),
            models.CheckConstraint(condition=Q(amount__gt=0) | Q(releases__isnull=False),
                                   name="allocation_negative_only_as_release"),
            models.CheckConstraint(condition=PAYER_ONE, name="allocation_one_payer"),
        ]
        triggers = [pgtrigger.Protect(name="allocations_are_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return gettext("%(amount)s to charge %(charge)s") % {"amount": self.amount, "charge": self.charge_id}


class OpenMoneyPayer(models.Model):
    """Whose open money a row is (an employer's or a person's), as the trigger copies it from the charge or
    payment: the allocation reads a payer's open rows by these."""

    employer = models.ForeignKey("employers.Employer", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+")
    person = models.ForeignKey("insured.InsuredPerson", null=True, on_delete=models.DO_NOTHING,
                               db_constraint=False, db_index=False, related_name="+")

    class Meta:
        abstract = True


class OpenCharge(OpenMoneyPayer):
    """A charge with something open: a principal or late fee not paid in full, a credit (a negative
    charge) not used up. Kept by the database alone (contributions/migrations/0014): a new charge enters,
    the allocation trigger takes out what an INSERT of allocations settled or used up and puts back what
    a release reopened, in the statement that changed it. Read by the allocation
    (`contributions.allocation`), so a payer's read touches its few open charges, not its whole
    history; the amounts themselves are still summed from the allocations. Nothing else writes it."""

    charge = models.OneToOneField("contributions.Charge", primary_key=True, on_delete=models.DO_NOTHING,
                                  db_constraint=False, related_name="+")  # the trigger takes it from the charge

    class Meta:
        verbose_name = _("open charge")
        verbose_name_plural = _("open charges")
        indexes = [models.Index(fields=["person"], condition=Q(person__isnull=False), name="open_charge_person")]

    def __str__(self) -> str:
        return str(self.charge_id)


class OpenPayment(OpenMoneyPayer):
    """A payment with money not allocated yet and not reversed: kept by the database as `OpenCharge` is
    (a new payment enters; an INSERT of allocations that gives all of it, or its reversal, takes it out;
    a release of a payment not reversed puts it back). Nothing else writes it."""

    payment = models.OneToOneField(Payment, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                   related_name="+")

    class Meta:
        verbose_name = _("open payment")
        verbose_name_plural = _("open payments")
        indexes = [models.Index(fields=["person"], condition=Q(person__isnull=False), name="open_payment_person")]

    def __str__(self) -> str:
        return str(self.payment_id)


class DeterminationState(models.TextChoices):
    PENDING = "pending", _("awaiting a clerk's confirmation")
    CONFIRMED = "confirmed", _("confirmed: charged")
    REJECTED = "rejected", _("rejected")


@pghistory.track(*history())
class Determination(models.Model):
    """Art. 58: the months of a late-enrolled employment before its first declared month,
    determined by the agency from the wage on the enrolment, confirmed by a clerk under a deadline.
    Changed only by the services in contributions/services/determinations.py, under a row lock."""

    employment = models.OneToOneField("insured.Employment", on_delete=models.PROTECT,
                                      related_name="determination", verbose_name=_("employment"))
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="determinations",
                                 verbose_name=_("employer"))
    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="determinations",
                               verbose_name=_("person"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    monthly_wage = models.DecimalField(_("wage on the enrolment"), max_digits=12, decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=DeterminationState.choices,
                             default=DeterminationState.PENDING)
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decision_note = models.TextField(_("decision note"), blank=True)

    scope_paths = {"region": "region_id", "employer": "employer_id", "person": "person_id"}

    class Meta:
        ordering = ["proposed_at"]
        verbose_name = _("late enrolment determination")
        verbose_name_plural = _("late enrolment determinations")
        # determinations decided since a moment (the statements' reissue sweep)
        indexes = [models.Index(fields=["decided_at"], condition=Q(state="confirmed"),
                                name="determination_confirmed_at")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.employer.name}"


class DeterminedMonth(models.Model):
    """One month of a determination: the base and what it makes per insurance type and part.
    `charge` is set when a clerk confirms (the "determined" charge of that person-month)."""

    determination = models.ForeignKey(Determination, on_delete=models.PROTECT, related_name="months")
    period = models.DateField(_("period"))
    base = models.DecimalField(_("contribution base"), **MONEY)
    employer_amount = models.DecimalField(_("employer part"), **MONEY)
    individual_amount = models.DecimalField(_("individual part"), **MONEY)
    pension_individual = models.DecimalField(_("individual pension part"), **MONEY)
    amounts = models.JSONField(_("amounts per type and part"), default=dict)
    charge = models.OneToOneField("contributions.Charge", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="determined_month")

    scope_paths = {"region": "determination__region_id", "employer": "determination__employer_id",
                   "person": "determination__person_id"}

    class Meta:
        ordering = ["determination", "period"]
        verbose_name = _("determined month")
        verbose_name_plural = _("determined months")
        constraints = [
            models.UniqueConstraint(fields=["determination", "period"], name="determined_month_once"),
            models.CheckConstraint(condition=Q(period__day=1), name="determined_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m}: {self.base}"

    @property
    def total(self):
        return self.employer_amount + self.individual_amount


class EmployerArrears(Employer):
    """The clerks' view of an employer's money: its arrears, charges, payments and allocations
    (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("employer arrears")
        verbose_name_plural = _("employers in arrears")
