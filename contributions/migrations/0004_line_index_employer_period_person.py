"""The employer's monthly notice (Art. 60) reads a period's lines per person, a page at a time:
`WHERE employer_id = ? AND period = ? AND person_id > ? ORDER BY person_id`, aggregated per person
(corrections are extra lines). An index on (employer_id, period, person_id) answers that from the
cursor on, already in person order, so a page of an employer with 100,000 staff reads its own
lines only. It replaces (employer_id, period), of which it is an extension (every query that used
that one can use this one), so a billion-row table keeps one index for employers, not two.
Created on the partitioned parent: PostgreSQL creates it on every partition, and on later ones.
"""

from django.db import migrations

FORWARD = [
    "CREATE INDEX contribution_line_employer_period_person "
    "ON contributions_contributionline (employer_id, period, person_id)",
    "DROP INDEX contribution_line_employer_period",
]
REVERSE = [
    "CREATE INDEX contribution_line_employer_period ON contributions_contributionline (employer_id, period)",
    "DROP INDEX contribution_line_employer_period_person",
]


class Migration(migrations.Migration):
    dependencies = [("contributions", "0003_money_rules")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
