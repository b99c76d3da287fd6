"""Persons who insure themselves (Art. 10; issue 28): a region's terms for them, their enrolments,
the bases they chose, and what happened (events).

What they pay is not here: a flexible worker's month is a `contributions.Charge` whose payer is the
person (kind `self_paid`) with its `contributions.SelfPaidMonth`, paid through the collection feed and
allocated by the same rule as an employer's money (contributions.allocation, keyed by payer). This app
decides who may enrol, on which base, and which months are charged.
"""

from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agency.models import Region

MONEY = dict(max_digits=14, decimal_places=2)


def default_grades() -> list[str]:
    return []


class FlexibleTerms(models.Model):
    """A region's rules for flexible workers; a region without a row has the defaults (flexible.terms)."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="flexible_terms",
                                  verbose_name=_("region"))
    residence_required = models.BooleanField(
        _("household registration in the region required"), default=False,
        help_text=_("Only persons whose household registration is in this region may enrol."))
    backpay_months = models.PositiveSmallIntegerField(
        _("months of back-pay allowed at enrolment"), default=3, validators=[MaxValueValidator(60)])
    floor_percent = models.DecimalField(_("lowest base, % of the average wage"), max_digits=6, decimal_places=2,
                                        default=Decimal("60"))
    ceiling_percent = models.DecimalField(_("highest base, % of the average wage"), max_digits=6, decimal_places=2,
                                          default=Decimal("300"))
    # Allowed bases as percentages of the average wage ("60", "100", ...); empty: any base in the range,
    # and the planner shows the steps below.
    grades = models.JSONField(_("grades (% of the average wage)"), default=default_grades, blank=True)
    planner_step_percent = models.DecimalField(_("planner step, % of the average wage"), max_digits=6,
                                               decimal_places=2, default=Decimal("20"))
    rate = models.DecimalField(_("contribution rate"), max_digits=6, decimal_places=4, default=Decimal("0.2000"))
    account_rate = models.DecimalField(_("part credited to the individual account"), max_digits=6,
                                       decimal_places=4, default=Decimal("0.0800"))
    due_day = models.PositiveSmallIntegerField(_("due day of the month"), default=25,
                                               validators=[MinValueValidator(1), MaxValueValidator(28)])
    backpay_in_year_without_fee = models.BooleanField(
        _("back-payment within the year without a late fee"), default=True,
        help_text=_("A month paid by the end of its year bears no late fee; after that the fee runs from the "
                    "due day."))
    base_changes_per_year = models.PositiveSmallIntegerField(_("base changes per year"), default=1)

    scope_paths = {"region": "region_id"}

    class Meta:
        verbose_name = _("flexible workers' terms")
        verbose_name_plural = _("flexible workers' terms")
        constraints = [
            models.CheckConstraint(condition=Q(floor_percent__gt=0, ceiling_percent__gte=models.F("floor_percent")),
                                   name="flexible_terms_range"),
            models.CheckConstraint(condition=Q(rate__gt=0, rate__lt=1, account_rate__gte=0,
                                               account_rate__lte=models.F("rate")),
                                   name="flexible_terms_rates"),
            models.CheckConstraint(condition=Q(due_day__gte=1, due_day__lte=28), name="flexible_terms_due_day"),
        ]

    def __str__(self) -> str:
        return str(self.region)


class EnrolmentState(models.TextChoices):
    ACTIVE = "active", _("paying")
    SUSPENDED = "suspended", _("stopped by the person (account kept)")


class FlexibleEnrolment(models.Model):
    """A person's enrolment as a flexible worker in a region, from `start_month`. One open enrolment
    per person (a partial unique index: of two enrolments at once, one wins). Its state changes only
    through flexible.services (the ENROLMENT machine), under a row lock. Stopping keeps the account:
    months from `stopped_from` on are not charged."""

    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="flexible_enrolments",
                               verbose_name=_("person"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    start_month = models.DateField(_("first month"))
    state = models.CharField(_("state"), max_length=10, choices=EnrolmentState.choices,
                             default=EnrolmentState.ACTIVE)
    stopped_from = models.DateField(_("not charged from"), null=True, blank=True)
    # Months before it are charged already (the monthly run's progress: resumable, nothing twice).
    charged_through = models.DateField(_("charged through"), null=True, blank=True)
    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    actor = models.CharField(_("recorded by"), max_length=100)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("flexible worker's enrolment")
        verbose_name_plural = _("flexible workers' enrolments")
        constraints = [
            models.UniqueConstraint(fields=["person"], name="flexible_one_enrolment_per_person"),
            models.CheckConstraint(condition=Q(start_month__day=1), name="flexible_start_first_day"),
            models.CheckConstraint(condition=Q(stopped_from__isnull=True) | Q(stopped_from__day=1),
                                   name="flexible_stop_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.region.code}, {self.start_month:%Y-%m})"


class BaseChoice(models.Model):
    """A base the person chose, from a month on (append-only): the enrolment's first, then changes."""

    enrolment = models.ForeignKey(FlexibleEnrolment, on_delete=models.PROTECT, related_name="bases",
                                  verbose_name=_("enrolment"))
    base = models.DecimalField(_("contribution base"), **MONEY)
    from_month = models.DateField(_("from month"))
    is_change = models.BooleanField(_("a change of base"), default=False)
    created_at = models.DateTimeField(_("chosen at"), auto_now_add=True)
    actor = models.CharField(_("recorded by"), max_length=100)

    scope_paths = {"region": "enrolment__region_id", "person": "enrolment__person_id"}

    class Meta:
        ordering = ["enrolment", "from_month", "id"]
        verbose_name = _("chosen base")
        verbose_name_plural = _("chosen bases")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "from_month"], name="flexible_one_base_per_month"),
            models.CheckConstraint(condition=Q(base__gt=0), name="flexible_base_positive"),
            models.CheckConstraint(condition=Q(from_month__day=1), name="flexible_base_first_day"),
        ]
        triggers = [pgtrigger.Protect(name="flexible_bases_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.base} from {self.from_month:%Y-%m}"


class FlexibleEventKind(models.TextChoices):
    ENROLLED = "enrolled", _("enrolled")
    BASE_CHANGED = "base_changed", _("base changed")
    STOPPED = "stopped", _("stopped by the person")
    RESUMED = "resumed", _("resumed")
    MONTHS_CHARGED = "months_charged", _("months charged")
    ORDER_ISSUED = "order_issued", _("payment order issued")
    MONTHS_REVERSED = "months_reversed", _("months reversed: an employer's")


class FlexibleEvent(models.Model):
    """What happened to a flexible worker's enrolment (append-only); written by flexible/events.py only."""

    kind = models.CharField(_("kind"), max_length=20, choices=FlexibleEventKind.choices)
    enrolment = models.ForeignKey(FlexibleEnrolment, on_delete=models.PROTECT, related_name="events",
                                  verbose_name=_("enrolment"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_paths = {"region": "enrolment__region_id", "person": "enrolment__person_id"}

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("flexible worker's event")
        verbose_name_plural = _("flexible workers' events")
        triggers = [pgtrigger.Protect(name="flexible_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.enrolment_id}"
