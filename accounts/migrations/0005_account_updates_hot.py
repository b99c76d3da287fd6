"""Balance updates as HOT updates (bench/interest_phases.py): no index on `touched_at`, so that an entry's
balance update changes no indexed column, and room left in every page of the accounts for the new row
versions of a yearly run (fillfactor). The fillfactor holds for pages written from now on: a table loaded
before it takes it on `VACUUM FULL accounts_pensionaccount` (a maintenance window: it locks the table)."""

from django.db import migrations

FILLFACTOR = 50


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_entry_indexes_interest_spans_reopened'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='pensionaccount',
            name='account_touched',
        ),
        migrations.RunSQL(f"ALTER TABLE accounts_pensionaccount SET (fillfactor = {FILLFACTOR})",
                          "ALTER TABLE accounts_pensionaccount RESET (fillfactor)"),
    ]
