from django.db import migrations, models


class Migration(migrations.Migration):
    """Portal clients get the scopes a clerk chooses; the clients issued before could take
    `read write`, and keep it."""

    dependencies = [("employers", "0007_registration_terms")]

    operations = [
        migrations.AddField(
            model_name="employerclient", name="scopes",
            field=models.CharField(choices=[("read", "read only"), ("read write", "read and write")],
                                   default="read write", max_length=20, verbose_name="scopes"),
            preserve_default=False),
        migrations.AlterField(
            model_name="employerclient", name="scopes",
            field=models.CharField(choices=[("read", "read only"), ("read write", "read and write")],
                                   default="read", max_length=20, verbose_name="scopes")),
    ]
