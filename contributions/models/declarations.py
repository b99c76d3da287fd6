"""Declarations, contribution lines and charges (issue 11, Art. 60 and 74).

Volumes a province brings: about 10 million persons, 120 million person-months a year, over a
billion contribution lines in a decade. So a line is one row per person, month and declaration
with one column per insurance type and part (not a row per type and part: that would be seven
times the rows, the index entries and the tuple headers), and the line table is partitioned by
range of period (yearly partitions, created by the declaration service before it inserts; see
migration 0001 and `contributions.partitions`). Lines, declarations and charges are never
updated or deleted: a correction posts the differences as new lines, so that the sum of a
person's lines for a month is the current figure.
"""

from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = dict(max_digits=14, decimal_places=2)
LINE_MONEY = dict(max_digits=12, decimal_places=2)

# The seven amounts of a line: (insurance type, part) -> column name. Work injury has no individual part.
PARTS: tuple[tuple[str, str, str], ...] = (
    ("pension", "employer", "pension_employer"),
    ("pension", "individual", "pension_individual"),
    ("medical", "employer", "medical_employer"),
    ("medical", "individual", "medical_individual"),
    ("unemployment", "employer", "unemployment_employer"),
    ("unemployment", "individual", "unemployment_individual"),
    ("work_injury", "employer", "work_injury_employer"),
)
AMOUNT_COLUMNS: tuple[str, ...] = tuple(column for _t, _p, column in PARTS)
EMPLOYER_COLUMNS: tuple[str, ...] = tuple(column for _t, part, column in PARTS if part == "employer")
INDIVIDUAL_COLUMNS: tuple[str, ...] = tuple(column for _t, part, column in PARTS if part == "individual")


class AllocationOrder(models.TextChoices):
    PRINCIPAL_FIRST = "principal_first", _("principal before late fees")
    OLDEST_FIRST = "oldest_first", _("late fees with their principal, oldest first")


class RegionContributionSettings(models.Model):
    """A region's local choices for contributions; a region without a row uses the defaults."""

    region = models.OneToOneField("agency.Region", on_delete=models.PROTECT, related_name="contribution_settings",
                                  verbose_name=_("region"))
    declaration_day = models.PositiveSmallIntegerField(
        _("declaration day"), default=10, validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Day of the period's own month by which the declaration is filed."))
    payment_day = models.PositiveSmallIntegerField(
        _("payment day"), default=15, validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Day of the period's own month by which the contributions are paid."))
    allocation_order = models.CharField(_("allocation order"), max_length=20, choices=AllocationOrder.choices,
                                        default=AllocationOrder.PRINCIPAL_FIRST)
    late_fee_daily_rate = models.DecimalField(_("late fee per day"), max_digits=7, decimal_places=6,
                                              default=Decimal("0.0005"))
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        verbose_name = _("region contribution settings")
        verbose_name_plural = _("region contribution settings")
        constraints = [
            models.CheckConstraint(condition=Q(declaration_day__gte=1, declaration_day__lte=28,
                                               payment_day__gte=1, payment_day__lte=28),
                                   name="contribution_days_1_28"),
            models.CheckConstraint(condition=Q(late_fee_daily_rate__gte=0, late_fee_daily_rate__lt=1),
                                   name="contribution_fee_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}: {self.declaration_day}/{self.payment_day}"

    @classmethod
    def for_region(cls, region_id: int) -> "RegionContributionSettings":
        """The region's row, or an unsaved one with the defaults."""
        return cls.objects.filter(region_id=region_id).first() or cls(region_id=region_id)


class DeclarationKind(models.TextChoices):
    DECLARED = "declared", _("declared by the employer")
    DETERMINED = "determined", _("determined by the agency (Art. 58)")


class DeclarationSource(models.TextChoices):
    JSON = "json", _("JSON")
    CSV = "csv", _("CSV file")
    ADMIN = "admin", _("admin")
    SYSTEM = "system", _("system")


class Declaration(models.Model):
    """One filing of an employer's roll for a period. Sequence 1 is the declaration, 2.. its corrections.

    Totals are the period's figures after this filing (all lines of the period so far);
    `difference` is what this filing added (the sum of its lines, possibly negative).
    kind "determined" (Art. 58, written by the agency) carries lines of months the agency determined.
    """

    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="declarations",
                                 verbose_name=_("employer"))
    period = models.DateField(_("period"))  # first day of the month
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=20, choices=DeclarationKind.choices,
                            default=DeclarationKind.DECLARED)
    source = models.CharField(_("source"), max_length=10, choices=DeclarationSource.choices)
    rows = models.PositiveIntegerField(_("rows"))  # persons on the roll as declared
    lines_written = models.PositiveIntegerField(_("lines written"))
    clamped_rows = models.PositiveIntegerField(_("clamped rows"), default=0)
    totals = models.JSONField(_("totals per insurance type"), default=dict)  # after this filing
    total = models.DecimalField(_("period total after this filing"), **MONEY)
    difference = models.DecimalField(_("difference posted"), **MONEY)
    due_on = models.DateField(_("due on"))
    declared_on = models.DateField(_("declared on"))  # Asia/Shanghai
    late = models.BooleanField(_("declared after the declaration day"), default=False)
    voucher = models.ForeignKey("agency.Document", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("voucher"))
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=100)  # Viewer.label()
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    scope_paths = {"region": "employer__region_id", "employer": "employer_id"}

    class Meta:
        ordering = ["-period", "-sequence"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        indexes = [models.Index(fields=["employer", "-period", "-sequence"], name="declaration_employer_period"),
                   # filings recorded since a moment (the statements' reissue sweep); appended in order
                   BrinIndex(fields=["declared_at"], name="declaration_declared_brin")]
        constraints = [
            models.UniqueConstraint(fields=["employer", "period", "sequence"], name="declaration_one_per_sequence"),
            models.CheckConstraint(condition=Q(period__day=1), name="declaration_period_first_day"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="declaration_sequence_positive"),
        ]
        triggers = [pgtrigger.Protect(name="declarations_are_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.period:%Y-%m} #{self.sequence}"

    @property
    def is_correction(self) -> bool:
        return self.sequence > 1


class ChargeKind(models.TextChoices):
    DECLARED = "declared", _("declared")
    PROVISIONAL = "provisional", _("provisional (Art. 62)")
    PROVISIONAL_REVERSAL = "provisional_reversal", _("provisional charge reversed")
    DETERMINED = "determined", _("determined (Art. 58)")
    LATE_FEE = "late_fee", _("late fee (Art. 86)")
    # A merger: the merged employer's open charge is settled by a credit (negative) that moves it
    # to the successor, where it is owed as a charge with the original due day and fee start.
    MERGER_OUT = "merger_out", _("moved to the successor on a merger")
    MERGER_IN = "merger_in", _("taken over from a merged employer")
    # A month a person who insures themselves pays (Art. 10, issue 28): its SelfPaidMonth says for what.
    SELF_PAID = "self_paid", _("flexible worker's month (Art. 10)")
    # The month turned out to be an employer's (an enrolment entered late, an Art. 58 determined month): the
    # flexible charge (or its late fee) is cancelled by this credit, allocated to it; the money paid is given back.
    SELF_PAID_REVERSAL = "self_paid_reversal", _("flexible worker's month reversed (an employer's month)")


class Charge(models.Model):
    """What a payer owes for a period: an employer, or (issue 28) a person who insures themselves.
    Append-only; a negative amount is a credit."""

    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="charges", verbose_name=_("employer"))
    person = models.ForeignKey("insured.InsuredPerson", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="self_charges", verbose_name=_("owed by the person"))
    period = models.DateField(_("period"))
    kind = models.CharField(_("kind"), max_length=30, choices=ChargeKind.choices)
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="charges", verbose_name=_("declaration"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent charge"))
    amount = models.DecimalField(_("amount"), **MONEY)
    due_on = models.DateField(_("due on"))
    fee_from = models.DateField(_("late fee after"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    scope_paths = {"region": ("employer__region_id", "person__region_id"), "employer": "employer_id",
                   "person": "person_id"}

    class Meta:
        ordering = ["period", "id"]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        indexes = [models.Index(fields=["employer", "period"], name="charge_employer_period"),
                   # Credits (negative charges) are rare: the daily Art. 62 job asks which employers hold
                   # one unused, and without this index read every charge (bench/assessment_bench.py).
                   models.Index(fields=["employer"], condition=Q(amount__lt=0), name="charge_credit_employer"),
                   models.Index(fields=["person", "period"], condition=Q(person__isnull=False),
                                name="charge_person_period")]
        constraints = [
            models.CheckConstraint(condition=Q(period__day=1), name="charge_period_first_day"),
            models.CheckConstraint(condition=~Q(amount=0), name="charge_amount_not_zero"),
            models.CheckConstraint(condition=Q(amount__gt=0) | Q(kind__in=["declared", "provisional_reversal",
                                                                           "merger_out", "self_paid_reversal"]),
                                   name="charge_negative_only_declared_or_reversal"),
            models.CheckConstraint(condition=~Q(kind="declared") | Q(declaration__isnull=False),
                                   name="charge_declared_has_declaration"),
            models.CheckConstraint(condition=(Q(employer__isnull=False, person__isnull=True)
                                              | Q(employer__isnull=True, person__isnull=False)),
                                   name="charge_one_payer"),
            # A person pays only their own months (and the late fees of them); an employer never those.
            models.CheckConstraint(condition=Q(person__isnull=True) | Q(kind__in=["self_paid", "late_fee",
                                                                                    "self_paid_reversal"]),
                                   name="charge_person_kinds"),
            models.CheckConstraint(condition=~Q(kind="self_paid") | Q(person__isnull=False),
                                   name="charge_self_paid_by_person"),
        ]
        triggers = [pgtrigger.Protect(name="charges_are_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        payer = self.employer_id if self.employer_id is not None else f"P{self.person_id}"
        return f"{payer} {self.period:%Y-%m} {self.get_kind_display()} {self.amount}"


class Clamp(models.TextChoices):
    NONE = "", _("within the bounds")
    FLOOR = "floor", _("raised to the floor")
    CEILING = "ceiling", _("lowered to the ceiling")


class ContributionLine(models.Model):
    """One person, month and declaration: the base and the seven amounts.

    Insert-only, in a table partitioned by range of `period` (migration 0001: the database's
    primary key is (period, id); Django addresses rows by `id`, which an identity column keeps
    unique). A correction's line holds the differences (wage, base and amounts; `clamp` is the
    state of the new figure), so the sum of a person's lines of a month is the current figure.
    `charge` is the charge whose amount these lines make up (null when the difference of the
    period was zero). Write lines only through `contributions.services.declarations` (COPY).
    """

    id = models.BigAutoField(primary_key=True)
    period = models.DateField(_("period"))
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="+", verbose_name=_("employer"))
    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("declaration"))
    charge = models.ForeignKey(Charge, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("charge"))
    wage = models.DecimalField(_("wage"), **LINE_MONEY)
    base = models.DecimalField(_("contribution base"), **LINE_MONEY)
    clamp = models.CharField(_("clamped"), max_length=7, choices=Clamp.choices, blank=True, default="")
    pension_employer = models.DecimalField(_("pension, employer"), **LINE_MONEY)
    pension_individual = models.DecimalField(_("pension, individual"), **LINE_MONEY)
    medical_employer = models.DecimalField(_("medical, employer"), **LINE_MONEY)
    medical_individual = models.DecimalField(_("medical, individual"), **LINE_MONEY)
    unemployment_employer = models.DecimalField(_("unemployment, employer"), **LINE_MONEY)
    unemployment_individual = models.DecimalField(_("unemployment, individual"), **LINE_MONEY)
    work_injury_employer = models.DecimalField(_("work injury, employer"), **LINE_MONEY)

    scope_paths = {"region": "employer__region_id", "employer": "employer_id", "person": "person_id"}

    class Meta:
        ordering = ["period", "id"]
        verbose_name = _("contribution line")
        verbose_name_plural = _("contribution lines")

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} person {self.person_id} base {self.base}"

    @property
    def employer_total(self) -> Decimal:
        return sum((getattr(self, c) for c in EMPLOYER_COLUMNS), Decimal("0"))

    @property
    def individual_total(self) -> Decimal:
        return sum((getattr(self, c) for c in INDIVIDUAL_COLUMNS), Decimal("0"))


class ContributionEvent(models.Model):
    """What happened to an employer's contribution record (append-only): who, when, what, with details.

    h11b appends its kinds (payments, assessments); see contributions/events.py for the writer.
    """

    kind = models.CharField(_("kind"), max_length=40)  # contributions.events.EventKind
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("employer"))
    period = models.DateField(_("period"), null=True, blank=True)
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="events")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_paths = {"region": "employer__region_id", "employer": "employer_id"}

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("contribution event")
        verbose_name_plural = _("contribution events")
        indexes = [models.Index(fields=["employer", "-id"], name="contrib_event_employer")]
        triggers = [pgtrigger.Protect(name="contribution_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.kind} {self.employer_id} {self.recorded_at:%Y-%m-%d}"


class SelfPaidMonth(models.Model):
    """A month a person who insures themselves (Art. 10, issue 28) is charged for: the base they chose
    and what it makes at their region's flexible rate; `pension_individual` is the part credited to the
    individual account when `charge` is settled (accounts/credits.py), the rest goes to the pooled fund.
    Written by the `flexible` app's monthly run, at most once per person and month (a unique constraint);
    never updated or deleted. Like a determined month (Art. 58) it is one of the person's months
    (contributions.sql.person_month_rows), shown as "flexible"."""

    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="self_paid_months",
                               verbose_name=_("person"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    period = models.DateField(_("period"))
    base = models.DecimalField(_("contribution base"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)
    pension_individual = models.DecimalField(_("credited to the individual account"), **MONEY)
    charge = models.OneToOneField(Charge, on_delete=models.PROTECT, related_name="self_paid_month",
                                  verbose_name=_("charge"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["person", "period"]
        verbose_name = _("flexible worker's month")
        verbose_name_plural = _("flexible workers' months")
        constraints = [
            models.UniqueConstraint(fields=["person", "period"], name="self_paid_month_once"),
            models.CheckConstraint(condition=Q(period__day=1), name="self_paid_month_first_day"),
            models.CheckConstraint(condition=Q(base__gt=0, amount__gt=0, pension_individual__gte=0)
                                   & Q(pension_individual__lte=models.F("amount")),
                                   name="self_paid_month_amounts"),
        ]
        triggers = [pgtrigger.Protect(name="self_paid_months_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"P{self.person_id} {self.period:%Y-%m}: {self.base}"
