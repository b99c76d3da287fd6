"""The money rules of 0003/0010 checked once per INSERT statement instead of once per row (issue 22,
benchmark 2: the collection feed writes a chunk's allocations, thousands, in one statement; the row
trigger ran nine queries a row from PL/pgSQL). The same rules over the statement's new rows (a
transition table): a charge paid is not a credit, a credit taken from is one, an allocation stays with
one payer, what a source gives never exceeds it, no (source, charge) pair nets below zero, what a
charge receives stays between zero and its amount, a release undoes exactly the row it names. The rows
summed are locked first (the charges, targets and credits, then the payments, each in id order), so two
transactions cannot both pass on the same figures, and two chunks lock in the same order. Like the row
trigger (not deferrable) it runs at the end of the statement, seeing every row of it."""

from django.db import migrations

CHECK = r"""
CREATE OR REPLACE FUNCTION contributions_allocation_check_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  PERFORM 1 FROM (SELECT n.charge_id AS id FROM new_rows n
                  UNION SELECT n.credit_id FROM new_rows n WHERE n.credit_id IS NOT NULL) k
    JOIN contributions_charge c ON c.id = k.id
   ORDER BY c.id FOR NO KEY UPDATE OF c;
  PERFORM 1 FROM (SELECT DISTINCT n.payment_id AS id FROM new_rows n WHERE n.payment_id IS NOT NULL) k
    JOIN contributions_payment p ON p.id = k.id
   ORDER BY p.id FOR NO KEY UPDATE OF p;

  SELECT n.id, n.charge_id INTO bad FROM new_rows n JOIN contributions_charge t ON t.id = n.charge_id
   WHERE t.amount <= 0 ORDER BY n.id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'allocation % pays charge %, which is a credit', bad.id, bad.charge_id USING ERRCODE = '23514';
  END IF;
  SELECT n.id, n.credit_id INTO bad FROM new_rows n JOIN contributions_charge s ON s.id = n.credit_id
   WHERE n.payment_id IS NULL AND s.amount >= 0 ORDER BY n.id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'allocation % takes from charge %, which is not a credit', bad.id, bad.credit_id
      USING ERRCODE = '23514';
  END IF;

  SELECT n.id INTO bad FROM new_rows n
    JOIN contributions_charge t ON t.id = n.charge_id
    LEFT JOIN contributions_payment p ON p.id = n.payment_id
    LEFT JOIN contributions_charge s ON s.id = n.credit_id
   WHERE n.employer_id IS DISTINCT FROM t.employer_id
      OR n.employer_id IS DISTINCT FROM CASE WHEN n.payment_id IS NOT NULL THEN p.employer_id ELSE s.employer_id END
      OR n.person_id IS DISTINCT FROM t.person_id
      OR n.person_id IS DISTINCT FROM CASE WHEN n.payment_id IS NOT NULL THEN p.person_id ELSE s.person_id END
   ORDER BY n.id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'allocation % crosses payers', bad.id USING ERRCODE = '23514';
  END IF;

  -- Each sum by its source's or charge's index (LATERAL: never a scan of every allocation).
  SELECT x.given, p.amount AS source_limit INTO bad
    FROM (SELECT DISTINCT n.payment_id FROM new_rows n WHERE n.payment_id IS NOT NULL) k
    JOIN contributions_payment p ON p.id = k.payment_id
    CROSS JOIN LATERAL (SELECT sum(a.amount) AS given FROM contributions_allocation a
                         WHERE a.payment_id = k.payment_id) x
   WHERE x.given > p.amount LIMIT 1;
  IF NOT FOUND THEN
    SELECT x.given, -c.amount AS source_limit INTO bad
      FROM (SELECT DISTINCT n.credit_id FROM new_rows n WHERE n.payment_id IS NULL) k
      JOIN contributions_charge c ON c.id = k.credit_id
      CROSS JOIN LATERAL (SELECT sum(a.amount) AS given FROM contributions_allocation a
                           WHERE a.credit_id = k.credit_id) x
     WHERE x.given > -c.amount LIMIT 1;
  END IF;
  IF FOUND THEN
    RAISE EXCEPTION 'allocations from one source exceed it (% > %)', bad.given, bad.source_limit
      USING ERRCODE = '23514';
  END IF;

  SELECT k.id INTO bad
    FROM (SELECT min(n.id) AS id, n.charge_id, n.payment_id, n.credit_id FROM new_rows n
           GROUP BY n.charge_id, n.payment_id, n.credit_id) k
    CROSS JOIN LATERAL (SELECT sum(a.amount) AS pair FROM contributions_allocation a
                         WHERE a.charge_id = k.charge_id
                           AND CASE WHEN k.payment_id IS NOT NULL THEN a.payment_id = k.payment_id
                                    ELSE a.credit_id = k.credit_id END) x
   WHERE x.pair < 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'allocation % gives back more than was allocated', bad.id USING ERRCODE = '23514';
  END IF;

  SELECT c.id AS charge_id, x.given, c.amount INTO bad
    FROM (SELECT DISTINCT n.charge_id FROM new_rows n) k
    JOIN contributions_charge c ON c.id = k.charge_id
    CROSS JOIN LATERAL (SELECT sum(a.amount) AS given FROM contributions_allocation a
                         WHERE a.charge_id = k.charge_id) x
   WHERE x.given > c.amount OR x.given < 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'allocations to charge % exceed its amount (% > %)', bad.charge_id, bad.given, bad.amount
      USING ERRCODE = '23514';
  END IF;

  SELECT n.id, n.releases_id INTO bad FROM new_rows n JOIN contributions_allocation u ON u.id = n.releases_id
   WHERE u.amount <> -n.amount OR u.charge_id <> n.charge_id OR u.payment_id IS DISTINCT FROM n.payment_id
      OR u.credit_id IS DISTINCT FROM n.credit_id OR u.effective_on <> n.effective_on
   ORDER BY n.id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'allocation % does not exactly undo allocation %', bad.id, bad.releases_id
      USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS allocation_within_limits ON contributions_allocation;
CREATE TRIGGER allocation_within_limits AFTER INSERT ON contributions_allocation
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION contributions_allocation_check_rows();
"""

UNDO = """
DROP TRIGGER IF EXISTS allocation_within_limits ON contributions_allocation;
DROP FUNCTION IF EXISTS contributions_allocation_check_rows();
CREATE CONSTRAINT TRIGGER allocation_within_limits AFTER INSERT ON contributions_allocation
  FOR EACH ROW EXECUTE FUNCTION contributions_allocation_check();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('contributions', '0011_recorded_since_indexes'),
    ]

    operations = [
        migrations.RunSQL(CHECK, reverse_sql=UNDO),
    ]
