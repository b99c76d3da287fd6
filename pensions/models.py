"""The pension's parameters as data, each value with its source and publication date (State Council
2005 No. 38), and the deemed years a clerk records on a person (视同缴费年限).

Rows are never edited: a new value is a new row with its own `effective_from`; the row in force on a
day is the latest one not after it (agency.models.EffectiveRowQuerySet). Clerks holding
`pensions.enter_pension_parameters` enter next year's values ahead of time (pensions/services/).
"""

from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agency.models import Document, EffectiveRowQuerySet, Region
from common.models import Outbox

MONEY = {"max_digits": 12, "decimal_places": 2}


class Provenance(models.Model):
    """Where a value comes from: the publication and the day it was published."""

    source = models.CharField(_("source"), max_length=300)
    published_on = models.DateField(_("published on"))
    effective_from = models.DateField(_("effective from"))
    entered_by = models.CharField(_("entered by"), max_length=100)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = EffectiveRowQuerySet.as_manager()

    class Meta:
        abstract = True


class BenefitParameter(Provenance):
    """A region's figures for pensions starting in `year`: the benefit base (计发基数, the previous
    year's average monthly wage as published) and the transitional coefficient in percent."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1998), MaxValueValidator(2200)])
    benefit_base = models.DecimalField(_("benefit base (monthly)"), **MONEY)
    transitional_percent = models.DecimalField(_("transitional coefficient %"), max_digits=4, decimal_places=2,
                                               null=True, blank=True)

    effective_key = ("region_id", "year")
    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["region__code", "-year", "-effective_from"]
        verbose_name = _("benefit base")
        verbose_name_plural = _("benefit bases")
        permissions = [("enter_pension_parameters", "Can enter pension parameters ahead of time")]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "effective_from"], name="benefit_one_row_per_day"),
            models.CheckConstraint(condition=Q(benefit_base__gt=0), name="benefit_base_positive"),
            models.CheckConstraint(condition=Q(transitional_percent__isnull=True)
                                   | Q(transitional_percent__gte=Decimal("1.0"), transitional_percent__lte=Decimal("1.4")),
                                   name="benefit_transitional_1_to_1_4"),
        ]
        triggers = [pgtrigger.Protect(name="benefit_parameters_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.region.code} {self.year}: {self.benefit_base}"


class LocalSupplement(Provenance):
    """A named local supplement (地方性补贴) paid monthly with pensions starting in `year`. A row with
    amount 0 ends a supplement from its effective date."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1998), MaxValueValidator(2200)])
    name = models.CharField(_("name"), max_length=100)
    monthly_amount = models.DecimalField(_("monthly amount"), **MONEY)

    effective_key = ("region_id", "year", "name")
    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["region__code", "-year", "name", "-effective_from"]
        verbose_name = _("local supplement")
        verbose_name_plural = _("local supplements")
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "name", "effective_from"],
                                    name="supplement_one_row_per_day"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="supplement_not_negative"),
        ]
        triggers = [pgtrigger.Protect(name="supplements_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.region.code} {self.year} {self.name}: {self.monthly_amount}"


class Divisor(Provenance):
    """The national months divisor (计发月数) of the individual-account part, by whole retirement age."""

    age = models.PositiveSmallIntegerField(_("age"), validators=[MinValueValidator(40), MaxValueValidator(70)])
    months = models.PositiveSmallIntegerField(_("months divisor"))

    effective_key = ("age",)

    class Meta:
        ordering = ["age", "-effective_from"]
        verbose_name = _("months divisor")
        verbose_name_plural = _("months divisors")
        constraints = [models.UniqueConstraint(fields=["age", "effective_from"], name="divisor_one_row_per_day"),
                       models.CheckConstraint(condition=Q(months__gt=0), name="divisor_positive")]
        triggers = [pgtrigger.Protect(name="divisors_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.age}: {self.months}"


class AgeMonthsRule(models.TextChoices):
    NONE = "none", _("no rule: the divisor of an age with months is not set")
    LOWER = "lower", _("the lower whole age")
    LINEAR = "linear", _("linear interpolation between the whole ages")


class DivisorRounding(models.TextChoices):
    WHOLE_MONTH = "month", _("to the whole month, half up")
    TWO_DECIMALS = "cent", _("to two decimals, half up")


class AgeMonthsPolicy(Provenance):
    """A region's rule for the divisor of a retirement age with months (60 years 2 months)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    rule = models.CharField(_("rule"), max_length=10, choices=AgeMonthsRule.choices)
    rounding = models.CharField(_("rounding"), max_length=10, choices=DivisorRounding.choices, blank=True)

    effective_key = ("region_id",)
    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["region__code", "-effective_from"]
        verbose_name = _("divisor rule for ages with months")
        verbose_name_plural = _("divisor rules for ages with months")
        constraints = [
            models.UniqueConstraint(fields=["region", "effective_from"], name="age_policy_one_row_per_day"),
            models.CheckConstraint(condition=~Q(rule="linear") | ~Q(rounding=""), name="age_policy_linear_rounds"),
        ]
        triggers = [pgtrigger.Protect(name="age_policies_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.region.code}: {self.get_rule_display()}"


class DeterminationTerms(models.Model):
    """A region's terms of the determination at retirement (待遇核定): how long the clock runs from the
    first day of the month before the retirement month (the daily job opens it then). A region without a
    row has the defaults (45 calendar days: to mid-month of the retirement month)."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="determination_terms",
                                  verbose_name=_("region"))
    determination_days = models.PositiveSmallIntegerField(
        _("determination at retirement: days to decide"), default=45,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Counted from the first day of the month before the retirement month."))
    in_working_days = models.BooleanField(_("determination days are working days"), default=False)

    scope_paths = {"region": "region_id"}

    class Meta:
        verbose_name = _("determination terms")
        verbose_name_plural = _("determination terms")

    def __str__(self) -> str:
        return str(self.region)


class DeemedService(models.Model):
    """Years deemed paid before individual accounts existed (视同缴费年限), recorded by a clerk from a
    voucher (the personnel file's finding). A later record replaces an earlier one; none is changed."""

    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="deemed_services",
                               verbose_name=_("person"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    months = models.PositiveSmallIntegerField(_("deemed months"), validators=[MaxValueValidator(600)])
    voucher = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("voucher"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=100)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("deemed years")
        verbose_name_plural = _("deemed years")
        triggers = [pgtrigger.Protect(name="deemed_services_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.months}"


class PaidYear(models.Model):
    """A person's paid months of one calendar year per region with their summed bases, as the estimate
    reads them (issue 27 benchmarks): derived from the ledger by pensions.paid_years, one row per person
    and year, so that an estimate reads one row a year instead of every line and credit of the year.

    Not a record but a summary of records: the statement run writes the year it generates (and, the first
    time, every earlier year), the reissue sweep rewrites a year whose ledger changed after its row was
    computed (a late declaration of an old year). The rows of a person cover every year up to their latest
    row; a year without a row below it had no paid month."""

    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("person"))
    year = models.PositiveSmallIntegerField(_("year"))
    # [[region id, months, "summed bases"], ...] ordered by region id; [] for a year without a paid month
    regions = models.JSONField(_("months per region"), default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("paid year")
        verbose_name_plural = _("paid years")
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="pensions_paidyear_person_year")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.year}"


class PensionEventKind(models.TextChoices):
    PARAMETER_ENTERED = "parameter", _("benefit base entered")
    SUPPLEMENT_ENTERED = "supplement", _("local supplement entered")
    POLICY_ENTERED = "policy", _("divisor rule entered")
    DEEMED_RECORDED = "deemed", _("deemed years recorded")
    DETERMINATION_PROPOSED = "proposed", _("determination proposed")
    DETERMINATION_APPROVED = "approved", _("determination approved")
    REDETERMINED = "redetermined", _("redetermined on the published benefit base")
    LETTER_SENT = "letter", _("decision letter sent")


class PensionEvent(models.Model):
    """What happened to the pension's data: written only by pensions/events.py."""

    kind = models.CharField(_("kind"), max_length=12, choices=PensionEventKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    person = models.ForeignKey("insured.InsuredPerson", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("person"))
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("acting user"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("pension event")
        verbose_name_plural = _("pension events")
        triggers = [pgtrigger.Protect(name="pension_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.recorded_at):%Y-%m-%d %H:%M}"


class DeterminationKind(models.TextChoices):
    INITIAL = "initial", _("determination at retirement")
    REDETERMINATION = "redetermination", _("redetermination on the published benefit base")


class DeterminationState(models.TextChoices):
    PROPOSED = "proposed", _("proposed, awaiting a second clerk")
    APPROVED = "approved", _("approved")


class Determination(models.Model):
    """The pension determined at retirement (待遇核定): each part with its inputs, proposed by one clerk and
    approved by another. Never rewritten: a redetermination on the benefit base published after the person
    retired is a new row pointing at the one it corrects (`previous`), with the difference owed."""

    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="pension_determinations",
                               verbose_name=_("person"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=20, choices=DeterminationKind.choices,
                            default=DeterminationKind.INITIAL)
    state = models.CharField(_("state"), max_length=12, choices=DeterminationState.choices,
                             default=DeterminationState.PROPOSED)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
                                 verbose_name=_("corrects"))
    retirement_month = models.DateField(_("retirement month"))
    age_years = models.PositiveSmallIntegerField(_("age (years)"))
    age_months = models.PositiveSmallIntegerField(_("age (months)"))
    # The inputs of the formula (pensions.formula), kept so that a redetermination changes only the base.
    benefit = models.ForeignKey(BenefitParameter, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("benefit base used"))
    provisional = models.BooleanField(_("provisional base"), default=False,
                                      help_text=_("The retirement year's benefit base was not published: the latest "
                                                  "earlier one was used, and the published one redetermines it."))
    months_paid = models.PositiveIntegerField(_("months paid"))
    months_deemed = models.PositiveIntegerField(_("deemed months"))
    index = models.DecimalField(_("average contribution index"), max_digits=8, decimal_places=4)
    balance = models.DecimalField(_("account balance at retirement"), **MONEY)
    divisor = models.DecimalField(_("months divisor"), max_digits=6, decimal_places=2)
    transitional_percent = models.DecimalField(_("transitional coefficient %"), max_digits=4, decimal_places=2,
                                               null=True, blank=True)
    supplements = models.DecimalField(_("local supplements"), **MONEY)
    parts = models.JSONField(_("parts"), default=list)
    total = models.DecimalField(_("monthly pension"), **MONEY)
    # A redetermination: the monthly difference and what is owed for the months already paid.
    difference = models.DecimalField(_("monthly difference"), null=True, blank=True, **MONEY)
    months_owed = models.PositiveSmallIntegerField(_("months owed"), null=True, blank=True)
    amount_owed = models.DecimalField(_("amount owed"), null=True, blank=True, **MONEY)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("proposed by"))
    proposed_by_label = models.CharField(_("proposed by"), max_length=100)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=pgettext_lazy("determination", "approved by"))
    # The approval is the determination (核定); the proposal is not (提出).
    approved_at = models.DateTimeField(pgettext_lazy("determination", "approved at"), null=True, blank=True)
    letter_channel = models.CharField(_("letter sent by"), max_length=10, blank=True)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("pension determination")
        verbose_name_plural = _("pension determinations")
        permissions = [("approve_determination", "Can approve a pension determination (second clerk)")]
        constraints = [
            # Decided once: one determination at retirement per person, one redetermination per base row.
            models.UniqueConstraint(fields=["person"], condition=Q(kind="initial"), name="determination_once"),
            models.UniqueConstraint(fields=["previous", "benefit"], condition=Q(kind="redetermination"),
                                    name="redetermination_once_per_base"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("proposed_by")),
                                   name="determination_four_eyes"),
            models.CheckConstraint(condition=Q(kind="initial") | Q(previous__isnull=False),
                                   name="redetermination_has_previous"),
        ]
        triggers = [pgtrigger.Protect(name="determinations_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.person.name} {self.retirement_month:%Y-%m}: {self.total}"


class DeterminationLetter(Outbox):
    """The decision letter of a determination on its way to the person by e-mail or post: a row of the one
    outbox (common/outbox.py), written with the approval (or the redetermination) and sent after the
    commit; the event `letter` is written when it was sent, once. A person who reads online gets no row
    (the letter is at GET /api/v1/me/pension-determination/pdf from the approval on)."""

    determination = models.OneToOneField(Determination, on_delete=models.PROTECT, related_name="letter",
                                         verbose_name=_("determination"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    channel = models.CharField(_("channel"), max_length=10)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("pension decision letter")
        verbose_name_plural = _("pension decision letters")
        indexes = [models.Index(fields=["id"], condition=Q(sent_at__isnull=True, sending_at__isnull=True),
                                name="determination_letter_to_send")]

    def __str__(self) -> str:
        return f"{self.determination_id} {self.channel}: {self.outbox_state}"
