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
