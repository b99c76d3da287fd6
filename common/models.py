from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


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
