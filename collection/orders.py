"""Payment orders (issue 22, item 1): what an employer owes, as an order can ask for it, and the
rules the order services share. Reads and arithmetic only; the writes are in
collection/services/orders.py.

An order asks for the unpaid amount of each open charge (oldest due first) and, for a principal
whose late fee runs, the late fee it has run up by the day of issue (Art. 86: not yet a charge of
its own, it becomes one when the principal is settled). Each further day adds the daily rate of the
unpaid principal; the order says how much (`late_fee_per_day`), so a payer who pays later knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from contributions.fees import fen, late_days
from contributions.sql import late_amount_days

ZERO = Decimal("0.00")

# Each open charge of the employer (positive, not paid in full) with what was paid of it and the
# amount-days of what was paid late; and the late fees already posted as charges for it.
_OWED_SQL = f"""
SELECT c.id, c.kind, c.period, c.due_on, c.fee_from, c.amount,
       COALESCE(sum(a.amount), 0) AS paid,
       COALESCE(sum({late_amount_days("a.amount", "a.effective_on", "c.fee_from")}), 0) AS paid_days,
       COALESCE((SELECT sum(f.amount) FROM contributions_charge f
                  WHERE f.parent_id = c.id AND f.kind = 'late_fee'), 0) AS fee_posted
  FROM contributions_charge c
  LEFT JOIN contributions_allocation a ON a.charge_id = c.id
 WHERE c.{{payer}} = %(payer)s AND c.amount > 0
 GROUP BY c.id
HAVING c.amount - COALESCE(sum(a.amount), 0) > 0
 ORDER BY c.due_on, c.period, c.id
"""


@dataclass(frozen=True)
class Owed:
    """One open charge as an order asks for it on a day."""

    charge_id: int
    kind: str
    period: date
    due_on: date
    unpaid: Decimal
    late_fee: Decimal  # run up by the day, not yet posted as a charge
    fee_runs: bool  # its late fee grows each further day

    @property
    def total(self) -> Decimal:
        return self.unpaid + self.late_fee


def charges_owed(*, employer_id: int | None = None, on: date, rate: Decimal,
                 person_id: int | None = None) -> list[Owed]:
    """The payer's open charges on `on` (the employer's, or issue 28 a flexible worker's own), oldest due
    first, each with its late fee to that day (the same rule as contributions.fees.late_fee: each part's
    days, rounded once per charge)."""
    owed = []
    payer, payer_id = ("employer_id", employer_id) if employer_id is not None else ("person_id", person_id)
    with connection.cursor() as cursor:
        cursor.execute(_OWED_SQL.format(payer=payer), {"payer": payer_id})
        for cid, kind, period, due_on, fee_from, amount, paid, paid_days, fee_posted in cursor.fetchall():
            unpaid = amount - paid
            fee = ZERO
            if fee_from is not None and kind != "late_fee":
                fee = max(fen((paid_days + unpaid * late_days(fee_from, on)) * rate) - fee_posted, ZERO)
            owed.append(Owed(cid, kind, period, due_on, unpaid, fee,
                             fee_runs=fee_from is not None and kind != "late_fee" and fee_from <= on))
    return owed


def late_fee_per_day(owed: list[Owed], rate: Decimal) -> Decimal:
    """What one more day adds to the late fees of these charges (principal whose fee already runs)."""
    return fen(sum((o.unpaid for o in owed if o.fee_runs), ZERO) * rate)


class _Pending:
    """The employers of one transaction whose orders are to be looked at after it commits."""

    def __init__(self):
        self.employer_ids: set[int] = set()
        self.person_ids: set[int] = set()  # issue 28: flexible workers paying their own orders

    def __call__(self) -> None:
        from collection.services.orders import payment_orders_settle
        from common.access import Viewer

        if getattr(connection, "_orders_pending", None) is self:
            connection._orders_pending = None
        payment_orders_settle(employer_ids=sorted(self.employer_ids), person_ids=sorted(self.person_ids),
                              actor=Viewer.system())


def orders_settle_after_commit(employer_ids: set[int], person_ids: set[int] = frozenset()) -> None:
    """Once the current transaction commits, the orders of these employers that a collector's record
    quoted and whose charges are settled become paid (collection/services/orders.py). One call per
    transaction, however many allocations it wrote (a file of 100,000 records is one); if the call
    fails after the commit, the money stays applied and the daily task pays the order."""
    pending = getattr(connection, "_orders_pending", None)
    if pending is not None and any(entry[1] is pending for entry in reversed(connection.run_on_commit)):
        pending.employer_ids.update(employer_ids)
        pending.person_ids.update(person_ids)
        return
    pending = connection._orders_pending = _Pending()  # none yet, or its transaction rolled back
    pending.employer_ids.update(employer_ids)
    pending.person_ids.update(person_ids)
    transaction.on_commit(pending, robust=True)
