"""The statements' e-mails go by the one outbox (common/outbox.py): `Delivery` takes the abstract
`common.models.Outbox`. Every row is kept: `sending_since` becomes `sending_at`, `last_error` becomes
`error`, and the rows the old sender had given up or marked uncertain get `failed_at` / `uncertain_at`
(the migration's time: the old rows did not record when), so the outbox's filters find them."""

from django.db import migrations, models
from django.db.models import Q

FORWARD = """
UPDATE statements_delivery SET failed_at = now() WHERE state = 'failed' AND failed_at IS NULL;
UPDATE statements_delivery SET uncertain_at = now() WHERE state = 'uncertain' AND uncertain_at IS NULL;
"""


class Migration(migrations.Migration):
    dependencies = [("statements", "0003_statement_versions_and_reissue_sweep")]

    operations = [
        migrations.RemoveIndex(model_name="delivery", name="delivery_email_due"),
        migrations.RemoveIndex(model_name="delivery", name="delivery_sending"),
        migrations.RenameField(model_name="delivery", old_name="sending_since", new_name="sending_at"),
        migrations.RenameField(model_name="delivery", old_name="last_error", new_name="error"),
        migrations.AlterField(model_name="delivery", name="sending_at",
                              field=models.DateTimeField(blank=True, null=True, verbose_name="handed to the sender at")),
        migrations.AlterField(model_name="delivery", name="error",
                              field=models.CharField(blank=True, default="", max_length=300, verbose_name="last error")),
        migrations.AlterField(model_name="delivery", name="attempts",
                              field=models.PositiveSmallIntegerField(db_default=0, default=0, verbose_name="attempts")),
        migrations.AlterField(model_name="delivery", name="next_attempt_at",
                              field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt at")),
        migrations.AddField(model_name="delivery", name="failed_at",
                            field=models.DateTimeField(blank=True, null=True, verbose_name="given up at")),
        migrations.AddField(model_name="delivery", name="uncertain_at",
                            field=models.DateTimeField(blank=True, null=True, verbose_name="marked uncertain at")),
        migrations.RunSQL(FORWARD, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(model_name="delivery", index=models.Index(
            condition=Q(state="pending", channel="email", sending_at__isnull=True), fields=["id"],
            name="delivery_email_to_send")),
        migrations.AddIndex(model_name="delivery", index=models.Index(
            condition=Q(sending_at__isnull=False, sent_at__isnull=True, failed_at__isnull=True,
                        uncertain_at__isnull=True), fields=["sending_at"], name="delivery_sending")),
    ]
