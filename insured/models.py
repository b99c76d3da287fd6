"""Insured persons (参保人) and the logins that let them read their own record."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agency.models import Region, history
from common.display import date_text


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("resident ID card")
    PASSPORT = "passport", _("passport")
    FOREIGN_PERMANENT = "foreign_permanent", _("foreign permanent residence ID")
    HMT_PERMIT = "hmt_permit", _("Hong Kong, Macao, Taiwan residence permit")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class HukouType(models.TextChoices):
    URBAN = "urban", _("urban")
    RURAL = "rural", _("rural")
    NONE = "none", _("none (foreign national)")


class OriginalRetirementAge(models.TextChoices):
    """The statutory retirement age before the 2024 decision: the category the new age follows from."""
    MEN_60 = "men_60", _("man (original age 60)")
    WOMEN_55 = "women_55", _("woman in a cadre post (original age 55)")
    WOMEN_50 = "women_50", _("woman in a worker post (original age 50)")


class StatementDelivery(models.TextChoices):
    POST = "post", _("post")
    EMAIL = "email", _("e-mail")
    ONLINE = "online", _("online")


class StaffDocumentKind(models.TextChoices):
    """The vouchers of the staff roll (registered in InsuredConfig.ready())."""

    LABOUR_CONTRACT = "labour_contract", _("labour contract")
    SEPARATION_CERTIFICATE = "separation_certificate", _("separation certificate")


@pghistory.track(*history())
class InsuredPerson(models.Model):
    document_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices,
                                     default=DocumentType.RESIDENT_ID)
    # Upper-case; for a resident ID it is also the social security number (Art. 58).
    document_number = models.CharField(_("document number"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    nationality = models.CharField(_("nationality"), max_length=3, default="CHN",
                                   help_text=_("ISO 3166-1 alpha-3"))
    # The pooling region whose agency keeps the person's record.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="persons",
                               verbose_name=_("insured in region"))
    hukou_region_code = models.CharField(_("household registration region"), max_length=6, blank=True)
    hukou_type = models.CharField(_("household registration type"), max_length=10, choices=HukouType.choices,
                                  default=HukouType.URBAN)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    statement_delivery = models.CharField(_("statement delivery"), max_length=10,
                                          choices=StatementDelivery.choices, default=StatementDelivery.ONLINE)
    # The original retirement-age category (2024 decision); blank while not recorded.
    original_retirement_age = models.CharField(_("original retirement age"), max_length=10, blank=True,
                                               choices=OriginalRetirementAge.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "person": "id"}

    class Meta:
        ordering = ["id"]
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        constraints = [
            # One person per document number, whatever the document type.
            models.UniqueConstraint(fields=["document_number"], name="person_one_per_document"),
            models.CheckConstraint(condition=Q(document_number=models.functions.Upper("document_number")),
                                   name="person_document_upper_case"),
            models.CheckConstraint(
                condition=~Q(document_type="resident_id") | Q(document_number__regex=r"^\d{17}[0-9X]$"),
                name="person_resident_id_format"),
            models.CheckConstraint(condition=~Q(statement_delivery="post") | ~Q(postal_address=""),
                                   name="person_post_needs_address"),
            models.CheckConstraint(condition=Q(original_retirement_age="") | Q(original_retirement_age="men_60", sex="M")
                                   | Q(original_retirement_age__in=["women_55", "women_50"], sex="F"),
                                   name="person_retirement_age_follows_sex"),
        ]
        indexes = [models.Index(fields=["region", "id"], name="person_region_id")]

    def __str__(self) -> str:
        from common.identifiers import mask_document

        return f"{self.name} ({mask_document(self.document_number)})"


class PersonLogin(models.Model):
    """Links a Django user to the one InsuredPerson whose record they read."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_login",
                                verbose_name=_("user"))
    person = models.OneToOneField(InsuredPerson, on_delete=models.PROTECT, related_name="login",
                                  verbose_name=_("person"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "person__region_id", "person": "person_id"}

    class Meta:
        verbose_name = _("person login")
        verbose_name_plural = _("person logins")

    def __str__(self) -> str:
        return f"{self.user} → {self.person}"  # a user shows by name (common.apps)


class PersonApp(models.Model):
    """An app persons sign in to with their web login (OAuth 2 authorization code with PKCE, S256
    only): a public client (no secret), registered by the agency with its redirect URIs. The token
    it gets is the person's: it reads and writes what the person's own pages and API do."""

    application = models.OneToOneField(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.PROTECT,
                                       related_name="person_app", verbose_name=_("OAuth application"))
    name = models.CharField(_("name"), max_length=100, help_text=_("Shown to the person on the sign-in page."))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("registered by"))
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("revoked by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    scope_paths = {"all": True}  # the agency's, not a region's: every staff viewer reads the list

    class Meta:
        ordering = ["name"]
        verbose_name = _("persons' app")
        verbose_name_plural = _("persons' apps")

    def __str__(self) -> str:
        return self.name


class PersonActivation(models.Model):
    """An activation letter (开通函) a clerk prints at the counter: a one-time code, kept only hashed,
    with which the person sets a password at /accounts/activate/ (insured.logins)."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="activations",
                               verbose_name=_("person"))
    code_hash = models.CharField(max_length=128)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    scope_paths = {"region": "person__region_id", "person": "person_id"}

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("activation letter")
        verbose_name_plural = _("activation letters")
        constraints = [models.UniqueConstraint(fields=["person"], condition=Q(used_at__isnull=True,
                                                                              revoked_at__isnull=True),
                                               name="activation_one_open_per_person")]

    def __str__(self) -> str:
        return f"{self.person} {self.issued_at:%Y-%m-%d}"


@pghistory.track(*history())
class Employment(models.Model):
    """A person on an employer's contribution roll, from start to the last working day."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="employments",
                               verbose_name=_("person"))
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="employments",
                                 verbose_name=_("employer"))
    start_date = models.DateField(_("start of employment"))
    end_date = models.DateField(_("last working day"), null=True, blank=True)
    monthly_wage = models.DecimalField(_("monthly wage"), max_digits=12, decimal_places=2)
    enrolled_late = models.BooleanField(_("enrolled more than 30 days after the start"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "employer__region_id", "employer": "employer_id", "person": "person_id"}

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        indexes = [models.Index(fields=["employer", "start_date"], condition=Q(end_date__isnull=True),
                                name="employment_open_by_employer")]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(end_date__isnull=True),
                                    name="employment_one_open_per_person"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="employment_ends_after_start"),
            models.CheckConstraint(condition=Q(monthly_wage__gt=0), name="employment_wage_positive"),
            # No two employments of one person overlap (see migration 0004: a GiST exclusion
            # on int8range(person) = and daterange(start, end) &&, which needs no btree_gist).
        ]

    def __str__(self) -> str:
        return _("%(person)s at %(employer)s from %(date)s") % {
            "person": self.person, "employer": self.employer.name, "date": date_text(self.start_date)}


class RelationshipState(models.TextChoices):
    ACTIVE = "active", _("active (contributing)")
    SUSPENDED = "suspended", _("suspended (account kept)")
    AWAITING_REFUND = "awaiting_refund", _("awaiting refund to heirs")
    TRANSFERRED = "transferred", _("transferred to another region")
    CLOSED = "closed", _("closed")
    PENSION = "pension", _("receiving a pension")


# States in which a relationship is over in its region: a person coming back opens a new one.
ENDED_STATES = ("closed", "transferred")


@pghistory.track(*history())
class InsuranceRelationship(models.Model):
    """A person's membership of one pooling region's schemes (参保关系)."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="relationships",
                               verbose_name=_("person"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="relationships",
                               verbose_name=_("region"))
    state = models.CharField(_("state"), max_length=20, choices=RelationshipState.choices)
    opened_on = models.DateField(_("opened on"))
    state_since = models.DateField(_("in this state since"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        ordering = ["-state_since", "-id"]
        verbose_name = _("insurance relationship")
        verbose_name_plural = _("insurance relationships")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state="active"),
                                    name="relationship_one_active_per_person"),
            models.UniqueConstraint(fields=["person", "region"], condition=~Q(state__in=ENDED_STATES),
                                    name="relationship_one_open_per_region"),
        ]

    def __str__(self) -> str:
        return _("%(person)s in %(region)s: %(state)s") % {
            "person": self.person, "region": self.region.code, "state": self.get_state_display()}


class EventKind(models.TextChoices):
    ENROLMENT = "enrolment", _("enrolment (add staff)")
    STAFF_REDUCTION = "staff_reduction", _("staff reduction")
    SUSPENSION = "suspension", _("suspension")
    RESUMPTION = "resumption", _("resumption")
    RELATIONSHIP_OPENED = "relationship_opened", _("relationship opened")
    TRANSFERRED_OUT = "transferred_out", _("transferred out")
    TRANSFERRED_IN = "transferred_in", _("transferred in")
    CANCELLATION = "cancellation", _("cancellation (account paid out)")
    # A person who insures themselves (Art. 10, issue 28): from a month on they pay as a flexible
    # worker, or stop doing so (months of an employer's roll are the employer's, never charged twice).
    FLEXIBLE_STARTED = "flexible_started", _("paying as a flexible worker")
    FLEXIBLE_STOPPED = "flexible_stopped", _("no longer paying as a flexible worker")
    RETIREMENT = "retirement", _("retirement (pension determined)")


class Decision(models.TextChoices):
    PENDING = "pending", _("pending review")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")
    EFFECTIVE = "effective", _("effective at once")


class Channel(models.TextChoices):
    API = "api", _("API")
    ADMIN = "admin", _("admin")
    SYSTEM = "system", _("system")


class RelationshipEvent(models.Model):
    """What happened to a person's employment or relationship. Append-only: a decision on a
    pending request is a new event pointing at it (`decides`), never an edit of the old one."""

    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="relationship_events",
                               verbose_name=_("person"))
    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="relationship_events", verbose_name=_("employer"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    employment = models.ForeignKey(Employment, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="relationship_events", verbose_name=_("employment"))
    relationship = models.ForeignKey(InsuranceRelationship, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="relationship_events", verbose_name=_("insurance relationship"))
    decides = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions",
                                verbose_name=_("decides on"))
    effective_date = models.DateField(_("effective date"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=100)  # Viewer.label()
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("acting user"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.CharField(_("reason"), max_length=30, blank=True)
    note = models.TextField(_("note"), blank=True)
    late = models.BooleanField(_("filed late"), default=False)
    details = models.JSONField(_("details"), default=dict, blank=True)
    documents = models.ManyToManyField("agency.Document", blank=True, related_name="relationship_events",
                                       verbose_name=_("vouchers"))

    scope_paths = {"region": "region_id", "employer": "employer_id", "person": "person_id"}

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("relationship event")
        verbose_name_plural = _("relationship events")
        indexes = [models.Index(fields=["employer", "-id"], name="event_employer_recent"),
                   models.Index(fields=["person", "-id"], name="event_person_recent")]
        triggers = [pgtrigger.Protect(name="events_are_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person} {date_text(self.effective_date)} " \
               f"({self.get_decision_display()})"


class SeparationReason(models.TextChoices):
    RESIGNATION = "resignation", _("resignation")
    DISMISSAL = "dismissal", _("dismissal")
    END_OF_CONTRACT = "end_of_contract", _("end of contract")
    RETIREMENT = "retirement", _("retirement")
    DEATH = "death", _("death")
    OTHER = "other", _("other")


@pghistory.track(*history())
class StaffReduction(models.Model):
    """A reviewable staff reduction (减员). Its request and decision are RelationshipEvents;
    this row carries the current state for the review queue, changed only under a row lock."""

    employment = models.ForeignKey(Employment, on_delete=models.PROTECT, related_name="reductions",
                                   verbose_name=_("employment"))
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="reductions",
                                 verbose_name=_("employer"))
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="reductions",
                               verbose_name=_("person"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    last_day = models.DateField(_("last working day"))
    reason = models.CharField(_("reason"), max_length=20, choices=SeparationReason.choices)
    state = models.CharField(_("state"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    request_event = models.OneToOneField(RelationshipEvent, on_delete=models.PROTECT, related_name="reduction",
                                         verbose_name=_("request"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "employer": "employer_id", "person": "person_id"}

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("staff reduction")
        verbose_name_plural = _("staff reductions")
        constraints = [
            models.UniqueConstraint(fields=["employment"], condition=Q(state="pending"),
                                    name="reduction_one_pending_per_employment"),
        ]

    def __str__(self) -> str:
        return _("%(person)s leaves %(employer)s on %(date)s") % {
            "person": self.person, "employer": self.employer.name, "date": date_text(self.last_day)}


class RecordAccessKind(models.TextChoices):
    PERSON_FILE = "person_file", _("personal insurance file viewed")
    PERSON_FORM = "person_form", _("person's record opened")
    PERSON_API = "person_api", _("person's record read through the API")
    STATEMENT_VIEWED = "statement_viewed", _("statement viewed")
    STATEMENT_PRINTED = "statement_printed", _("statement printed at the counter")
    STATEMENT_RESENT = "statement_resent", _("statement sent again")
    RECORD_PAGE = "record_page", _("person's data opened in the admin")
    EXPORTED = "exported", _("person's data exported as CSV")
    PRINT_BATCH = "print_batch", _("statement downloaded in a print batch")
    PERSON_LOOKUP = "person_lookup", _("person looked up through the API")


class RecordAccess(models.Model):
    """A staff member looked at a person's record or statement (Order No. 14 of 2011: the agency
    keeps personal-rights records confidential; the person can see who looked). Append-only."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+", db_index=False,
                               verbose_name=_("person"))
    kind = models.CharField(_("what"), max_length=20, choices=RecordAccessKind.choices)
    actor = models.CharField(_("who"), max_length=100)  # Viewer.label()
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("staff member"))
    office = models.ForeignKey("agency.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("office"))
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    scope_paths = {"region": "person__region_id", "person": "person_id"}

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("record access")
        verbose_name_plural = _("record accesses")
        indexes = [models.Index(fields=["person", "-at"], name="record_access_person_at")]
        triggers = [pgtrigger.Protect(name="record_access_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        from django.utils import timezone

        from common.display import actor_text  # the clerk by name, the time in Asia/Shanghai

        return f"{actor_text(self.actor)} {self.get_kind_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


@pghistory.track(*history())
class StaffingTerms(models.Model):
    """A region's terms for the staff roll: whether a clerk confirms enrolments and staff reductions,
    and in how many days. A region without a row has the defaults (insured.terms)."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="staffing_terms",
                                  verbose_name=_("region"))
    enrolment_needs_confirmation = models.BooleanField(_("enrolments need a clerk's confirmation"), default=False)
    reduction_needs_confirmation = models.BooleanField(_("staff reductions need a clerk's confirmation"),
                                                       default=True)
    reduction_review_days = models.PositiveSmallIntegerField(_("staff reduction review days"), default=15)
    reduction_review_in_working_days = models.BooleanField(_("staff reduction review in working days"),
                                                           default=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        verbose_name = _("staffing terms")
        verbose_name_plural = _("staffing terms")

    def __str__(self) -> str:
        return str(self.region)
