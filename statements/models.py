"""Art. 74 personal-rights statements: yearly runs, the statements, their deliveries and print batches.

A run is a row split into keyset ranges of persons; each range is done in one transaction, so the
database (not the queue) knows what is done. A statement is the snapshot of the figures as they
were when generated: canonical JSON text whose SHA-256 is the checksum, so its PDF can be rendered
again byte for byte and need not be stored. One statement per person and year, by constraint.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import Outbox
from insured.models import StatementDelivery


class RunState(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")


class StatementRun(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    # null: every region (the province's yearly run)
    region = models.ForeignKey("agency.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    persons_total = models.PositiveIntegerField(_("persons"), default=0)
    ranges_total = models.PositiveIntegerField(_("ranges"), default=0)
    started_by = models.CharField(_("started by"), max_length=100)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_paths = {"region": "region_id", "region_nullable": True}  # a province-wide run: every clerk sees it

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("statement run")
        verbose_name_plural = _("statement runs")
        constraints = [
            # Starting the same run again finds this one: a year's run for a region (or for all) is one row.
            models.UniqueConstraint(fields=["year", "region"], nulls_distinct=False, name="statement_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region or _('all regions')}"


class RangeState(models.TextChoices):
    PENDING = "pending", _("pending")
    DONE = "done", _("done")


class RunRange(models.Model):
    """Persons with first_person_id <= id <= last_person_id (about a thousand): one task's work."""

    run = models.ForeignKey(StatementRun, on_delete=models.PROTECT, related_name="ranges", verbose_name=_("run"))
    seq = models.PositiveIntegerField(_("number"))
    first_person_id = models.BigIntegerField()
    last_person_id = models.BigIntegerField()
    state = models.CharField(_("state"), max_length=10, choices=RangeState.choices, default=RangeState.PENDING)
    persons = models.PositiveIntegerField(_("persons"), default=0)
    generated = models.PositiveIntegerField(_("generated"), default=0)
    by_email = models.PositiveIntegerField(default=0)
    by_post = models.PositiveIntegerField(default=0)
    online = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="run_range_once")]
        indexes = [models.Index(fields=["run"], condition=Q(state="pending"), name="run_range_pending")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.seq} [{self.first_person_id}, {self.last_person_id}]"


class Statement(models.Model):
    person = models.ForeignKey("insured.InsuredPerson", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"), db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    run = models.ForeignKey(StatementRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("run"))  # null: generated on request
    # The canonical JSON text of the figures as generated; the PDF is rendered from it alone.
    snapshot = models.TextField(_("snapshot"))
    checksum = models.CharField(_("checksum"), max_length=64)  # SHA-256 of the snapshot text
    verification_code = models.CharField(_("verification code"), max_length=32, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=StatementDelivery.choices)
    generated_at = models.DateTimeField(_("generated at"), auto_now_add=True)
    # A year's statement is reissued when its figures changed (statements/services/superseding.py): a
    # new row, version 2, 3, ..., naming the one it supersedes; the newest version is the current one.
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by", verbose_name=_("supersedes"))

    scope_paths = {"region": "region_id", "person": "person_id"}

    class Meta:
        # the current version first: `.filter(person=..., year=...).first()` is the current statement
        ordering = ["-year", "person_id", "-version"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(fields=["person", "year", "version"], name="statement_one_version_per_year"),
            models.CheckConstraint(condition=Q(version=1, supersedes__isnull=True)
                                   | Q(version__gt=1, supersedes__isnull=False),
                                   name="statement_version_names_predecessor"),
        ]
        indexes = [models.Index(fields=["region", "year"], name="statement_region_year")]
        triggers = [pgtrigger.Protect(name="statements_are_never_changed",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return _("%(year)s statement of %(name)s") % {"year": self.year, "name": self.person.name}


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    UNCERTAIN = "uncertain", _("unknown: the sender stopped while sending")
    BATCHED = "batched", _("in a print batch")
    SENT = "sent", _("sent")
    PUBLISHED = "published", _("available online")
    FAILED = "failed", _("failed after retries")
    BOUNCED = "bounced", _("bounced")
    RETURNED = "returned", _("returned by post")
    CANCELLED = "cancelled", _("cancelled")


OPEN_DELIVERY = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.UNCERTAIN, DeliveryState.BATCHED)


class Delivery(Outbox):
    """One sending of a statement by one channel. A resend is a new row; a row's state only moves
    forward through `statements.services.delivery`.

    An e-mail is a row of the one outbox (common/outbox.py, kind `statements.emails`): its outbox fields
    (`sending_at`, `sent_at`, `attempts`, `next_attempt_at`, `failed_at`, `uncertain_at`, `error`) say
    where the sending is, and the outbox writes `state` with them (pending, sending, sent, failed,
    uncertain), since a delivery's life goes on after the sending (bounced, returned) and letters and
    online ones have a state too."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="deliveries",
                                  verbose_name=_("statement"))
    channel = models.CharField(_("channel"), max_length=10, choices=StatementDelivery.choices)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)  # e-mail or postal, as sent
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True)
    batch = models.ForeignKey("PrintBatch", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="deliveries", verbose_name=_("print batch"))
    outcome_recorded_by = models.CharField(_("outcome recorded by"), max_length=100, blank=True)
    outcome_note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.CharField(_("created by"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_paths = {"region": "statement__region_id", "person": "statement__person_id"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("statement delivery")
        verbose_name_plural = _("statement deliveries")
        constraints = [
            # A statement has at most one delivery under way: a second would send it twice.
            models.UniqueConstraint(fields=["statement"], condition=Q(state__in=[s.value for s in OPEN_DELIVERY]),
                                    name="delivery_one_open_per_statement"),
        ]
        indexes = [
            models.Index(fields=["statement"], name="delivery_statement"),
            # the outbox's claim: e-mails waiting, in id order
            models.Index(fields=["id"], condition=Q(state="pending", channel="email", sending_at__isnull=True),
                         name="delivery_email_to_send"),
            models.Index(fields=["postal_code", "id"], condition=Q(state="pending", channel="post"),
                         name="delivery_post_unbatched"),
            # the outbox's sweep of what a dead sender left `sending`
            models.Index(fields=["sending_at"], condition=Q(sending_at__isnull=False, sent_at__isnull=True,
                                                            failed_at__isnull=True, uncertain_at__isnull=True),
                         name="delivery_sending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_state_display()}"


class PrintBatch(models.Model):
    """Letters of one region for the print shop: one merged PDF and a manifest sorted by postal code,
    both rendered from the statements' snapshots (the same bytes every time)."""

    run = models.ForeignKey(StatementRun, null=True, blank=True, on_delete=models.PROTECT, related_name="batches",
                            verbose_name=_("run"))
    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    seq = models.PositiveIntegerField(_("number"))
    letters = models.PositiveIntegerField(_("letters"))
    pdf_sha256 = models.CharField(_("PDF checksum"), max_length=64, blank=True)
    pdf_bytes = models.PositiveIntegerField(_("PDF size"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    handed_over_at = models.DateTimeField(_("handed to the print shop"), null=True, blank=True)
    handed_over_by = models.CharField(_("handed over by"), max_length=100, blank=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["-created_at", "region", "seq"]
        verbose_name = _("print batch")
        verbose_name_plural = _("print batches")
        constraints = [models.UniqueConstraint(fields=["region", "seq"], name="print_batch_once")]

    def __str__(self) -> str:
        return _("batch %(seq)s of %(region)s") % {"seq": self.seq, "region": self.region}


class StatementEventKind(models.TextChoices):
    RUN_STARTED = "run_started", _("run started")
    RUN_FINISHED = "run_finished", _("run finished")
    REQUESTED = "requested", _("statement requested")
    PRINTED = "printed", _("printed at the counter")
    RESENT = "resent", _("sent again")
    CHANNEL_CHANGED = "channel_changed", _("delivery channel changed")
    BOUNCED = "bounced", _("bounce recorded")
    RETURNED = "returned", _("returned letter recorded")
    CONFIRMED_SENT = "confirmed_sent", _("uncertain sending confirmed as sent")
    BATCH_HANDED_OVER = "batch_handed_over", _("print batch handed over")
    TRANSFER_NOTICE = "transfer_notice", _("transfer completion notice")
    SUPERSEDED = "superseded", _("reissued: the figures changed")


class StatementEvent(models.Model):
    """What people did with runs and statements (the generation itself is the statement row)."""

    kind = models.CharField(_("kind"), max_length=20, choices=StatementEventKind.choices)
    run = models.ForeignKey(StatementRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("run"))
    statement = models.ForeignKey(Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="events",
                                  verbose_name=_("statement"))
    region = models.ForeignKey("agency.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    actor = models.CharField(_("actor"), max_length=100)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    scope_paths = {"region": "region_id", "region_nullable": True}

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("statement event")
        verbose_name_plural = _("statement events")
        triggers = [pgtrigger.Protect(name="statement_events_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"  # Asia/Shanghai, as shown


class SweepState(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")


class SupersedeSweep(models.Model):
    """One pass of the job that reissues statements whose year changed after they were generated
    (statements/services/superseding.py). Its candidates are written when it starts; each is marked
    done in the transaction that reissued it (or found its figures unchanged), so a killed sweep
    resumes where it stopped and nothing is reissued twice."""

    state = models.CharField(_("state"), max_length=10, choices=SweepState.choices, default=SweepState.RUNNING)
    since = models.DateTimeField(_("changes recorded since"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    candidates = models.PositiveIntegerField(_("statements checked"), default=0)
    reissued = models.PositiveIntegerField(_("statements reissued"), default=0)
    started_by = models.CharField(_("started by"), max_length=100)

    scope_paths = {"all": True}

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("statement reissue sweep")
        verbose_name_plural = _("statement reissue sweeps")
        constraints = [models.UniqueConstraint(fields=["state"], condition=Q(state="running"),
                                               name="supersede_sweep_one_running")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.started_at):%Y-%m-%d %H:%M} ({self.get_state_display()})"


class SupersedeCandidate(models.Model):
    """A current statement whose person and year had a change recorded after it was generated."""

    sweep = models.ForeignKey(SupersedeSweep, on_delete=models.PROTECT, related_name="+")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="+")
    done = models.BooleanField(default=False)
    reissued_as = models.ForeignKey(Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sweep", "statement"], name="supersede_candidate_once")]
        indexes = [models.Index(fields=["sweep", "id"], condition=Q(done=False), name="supersede_candidate_todo")]

    def __str__(self) -> str:
        return f"{self.sweep_id}: {self.statement_id}"
