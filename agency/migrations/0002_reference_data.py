from django.db import migrations


def seed(apps, schema_editor):
    from agency.reference_data import reference_data_load

    reference_data_load(apps)


class Migration(migrations.Migration):
    dependencies = [("agency", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
