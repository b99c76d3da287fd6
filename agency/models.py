"""Regions, offices, clerks, policy tables and the holiday calendar."""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agency.vocabulary import deadline_rule_choices, document_kind_choices
from common.display import date_text, message_render


def history() -> tuple:
    """Fresh trackers for one model (a tracker binds to the first model it tracks)."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


@pghistory.track(*history())
class Region(models.Model):
    """A pooling region (统筹区), identified by its 6-digit division code. The local choices the law
    leaves open to it are each app's own terms, one row per region (employers.RegistrationTerms,
    insured.StaffingTerms, transfers.SuspensionTerms, refunds.RefundTerms, ...), shown on its page."""

    code = models.CharField(_("division code"), max_length=6, unique=True,
                            validators=[RegexValidator(r"^\d{6}$", _("A division code is 6 digits."))])
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=50)
    # Regions with the same pooling area pool their funds together: a transfer between them moves records only.
    pooling_area = models.CharField(_("pooling area"), max_length=20, blank=True,
                                    help_text=_("Regions with the same pooling area share one fund."))
    # Another agency's system (a region this system does not run): transfers with it exchange documents.
    external = models.BooleanField(_("outside this system"), default=False,
                                   help_text=_("Another agency's system: transfer steps on its side are "
                                               "documents exchanged and recorded by a clerk."))

    scope_paths = {"region": "id"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("pooling region")
        verbose_name_plural = _("pooling regions")
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^\d{6}$"), name="region_code_6_digits")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@pghistory.track(*history())
class Province(models.Model):
    """A province's pooling setting: with provincial pooling, a transfer between two of its regions moves
    only the records (no funds)."""

    name = models.CharField(_("province"), max_length=50, unique=True)
    provincial_pooling = models.BooleanField(_("provincial pooling"), default=False)

    scope_paths = {"all": True}

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


@pghistory.track(*history())
class Office(models.Model):
    """An agency office; it serves exactly one pooling region."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="offices", verbose_name=_("region"))
    address = models.CharField(_("address"), max_length=200, blank=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name


@pghistory.track(*history())
class ClerkProfile(models.Model):
    """Ties a staff user to the office whose region they may see."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clerk_profile",
                                verbose_name=_("user"))
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="clerks", verbose_name=_("office"))

    scope_paths = {"region": "office__region_id"}

    class Meta:
        verbose_name = _("clerk profile")
        verbose_name_plural = _("clerk profiles")

    def __str__(self) -> str:
        return f"{self.user} @ {self.office}"  # a user shows by name (common.apps)


class InsuranceType(models.TextChoices):
    PENSION = "pension", _("basic pension")
    MEDICAL = "medical", _("basic medical (incl. maternity)")
    UNEMPLOYMENT = "unemployment", _("unemployment")
    WORK_INJURY = "work_injury", _("work injury")


PERCENT = dict(max_digits=7, decimal_places=4)


class EffectiveRowQuerySet(models.QuerySet):
    def effective_on(self, day):
        """Rows in force on `day`: per key, the latest effective_from not after it."""
        return self.filter(effective_from__lte=day).order_by(*self.model.effective_key, "-effective_from",
                                                             "-id").distinct(*self.model.effective_key)


@pghistory.track(*history())
class ContributionRate(models.Model):
    """A rate in percent of the base. Rows are never edited: a change is a new row.

    region empty = the national default used where a region has no row of its own.
    risk_class is set only for work injury (industry risk classes 1-8).
    """

    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="rates",
                               verbose_name=_("region"))
    insurance_type = models.CharField(_("insurance type"), max_length=20, choices=InsuranceType.choices)
    risk_class = models.PositiveSmallIntegerField(_("risk class"), null=True, blank=True,
                                                  validators=[MinValueValidator(1), MaxValueValidator(8)])
    employer_percent = models.DecimalField(_("employer %"), **PERCENT)
    individual_percent = models.DecimalField(_("individual %"), **PERCENT)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    effective_key = ("region_id", "insurance_type", "risk_class")
    scope_paths = {"region": "region_id", "region_nullable": True}
    objects = EffectiveRowQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "insurance_type", "risk_class", "-effective_from"]
        verbose_name = _("contribution rate")
        verbose_name_plural = _("contribution rates")
        constraints = [
            models.UniqueConstraint(fields=["region", "insurance_type", "risk_class", "effective_from"],
                                    nulls_distinct=False, name="rate_one_row_per_day"),
            models.CheckConstraint(
                condition=(Q(insurance_type="work_injury", risk_class__isnull=False)
                           | (~Q(insurance_type="work_injury") & Q(risk_class__isnull=True))),
                name="rate_risk_class_only_for_work_injury"),
            models.CheckConstraint(condition=Q(employer_percent__gte=0, employer_percent__lte=100,
                                               individual_percent__gte=0, individual_percent__lte=100),
                                   name="rate_percent_range"),
        ]

    def __str__(self) -> str:
        where = self.region.code if self.region_id else _("national")
        return f"{where} {self.get_insurance_type_display()} {self.employer_percent}/{self.individual_percent}%"


@pghistory.track(*history())
class AverageWage(models.Model):
    """A region's average monthly wage for a year, with the base floor and ceiling."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="average_wages",
                               verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("year"))
    monthly_wage = models.DecimalField(_("average monthly wage"), max_digits=12, decimal_places=2)
    floor_percent = models.DecimalField(_("base floor %"), max_digits=6, decimal_places=2, default=Decimal("60"))
    ceiling_percent = models.DecimalField(_("base ceiling %"), max_digits=6, decimal_places=2,
                                          default=Decimal("300"))
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    effective_key = ("region_id", "year")
    scope_paths = {"region": "region_id"}
    objects = EffectiveRowQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "-year", "-effective_from"]
        verbose_name = _("average wage")
        verbose_name_plural = _("average wages")
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "effective_from"], name="wage_one_row_per_day"),
            models.CheckConstraint(condition=Q(monthly_wage__gt=0), name="wage_positive"),
            models.CheckConstraint(condition=Q(floor_percent__gt=0, ceiling_percent__gte=models.F("floor_percent")),
                                   name="wage_floor_below_ceiling"),
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.year}: {self.monthly_wage}"

    @property
    def base_floor(self) -> Decimal:
        return (self.monthly_wage * self.floor_percent / 100).quantize(Decimal("0.01"))

    @property
    def base_ceiling(self) -> Decimal:
        return (self.monthly_wage * self.ceiling_percent / 100).quantize(Decimal("0.01"))


@pghistory.track(*history())
class InterestRate(models.Model):
    """The published bookkeeping interest rate (记账利率) for a year, in percent."""

    year = models.PositiveSmallIntegerField(_("year"))
    percent = models.DecimalField(_("rate %"), **PERCENT)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    effective_key = ("year",)
    scope_paths = {"all": True}
    objects = EffectiveRowQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-effective_from"]
        verbose_name = _("bookkeeping interest rate")
        verbose_name_plural = _("bookkeeping interest rates")
        constraints = [models.UniqueConstraint(fields=["year", "effective_from"], name="interest_one_row_per_day")]

    def __str__(self) -> str:
        return f"{self.year}: {self.percent}%"


@pghistory.track(*history())
class CalendarYear(models.Model):
    """A year whose holidays and make-up working days are complete in the table."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    scope_paths = {"all": True}

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("statutory holiday (no work)")
    WORKDAY = "workday", _("make-up working day (调休)")


@pghistory.track(*history())
class CalendarDay(models.Model):
    """An exception to the Monday-Friday week: a holiday, or a weekend working day."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    scope_paths = {"all": True}

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{date_text(self.date)} {self.get_kind_display()} {self.name}"


class DocumentKind(models.TextChoices):
    """The kinds of voucher every app may receive; each app registers its own kinds besides these
    (agency.vocabulary.document_kinds_register), and `Document.kind` takes its choices from all of them."""

    APPLICATION_FORM = "application_form", _("application form")
    OTHER = "other", _("other")


def _voucher_path(instance, filename: str) -> str:
    # Content-addressed: a voucher's path names its hash, so a file is never replaced in place.
    return f"vouchers/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class Document(models.Model):
    """An original voucher (凭证, Art. 74): kept as received, never altered or deleted."""

    file = models.FileField(_("file"), upload_to=_voucher_path, max_length=300)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    kind = models.CharField(_("kind"), max_length=40, choices=document_kind_choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    uploaded_by = models.CharField(_("uploaded by"), max_length=100)  # Viewer.label(): user:12 / client:abc
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("voucher document")
        verbose_name_plural = _("voucher documents")
        triggers = [pgtrigger.Protect(name="documents_are_immutable", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class DeadlineState(models.TextChoices):
    OPEN = "open", _("open")
    MET = "met", _("met")
    MISSED = "missed", _("missed")
    CANCELLED = "cancelled", _("cancelled")


class Deadline(models.Model):
    """A statutory clock on a reviewable item. `missed` is marked by the daily sweep, or when the
    item is decided after its due date before the sweep saw it; a missed item decided later stays
    missed (the record of lateness is kept) and gets closed_at."""

    rule = models.CharField(_("rule"), max_length=40, choices=deadline_rule_choices)  # registered by the apps
    subject_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("kind of item"))
    subject_id = models.PositiveBigIntegerField(_("item number"))
    # What the clerk searches by (names and codes, the same in every language) ...
    subject_label = models.CharField(_("item"), max_length=200)
    # ... and what the clerk reads: a message template with its parameters, rendered in the
    # reader's language (common.display.message_render); NULL only on rows older than it.
    subject_text_data = models.JSONField(_("item description"), null=True, blank=True, editable=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="deadlines",
                               verbose_name=_("region"))
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="deadlines",
                               verbose_name=_("office"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="deadlines", verbose_name=_("assignee"))
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))
    working_days = models.BooleanField(_("counted in working days"))
    days = models.PositiveSmallIntegerField(_("days allowed"))
    state = models.CharField(_("state"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    missed_at = models.DateTimeField(_("marked missed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("review queue (deadlines)")
        indexes = [
            # The sweep reads open items only: its cost follows them, not every item ever.
            models.Index(fields=["due_on"], condition=Q(state="open"), name="deadline_open_due"),
            models.Index(fields=["subject_type", "subject_id"], name="deadline_subject"),
            models.Index(fields=["office", "state", "due_on"], name="deadline_office_queue"),
            # The workbench (agency/workbench.py) counts and lists undecided items (open, or missed
            # and still waiting) per region and rule, and per assignee: only those rows are indexed.
            models.Index(fields=["region", "rule", "due_on", "assignee"], condition=Q(closed_at__isnull=True),
                         name="deadline_undecided"),
            models.Index(fields=["assignee", "due_on"], condition=Q(closed_at__isnull=True),
                         name="deadline_undecided_assignee"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "rule"], condition=Q(state="open"),
                                    name="deadline_one_open_per_subject_rule"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("starts_on")), name="deadline_due_after_start"),
        ]

    def __str__(self) -> str:
        return _("%(rule)s: %(item)s (due %(date)s)") % {
            "rule": self.get_rule_display(), "item": self.subject_text, "date": date_text(self.due_on)}

    @property
    def subject_text(self) -> str:
        return message_render(self.subject_text_data, fallback=self.subject_label)


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", _("reminder")
    ESCALATION = "escalation", _("escalation")


class DeadlineNotice(models.Model):
    """A notice sent about a deadline; unique per kind and recipient, so none is sent twice."""

    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, related_name="notices", verbose_name=_("deadline"))
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("recipient"))
    email = models.EmailField(_("e-mail"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "deadline__region_id"}

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deadline notice")
        verbose_name_plural = _("deadline notices")
        constraints = [models.UniqueConstraint(fields=["deadline", "kind", "recipient"], name="notice_once")]
        indexes = [models.Index(fields=["recipient", "kind", "-created_at"], name="notice_recipient_recent")]

    def __str__(self):
        return _("%(kind)s to %(email)s about item %(id)s") % {
            "kind": self.get_kind_display(), "email": self.email, "id": self.deadline_id}


class LoginChannel(models.TextChoices):
    ADMIN = "admin", _("clerks' admin")
    PERSON = "person", _("person's login")
    ACTIVATION = "activation", _("person's activation")
    OAUTH = "oauth", _("portal token endpoint")


class LoginThrottle(models.Model):
    """Failed logins of one account or one address, and its lock-out (agency.login_guard).

    One row per key: "account:<username or client:id>" or "address:<ip>". A supervisor lifts an
    account's lock-out in the admin; every failure, lock-out and lift is also a SecurityEvent.
    """

    key = models.CharField(_("account or address"), max_length=200, unique=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    failures = models.PositiveIntegerField(_("failures in the window"), default=0)
    window_started_at = models.DateTimeField(_("window started at"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True,
                                        help_text=_("Empty while locked: until a supervisor lifts it."))

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["-locked_at", "-last_failure_at"]
        verbose_name = _("login lock-out")
        verbose_name_plural = _("login lock-outs")
        permissions = [("lift_loginthrottle", _("Can lift a login lock-out"))]
        indexes = [models.Index(fields=["locked_at"], condition=Q(locked_at__isnull=False), name="throttle_locked")]

    def __str__(self) -> str:
        return self.key


class SecurityEventKind(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", _("login succeeded")
    LOGIN_FAILED = "login_failed", _("login failed")
    LOCKED_OUT = "locked_out", _("locked out")
    LOCKOUT_LIFTED = "lockout_lifted", _("lock-out lifted")
    LOGIN_REFUSED = "login_refused", _("login refused while locked out")
    ACTIVATION_ISSUED = "activation_issued", _("activation letter issued")
    ACTIVATION_USED = "activation_used", _("activation letter used")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("password reset requested")
    PASSWORD_RESET_DONE = "password_reset_done", _("password reset done")
    SESSION_TIMED_OUT = "session_timed_out", _("session timed out")
    PERSON_LOGIN_LINKED = "person_login_linked", _("login linked to a person")
    PERSON_LOGIN_UNLINKED = "person_login_unlinked", _("login unlinked from a person")
    CLIENT_ISSUED = "client_issued", _("employer API client issued")
    CLIENT_REVOKED = "client_revoked", _("employer API client revoked")
    DEADLINE_ASSIGNED = "deadline_assigned", _("item assigned")
    RECORDS_PURGED = "records_purged", _("audit records past their retention purged")


class SecurityEvent(models.Model):
    """The security audit trail (GB/T 22239 level 3): append-only, a trigger refuses update and delete."""

    kind = models.CharField(_("kind"), max_length=30, choices=SecurityEventKind.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=LoginChannel.choices, blank=True)
    account = models.CharField(_("account"), max_length=200, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    actor = models.CharField(_("acted by"), max_length=100, blank=True)  # Viewer.label() of a clerk who acted
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [models.Index(fields=["account", "at"], name="security_event_account")]
        triggers = [pgtrigger.Protect(name="security_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        from common.display import account_text

        return f"{self.get_kind_display()} {account_text(self.account)}"
