from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """A POST's response kept under its Idempotency-Key, written in the POST's own transaction."""

    owner = models.CharField(max_length=100)  # who sent it: "user:12", "client:abc"
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key")]

    def __str__(self):
        return f"{self.method} {self.path} [{self.owner} {self.key}]"


class Session(AbstractBaseSession):
    """A session, with the user and the TOTP device it was logged in and verified with as columns.

    Django keeps both only inside `session_data`; as columns, one prepared statement loads the session,
    its user (with what decides their view) and its device together (common/sessions.py). No foreign
    key constraint and no index: the join finds a deleted user or device missing, so nothing has to
    cascade, and a session is only ever looked up by its key.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             db_index=False, related_name="+")
    otp_device = models.ForeignKey("otp_totp.TOTPDevice", null=True, on_delete=models.DO_NOTHING,
                                   db_constraint=False, db_index=False, related_name="+")

    class Meta(AbstractBaseSession.Meta):
        db_table = "common_session"


class Outbox(models.Model):
    """A message the agency sends (a letter, a notice, an alert): its row is the outbox (common/outbox.py).

    `sending_at` is committed before the message is handed to the mail server (or gateway, or print
    file) and `sent_at` after: the outcome is recorded once. A refusal puts the row back with a later
    `next_attempt_at` (backoff) until OUTBOX_MAX_ATTEMPTS, then `failed_at`; a row left `sending` by a
    killed sender is marked `uncertain_at` by the sweep and never sent again by itself."""

    sending_at = models.DateTimeField(_("handed to the sender at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, db_default=0)  # set-based INSERTs omit it
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up at"), null=True, blank=True)
    uncertain_at = models.DateTimeField(_("marked uncertain at"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=300, blank=True, default="")

    class Meta:
        abstract = True

    @property
    def outbox_state(self) -> str:
        if self.sent_at is not None:
            return "sent"
        if self.failed_at is not None:
            return "failed"
        if self.uncertain_at is not None:
            return "uncertain"
        return "sending" if self.sending_at is not None else "pending"
