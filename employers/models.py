"""Employers (用人单位) and the OAuth clients of their HR portals."""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agency.models import Region, history


class EmployerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise")
    GOVERNMENT = "government", _("government organ")
    PUBLIC_INSTITUTION = "public_institution", _("public institution")
    SOCIAL_ORGANISATION = "social_organisation", _("social organisation")
    INDIVIDUAL_BUSINESS = "individual_business", _("individual business")


class RegistrationStatus(models.TextChoices):
    UNREGISTERED = "unregistered", _("not registered")
    PENDING = "pending", _("application under review")
    REGISTERED = "registered", _("registered")
    CANCELLED = "cancelled", _("cancelled")


class EmployerDocumentKind(models.TextChoices):
    """The vouchers of an employer's registration (registered in EmployersConfig.ready())."""

    BUSINESS_LICENCE = "business_licence", _("business licence")
    REGISTRATION_CERTIFICATE = "registration_certificate", _("registration certificate")
    CANCELLATION_CERTIFICATE = "cancellation_certificate", _("cancellation certificate")


@pghistory.track(*history())
class Employer(models.Model):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    # A few real early codes fail the GB 32100 check; a clerk may accept one with a reason.
    uscc_override_reason = models.TextField(_("check character override reason"), blank=True)
    uscc_override_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("override recorded by"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=EmployerKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="employers",
                               verbose_name=_("region"))
    established_on = models.DateField(_("establishment date"))
    registration_status = models.CharField(_("registration status"), max_length=20,
                                           choices=RegistrationStatus.choices,
                                           default=RegistrationStatus.UNREGISTERED)
    registration_number = models.CharField(_("registration number"), max_length=30, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    risk_class = models.PositiveSmallIntegerField(_("work-injury risk class"), default=1)
    risk_float_percent = models.DecimalField(_("work-injury float %"), max_digits=5, decimal_places=1,
                                             default=Decimal("100"))
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "employer": "id"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        indexes = [models.Index(fields=["region", "registration_status"], name="employer_region_status")]
        constraints = [
            models.CheckConstraint(condition=Q(uscc__regex=r"^[0-9A-HJ-NP-RTUW-Y]{18}$"), name="employer_uscc_alphabet"),
            models.CheckConstraint(condition=Q(risk_class__gte=1, risk_class__lte=8), name="employer_risk_class_1_8"),
            models.CheckConstraint(condition=Q(risk_float_percent__gte=50, risk_float_percent__lte=150),
                                   name="employer_risk_float_50_150"),
            models.CheckConstraint(
                condition=~Q(registration_status="registered") | (~Q(registration_number="") & Q(registered_on__isnull=False)),
                name="employer_registered_has_number"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class PortalScopes(models.TextChoices):
    """What a portal client may take a token for: the clerk chooses when issuing it (issue 24)."""

    READ = "read", _("read only")
    READ_WRITE = "read write", _("read and write")


class EmployerClient(models.Model):
    """An OAuth2 client-credentials application issued to one employer's HR portal."""

    application = models.OneToOneField(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.PROTECT,
                                       related_name="employer_client", verbose_name=_("OAuth application"))
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="clients",
                                 verbose_name=_("employer"))
    label = models.CharField(_("label"), max_length=100, blank=True)
    # The most its tokens may hold: the token endpoint refuses a request for more (invalid_scope).
    scopes = models.CharField(_("scopes"), max_length=20, choices=PortalScopes.choices, default=PortalScopes.READ)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("revoked by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    scope_paths = {"region": "employer__region_id", "employer": "employer_id"}

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("portal API client")
        verbose_name_plural = _("portal API clients")

    def __str__(self) -> str:
        """An employer's portal client: "上海示例科技有限公司（人事系统）"."""
        if self.label:
            return gettext("%(employer)s (portal client %(label)s)") % {"employer": self.employer.name,
                                                                       "label": self.label}
        return gettext("%(employer)s (portal client)") % {"employer": self.employer.name}


class ApplicationKind(models.TextChoices):
    NEW = "new", _("new registration")
    CHANGE = "change", _("change of registration")
    CANCELLATION = "cancellation", _("cancellation of registration")


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted, under review")
    RETURNED = "returned", _("returned for correction")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


@pghistory.track(*history())
class RegistrationApplication(models.Model):
    """An employer's registration application (Art. 57): new, change or cancellation.

    The applicant's data is kept as filed (`data`); a correction after a return is a new
    submission recorded in the history (pghistory), never an edit without trace.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ApplicationKind.choices)
    state = models.CharField(_("state"), max_length=20, choices=ApplicationState.choices,
                             default=ApplicationState.SUBMITTED)
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="applications", verbose_name=_("employer"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    name = models.CharField(_("name"), max_length=200)
    data = models.JSONField(_("application data"), default=dict)
    event_date = models.DateField(_("date of establishment or change"))
    received_at = models.DateTimeField(_("received at"))
    late = models.BooleanField(_("filed more than 30 days after the event"), default=False)
    submissions = models.PositiveSmallIntegerField(_("submissions"), default=1)
    applicant = models.CharField(_("applicant"), max_length=100)
    tracking_token_hash = models.CharField(_("tracking token hash"), max_length=64, blank=True)
    documents = models.ManyToManyField("agency.Document", blank=True, related_name="registration_applications",
                                       verbose_name=_("vouchers"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "employer": "employer_id"}

    class Meta:
        ordering = ["received_at"]
        verbose_name = _("registration application")
        verbose_name_plural = _("registration applications")
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=Q(state__in=["submitted", "returned"]),
                                    name="application_one_open_per_uscc"),
            models.CheckConstraint(condition=Q(kind="new") | Q(employer__isnull=False),
                                   name="application_change_names_employer"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s: %(name)s (%(uscc)s)") % {"kind": self.get_kind_display(), "name": self.name,
                                                     "uscc": self.uscc}


class RegistrationEventKind(models.TextChoices):
    FILED = "filed", _("filed")
    RETURNED = "returned", _("returned for correction")
    RESUBMITTED = "resubmitted", _("resubmitted")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class RegistrationEvent(models.Model):
    """One step of a registration application: who, when, why, and its fields before and after.
    Append-only (a trigger refuses UPDATE and DELETE): every earlier decision stays readable."""

    application = models.ForeignKey(RegistrationApplication, on_delete=models.PROTECT, related_name="registration_events",
                                    verbose_name=_("registration application"))
    kind = models.CharField(_("kind"), max_length=20, choices=RegistrationEventKind.choices)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=100)  # Viewer.label(), or applicant:<USCC>
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("acting user"))
    reason = models.TextField(_("reason"), blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    scope_paths = {"region": "application__region_id", "employer": "application__employer_id"}

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")
        triggers = [pgtrigger.Protect(name="registration_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.application}"


@pghistory.track(*history())
class RegistrationTerms(models.Model):
    """A region's terms for reviewing registration applications (Art. 57: 15 days by statute, 15
    working days in some provinces). A region without a row has the defaults (employers.terms)."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="registration_terms",
                                  verbose_name=_("region"))
    review_days = models.PositiveSmallIntegerField(_("registration review days"), default=15)
    review_in_working_days = models.BooleanField(_("registration review in working days"), default=False)

    scope_paths = {"region": "region_id"}

    class Meta:
        verbose_name = _("registration terms")
        verbose_name_plural = _("registration terms")

    def __str__(self) -> str:
        return str(self.region)
