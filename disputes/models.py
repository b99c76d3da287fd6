"""Disputes of a person's record and the clerks' corrections (Order No. 14 of 2011; Art. 74; issue 23).

A person (or a clerk at the counter for them, with a proxy's written authorisation) disputes a month,
an employer's month, an account entry or a statement year. A clerk of the person's region decides
under a review clock: confirmed as recorded (reasons, a letter in Chinese) or corrected (the
corrections made). A correction is a new row here that calls the lower apps' services for the actual
writes (a correcting account entry, a correction filing); nothing is ever updated in place.
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

MONEY = dict(max_digits=14, decimal_places=2)
ACCOUNT_TEXT_MAX = 4000
REASON_MAX = 2000


class SubjectKind(models.TextChoices):
    MONTH = "month", _("a month of my record")
    EMPLOYER_MONTH = "employer_month", _("an employer's month")
    ACCOUNT_ENTRY = "account_entry", _("an account entry")
    STATEMENT_YEAR = "statement_year", _("a statement year")


class DisputeState(models.TextChoices):
    FILED = "filed", _("filed: awaits review")
    UNDER_REVIEW = "under_review", _("under review")
    CONFIRMED = "confirmed", _("confirmed as recorded")
    CORRECTED = "corrected", _("corrected")
    WITHDRAWN = "withdrawn", _("withdrawn")


OPEN_STATES = (DisputeState.FILED, DisputeState.UNDER_REVIEW)


class DisputeDocumentKind(models.TextChoices):
    """The vouchers of a dispute (registered in DisputesConfig.ready())."""

    DISPUTE_EVIDENCE = "dispute_evidence", _("dispute: evidence (payslip, contract)")
    PROXY_AUTHORISATION = "proxy_authorisation", _("dispute: the proxy's written authorisation")
    DISPUTE_LETTER = "dispute_letter", _("dispute: the decision letter")


class Dispute(models.Model):
    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="disputes",
                               verbose_name=_("person"))
    # The person's region when filed: its clerks decide.
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    subject_kind = models.CharField(_("what is disputed"), max_length=20, choices=SubjectKind.choices)
    month = models.DateField(_("month"), null=True, blank=True)
    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("employer"))
    entry = models.ForeignKey("accounts.AccountEntry", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("account entry"), db_constraint=False)
    year = models.PositiveSmallIntegerField(_("statement year"), null=True, blank=True)
    account_text = models.TextField(_("the person's account"), max_length=ACCOUNT_TEXT_MAX)
    state = models.CharField(_("state"), max_length=12, choices=DisputeState.choices, default=DisputeState.FILED)
    filed_on = models.DateField(_("filed on"))
    filed_by = models.CharField(_("filed by"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10)
    proxy_name = models.CharField(_("proxy's name"), max_length=100, blank=True)
    proxy_document = models.CharField(_("proxy's document number"), max_length=30, blank=True)
    documents = models.ManyToManyField("agency.Document", blank=True, related_name="disputes",
                                       verbose_name=_("vouchers"))
    decision_reasons = models.TextField(_("reasons of the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    letter = models.ForeignKey("agency.Document", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("decision letter"))
    letter_number = models.CharField(_("letter number"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(condition=Q(month__isnull=True) | Q(month__day=1), name="dispute_month_first_day"),
            models.CheckConstraint(
                condition=(Q(subject_kind="month", month__isnull=False, employer__isnull=True, entry__isnull=True,
                             year__isnull=True)
                           | Q(subject_kind="employer_month", month__isnull=False, employer__isnull=False,
                               entry__isnull=True, year__isnull=True)
                           | Q(subject_kind="account_entry", entry__isnull=False, month__isnull=True,
                               employer__isnull=True, year__isnull=True)
                           | Q(subject_kind="statement_year", year__isnull=False, month__isnull=True,
                               employer__isnull=True, entry__isnull=True)),
                name="dispute_subject_complete"),
            models.CheckConstraint(condition=~Q(state="confirmed") | ~Q(decision_reasons=""),
                                   name="dispute_confirmed_has_reasons"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_subject_kind_display()} {self.subject_text()}"

    def subject_text(self) -> str:
        if self.subject_kind == SubjectKind.MONTH and self.month:
            return f"{self.month:%Y-%m}"
        if self.subject_kind == SubjectKind.EMPLOYER_MONTH and self.month:
            return f"{self.employer} {self.month:%Y-%m}"
        if self.subject_kind == SubjectKind.ACCOUNT_ENTRY:
            return f"#{self.entry_id}"
        return str(self.year or "")


class DisputeEventKind(models.TextChoices):
    FILED = "filed", _("filed")
    REVIEW_STARTED = "review_started", _("review started")
    CONFIRMED = "confirmed", _("confirmed as recorded")
    CORRECTED = "corrected", _("corrected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class DisputeEvent(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="events", verbose_name=_("dispute"))
    kind = models.CharField(_("kind"), max_length=16, choices=DisputeEventKind.choices)
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("acting user"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_paths = {"region": "dispute__region_id", "person": "dispute__person_id"}

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        triggers = [pgtrigger.Protect(name="dispute_events_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.recorded_at):%Y-%m-%d %H:%M}"


class CorrectionKind(models.TextChoices):
    ACCOUNT_ENTRY = "account_entry", _("account: a correcting entry")
    EMPLOYER_MONTH = "employer_month", _("employer's month: a correction filing (missing month or wrong base)")
    DETERMINATION = "determination", _("missing month: an Art. 58 determination confirmed")


class CorrectionState(models.TextChoices):
    PROPOSED = "proposed", _("proposed: awaits the second clerk")
    APPLIED = "applied", _("applied")
    REJECTED = "rejected", _("rejected")


class Correction(models.Model):
    """A clerk's correction, tied to a dispute or to a written reason. Applied at once when its amount
    is within the region's four-eyes amount and its period is not final; otherwise a second clerk
    (for a final period: a supervisor) approves it. The write itself is the lower app's service."""

    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="corrections",
                               verbose_name=_("person"))
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
                                verbose_name=_("dispute"))
    kind = models.CharField(_("what is corrected"), max_length=20, choices=CorrectionKind.choices)
    # account_entry: the amount of the correcting entry; employer_month: the corrected monthly wage.
    amount = models.DecimalField(_("amount"), **MONEY)
    wage = models.DecimalField(_("corrected wage"), null=True, blank=True, **MONEY)
    # The money the correction moves (the entry, or the difference in contributions): four eyes above the limit.
    effect = models.DecimalField(_("amount moved"), **MONEY)
    month = models.DateField(_("month"), null=True, blank=True)
    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("employer"))
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    state = models.CharField(_("state"), max_length=10, choices=CorrectionState.choices,
                             default=CorrectionState.PROPOSED)
    needs_second = models.BooleanField(_("needs a second clerk"), default=False)
    final_period = models.BooleanField(_("period is final (needs a supervisor)"), default=False)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    # What the lower app wrote: ("account_entry", id) or ("declaration", id).
    written_type = models.CharField(_("written"), max_length=20, blank=True)
    written_id = models.BigIntegerField(_("written id"), null=True, blank=True)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        permissions = [("approve_correction", _("Can approve a correction (second clerk)")),
                       ("approve_final_correction", _("Can approve a correction of a final period (supervisor)"))]
        constraints = [
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("proposed_by")),
                                   name="correction_four_eyes"),
            models.CheckConstraint(condition=Q(month__isnull=True) | Q(month__day=1),
                                   name="correction_month_first_day"),
            models.CheckConstraint(condition=~Q(kind="employer_month") | Q(month__isnull=False, employer__isnull=False,
                                                                            wage__isnull=False),
                                   name="correction_employer_month_complete"),
            models.CheckConstraint(condition=~Q(kind="determination") | Q(month__isnull=False,
                                                                           employer__isnull=False),
                                   name="correction_determination_complete"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.effect} ({self.get_state_display()})"


class CorrectionEventKind(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    APPLIED = "applied", _("applied")
    APPROVED = "approved", _("approved by the second clerk and applied")
    REJECTED = "rejected", _("rejected")


class CorrectionEvent(models.Model):
    correction = models.ForeignKey(Correction, on_delete=models.PROTECT, related_name="events",
                                   verbose_name=_("correction"))
    kind = models.CharField(_("kind"), max_length=12, choices=CorrectionEventKind.choices)
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("acting user"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_paths = {"region": "correction__region_id", "person": "correction__person_id"}

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("correction event")
        verbose_name_plural = _("correction events")
        triggers = [pgtrigger.Protect(name="correction_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.recorded_at):%Y-%m-%d %H:%M}"


class CorrectionAwaitingApproval(Correction):
    """The second clerks' list: corrections above the region's amount or of a final period."""

    class Meta:
        proxy = True
        verbose_name = _("correction awaiting approval")
        verbose_name_plural = _("corrections awaiting approval")


@pghistory.track(*history())
class DisputeTerms(models.Model):
    """A region's terms of disputes and corrections. A region without a row has the defaults."""

    region = models.OneToOneField("agency.Region", on_delete=models.CASCADE, related_name="dispute_terms",
                                  verbose_name=_("region"))
    review_days = models.PositiveSmallIntegerField(_("dispute: days to review"), default=15)
    filing_days = models.PositiveSmallIntegerField(_("correction filing: days the employer has to file"),
                                                   default=15)
    in_working_days = models.BooleanField(_("dispute terms in working days"), default=True)
    four_eyes_amount = models.DecimalField(_("correction: amount above which a second clerk approves"),
                                           default=500, **MONEY)
    finality_years = models.PositiveSmallIntegerField(_("correction: years after which a period is final"),
                                                      default=5)

    scope_paths = {"region": "region_id"}

    class Meta:
        verbose_name = _("dispute terms")
        verbose_name_plural = _("dispute terms")

    def __str__(self) -> str:
        return str(self.region)


class CorrectionRequestState(models.TextChoices):
    OPEN = "open", _("open: awaits the employer's correction filing")
    FILED = "filed", _("closed: the employer filed the correction")
    ESCALATED = "escalated", _("escalated: the deadline passed without a filing")
    WITHDRAWN = "withdrawn", _("withdrawn by the agency")


class CorrectionRequest(models.Model):
    """The agency asks an employer for a correction filing of one month (a person-month missing or
    wrong), tied to a dispute or to a written reason, with a deadline (DisputeRule.CORRECTION_FILING).
    Closed when the employer files that month again (a sequence above `sequence_at_request`); escalated
    by the daily sweep when the deadline passes, for a clerk to correct by an Art. 58 determination."""

    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("employer"))
    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="correction_requests",
                               verbose_name=_("person"))
    month = models.DateField(_("month"))
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="correction_requests", verbose_name=_("dispute"))
    reason = models.TextField(_("what the employer is asked to correct"), max_length=REASON_MAX)
    state = models.CharField(_("state"), max_length=10, choices=CorrectionRequestState.choices,
                             default=CorrectionRequestState.OPEN)
    requested_on = models.DateField(_("requested on"))
    due_on = models.DateField(_("file by"))
    # The month's last filing when asked: a filing with a higher sequence answers the request.
    sequence_at_request = models.PositiveIntegerField(_("filings of the month when asked"), default=0)
    declaration = models.ForeignKey("contributions.Declaration", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("correction filing"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("requested by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "employer": "employer_id"}

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("correction filing request")
        verbose_name_plural = _("correction filing requests")
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="correction_request_month_first_day"),
            models.UniqueConstraint(fields=["employer", "person", "month"], condition=Q(state="open"),
                                    name="correction_request_one_open"),
        ]
        indexes = [models.Index(fields=["due_on"], condition=Q(state="open"), name="correction_request_open_due")]

    def __str__(self) -> str:
        return f"{self.employer} {self.month:%Y-%m} {self.person}"


class CorrectionRequestEvent(models.Model):
    """What happened to a request: asked, filed, escalated, withdrawn (append-only, disputes/events.py)."""

    request = models.ForeignKey(CorrectionRequest, on_delete=models.PROTECT, related_name="events",
                                verbose_name=_("correction filing request"))
    kind = models.CharField(_("kind"), max_length=12, choices=CorrectionRequestState.choices + [
        ("requested", _("requested"))])
    actor = models.CharField(_("actor"), max_length=100)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("acting user"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    scope_paths = {"region": "request__region_id", "employer": "request__employer_id"}

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("correction filing request event")
        verbose_name_plural = _("correction filing request events")
        triggers = [pgtrigger.Protect(name="correction_request_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.recorded_at):%Y-%m-%d %H:%M}"
