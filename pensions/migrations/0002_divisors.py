"""The national months divisor table (计发月数), ages 40 to 70, with its source (pensions/reference_data.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from pensions.reference_data import divisors_load

    divisors_load(apps)


class Migration(migrations.Migration):
    dependencies = [("pensions", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
