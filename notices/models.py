"""The monthly notice (Art. 60) and the alerts of every insured person (issue 28 items 4 and 5).

A person's notice preference says how they want to be told (none, e-mail, SMS). Each month's notice
is one row per person and month (`MonthlyNotice`, unique), generated set-based from the month's
contribution lines; each alert one row per person, kind, month and employer (`Alert`, unique). Both
are sent by the one outbox (common/outbox.py): `sending_at` is committed before a message is handed
to the mail server or SMS gateway and `sent_at` after, so the database knows what was sent and a
killed run never sends a row twice (a row left with `sending_at` and no `sent_at` is marked uncertain
and shown, never sent again by the job); a refused message is retried with backoff. `NoticeRun` keeps how far a month's generation got.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import Outbox

MONEY = dict(max_digits=14, decimal_places=2)


class NoticeChannel(models.TextChoices):
    NONE = "none", _("not sent (read online)")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")


class AlertKind(models.TextChoices):
    UNDECLARED = "undeclared", _("the employer has not declared the month")
    PROVISIONAL = "provisional", _("the month is charged provisionally (Art. 62)")
    UNPAID = "unpaid", _("the month is past due and unpaid")


class NoticePreference(models.Model):
    """How a person wants their monthly notice and alerts (set by the person; none without a row)."""

    person = models.OneToOneField("insured.InsuredPerson", on_delete=models.PROTECT, related_name="notice_preference",
                                  verbose_name=_("person"))
    channel = models.CharField(_("channel"), max_length=10, choices=NoticeChannel.choices,
                               default=NoticeChannel.NONE)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_paths = {"region": "person__region_id", "person": "person_id"}

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")

    def __str__(self) -> str:
        return f"{self.person_id}: {self.channel}"


class Delivered(Outbox):
    """What a notice or an alert keeps about its sending: the channel chosen when it was generated, and
    the one outbox's fields (common.models.Outbox: claimed, sent, retried, failed, uncertain)."""

    channel = models.CharField(_("channel"), max_length=10, choices=NoticeChannel.choices)
    created_at = models.DateTimeField(_("generated at"))

    class Meta:
        abstract = True


class MonthlyNotice(Delivered):
    """A person's notice of a month (Art. 60): the month's figures net of corrections, summed over
    their employers, and whether every charge behind them was settled when it was generated."""

    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    month = models.DateField(_("month"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    employers = models.PositiveSmallIntegerField(_("employers"))
    base = models.DecimalField(_("contribution base"), **MONEY)
    employer_total = models.DecimalField(_("employer's part"), **MONEY)
    individual_total = models.DecimalField(_("individual part"), **MONEY)
    paid = models.BooleanField(_("paid"))

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-month", "person_id"]
        verbose_name = _("monthly notice")
        verbose_name_plural = _("monthly notices")
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="monthly_notice_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_notice_month_first_day"),
        ]
        indexes = [models.Index(fields=["month", "id"], condition=Q(sent_at__isnull=True, sending_at__isnull=True)
                                & ~Q(channel="none"), name="monthly_notice_to_send")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m}"


class Alert(Delivered):
    """A person told that a month of theirs is not in order: not declared by their employer after its
    declaration day, charged provisionally (Art. 62), or past due and unpaid."""

    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    month = models.DateField(_("month"))
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("employer"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-month", "id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "month", "employer"], name="alert_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="alert_month_first_day"),
        ]
        indexes = [models.Index(fields=["id"], condition=Q(sent_at__isnull=True, sending_at__isnull=True)
                                & ~Q(channel="none"), name="alert_to_send")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.month:%Y-%m}"


class NoticeRun(models.Model):
    """How far the generation of a month's notices got: persons below `next_person_id` are done."""

    month = models.DateField(_("month"), unique=True)
    next_person_id = models.BigIntegerField(_("next person id"), default=0)
    generated = models.PositiveIntegerField(_("notices generated"), default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_paths = {"all": True}

    class Meta:
        ordering = ["-month"]
        verbose_name = _("notice run")
        verbose_name_plural = _("notice runs")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class NoticeEventKind(models.TextChoices):
    PREFERENCE_CHANGED = "preference_changed", _("notice preference changed")
    LOOK_INTO_ASKED = "look_into_asked", _("asked the agency to look into an alert")


class NoticeEvent(models.Model):
    """What a person did with their notices (append-only; written by notices/events.py only)."""

    kind = models.CharField(_("kind"), max_length=30, choices=NoticeEventKind.choices)
    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    actor = models.CharField(_("actor"), max_length=100)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("notice event")
        verbose_name_plural = _("notice events")
        triggers = [pgtrigger.Protect(name="notice_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"
