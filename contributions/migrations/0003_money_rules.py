"""The money rules the database holds (issue 11): what a payment gives never exceeds it, what a
credit (negative charge) gives never exceeds its value, what a charge receives never exceeds its
amount, no (source, charge) pair nets below zero, a release undoes exactly the row it names, and
an allocation stays within one employer. The trigger locks the rows it sums (the charge, then the
payment or the credit), so two transactions cannot both pass on the same figures.

Also one provisional (Art. 62) charge per employer and period: the daily assessment inserts with
ON CONFLICT DO NOTHING on this index, so it never assesses a month twice.
"""

from django.db import migrations

CHECK = r"""
CREATE OR REPLACE FUNCTION contributions_allocation_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target_amount numeric; target_employer bigint; source_limit numeric; source_employer bigint;
  given numeric; pair numeric; undone record;
BEGIN
  SELECT amount, employer_id INTO target_amount, target_employer
    FROM contributions_charge WHERE id = NEW.charge_id FOR NO KEY UPDATE;
  IF target_amount <= 0 THEN
    RAISE EXCEPTION 'allocation % pays charge %, which is a credit', NEW.id, NEW.charge_id USING ERRCODE = '23514';
  END IF;
  IF NEW.payment_id IS NOT NULL THEN
    SELECT amount, employer_id INTO source_limit, source_employer
      FROM contributions_payment WHERE id = NEW.payment_id FOR NO KEY UPDATE;
    SELECT COALESCE(sum(amount), 0) INTO given FROM contributions_allocation WHERE payment_id = NEW.payment_id;
    SELECT COALESCE(sum(amount), 0) INTO pair FROM contributions_allocation
     WHERE payment_id = NEW.payment_id AND charge_id = NEW.charge_id;
  ELSE
    SELECT -amount, employer_id INTO source_limit, source_employer
      FROM contributions_charge WHERE id = NEW.credit_id FOR NO KEY UPDATE;
    IF source_limit <= 0 THEN
      RAISE EXCEPTION 'allocation % takes from charge %, which is not a credit', NEW.id, NEW.credit_id
        USING ERRCODE = '23514';
    END IF;
    SELECT COALESCE(sum(amount), 0) INTO given FROM contributions_allocation WHERE credit_id = NEW.credit_id;
    SELECT COALESCE(sum(amount), 0) INTO pair FROM contributions_allocation
     WHERE credit_id = NEW.credit_id AND charge_id = NEW.charge_id;
  END IF;
  IF NEW.employer_id <> target_employer OR NEW.employer_id <> source_employer THEN
    RAISE EXCEPTION 'allocation % crosses employers', NEW.id USING ERRCODE = '23514';
  END IF;
  IF given > source_limit THEN
    RAISE EXCEPTION 'allocations from one source exceed it (% > %)', given, source_limit USING ERRCODE = '23514';
  END IF;
  IF pair < 0 THEN
    RAISE EXCEPTION 'allocation % gives back more than was allocated', NEW.id USING ERRCODE = '23514';
  END IF;
  SELECT COALESCE(sum(amount), 0) INTO given FROM contributions_allocation WHERE charge_id = NEW.charge_id;
  IF given > target_amount OR given < 0 THEN
    RAISE EXCEPTION 'allocations to charge % exceed its amount (% > %)', NEW.charge_id, given, target_amount
      USING ERRCODE = '23514';
  END IF;
  IF NEW.releases_id IS NOT NULL THEN
    SELECT * INTO undone FROM contributions_allocation WHERE id = NEW.releases_id;
    IF undone.amount <> -NEW.amount OR undone.charge_id <> NEW.charge_id
       OR undone.payment_id IS DISTINCT FROM NEW.payment_id OR undone.credit_id IS DISTINCT FROM NEW.credit_id
       OR undone.effective_on <> NEW.effective_on THEN
      RAISE EXCEPTION 'allocation % does not exactly undo allocation %', NEW.id, NEW.releases_id
        USING ERRCODE = '23514';
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER allocation_within_limits AFTER INSERT ON contributions_allocation
  FOR EACH ROW EXECUTE FUNCTION contributions_allocation_check();

CREATE UNIQUE INDEX charge_one_provisional_per_period ON contributions_charge (employer_id, period)
  WHERE kind = 'provisional';
"""

UNDO = """
DROP INDEX IF EXISTS charge_one_provisional_per_period;
DROP TRIGGER IF EXISTS allocation_within_limits ON contributions_allocation;
DROP FUNCTION IF EXISTS contributions_allocation_check();
"""


class Migration(migrations.Migration):
    dependencies = [("contributions", "0002_payments_allocations_determinations")]

    operations = [migrations.RunSQL(CHECK, UNDO)]
