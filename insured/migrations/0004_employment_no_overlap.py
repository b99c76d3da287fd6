from django.db import migrations


class Migration(migrations.Migration):
    """No two employments of one person overlap.

    A GiST exclusion over ranges only: int8range(person, person) compared with `=` stands in
    for a btree_gist equality, which the embedded pgserver build does not ship.
    """

    dependencies = [("insured", "0003_employments_relationships_events")]
    operations = [
        migrations.RunSQL(
            "ALTER TABLE insured_employment ADD CONSTRAINT employment_no_overlap EXCLUDE USING gist ("
            " int8range(person_id, person_id, '[]') WITH =,"
            " daterange(start_date, end_date, '[]') WITH &&)",
            reverse_sql="ALTER TABLE insured_employment DROP CONSTRAINT employment_no_overlap",
        )
    ]
