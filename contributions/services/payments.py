"""Payments and their allocation to charges (issue 11, item 5).

Every write here holds the employer's row lock (`employer_lock`) from start to commit, so the
writes of one employer's money never interleave; the database's constraint trigger checks the
sums again (contributions/migrations/0002).

Allocation (`charges_settle`), run after anything that adds money or charges:
- sources: the payments' unallocated money and the credits (negative charges: corrections that
  lowered a month, reversals), oldest first (by the day they count as paid);
- targets: open charges, oldest first (due day, period, id). With the region's allocation order
  `principal_first` (the default) every open principal comes before any late fee; with
  `oldest_first` each charge's late fee follows its principal in age order;
- when an allocation settles a principal paid late, its late fee (fees.late_fee over the parts
  paid and their days) becomes a `late_fee` charge of its own and is allocated in turn;
- what is left stays a credit that the next charges use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from agency.deadlines import today_in_shanghai
from agency.models import Document
from common.access import Kind, Viewer
from common.hot_paths import insert_or_nothing
from common.problems import NotFound, ValidationFailed
from contributions.events import EventKind, event_record
from contributions.hooks import allocations_written
from contributions.models import Allocation, Charge, ChargeKind, Payment
from contributions.models.payments import PaymentChannel
from contributions.services.fees import Part, late_fee
from contributions.services.settings import OLDEST_FIRST, terms_for
from employers.models import Employer

ZERO = Decimal("0.00")
PRINCIPAL_KINDS = (ChargeKind.DECLARED, ChargeKind.PROVISIONAL, ChargeKind.DETERMINED, ChargeKind.MERGER_IN)


def employer_lock(employer_id: int) -> Employer:
    """Lock the employer's row for this transaction: one writer of an employer's money at a time."""
    try:
        return Employer.objects.select_for_update(no_key=True).select_related("region").get(pk=employer_id)
    except Employer.DoesNotExist:
        raise NotFound("No such employer.") from None


@dataclass
class _Target:
    charge_id: int
    kind: str
    period: date
    due_on: date
    fee_from: date | None
    amount: Decimal
    given: Decimal
    parent_id: int | None
    parent_due_on: date | None = None
    parts: list[Part] = field(default_factory=list)

    @property
    def open(self) -> Decimal:
        return self.amount - self.given


@dataclass
class _Source:
    payment_id: int | None
    credit_id: int | None
    effective_on: date
    left: Decimal


_OPEN_SQL = """
SELECT c.id, c.kind, c.period, c.due_on, c.fee_from, c.amount, c.parent_id,
       (SELECT p.due_on FROM contributions_charge p WHERE p.id = c.parent_id),
       COALESCE((SELECT sum(a.amount) FROM contributions_allocation a WHERE a.charge_id = c.id), 0),
       COALESCE((SELECT sum(a.amount) FROM contributions_allocation a WHERE a.credit_id = c.id), 0)
  FROM contributions_charge c
 WHERE c.employer_id = %s
"""

_PAYMENTS_LEFT_SQL = """
SELECT p.id, p.paid_on, p.amount - COALESCE(sum(a.amount), 0) AS left_over
  FROM contributions_payment p LEFT JOIN contributions_allocation a ON a.payment_id = p.id
 WHERE p.employer_id = %s
 GROUP BY p.id
HAVING p.amount - COALESCE(sum(a.amount), 0) > 0
"""

_PARTS_SQL = """
SELECT a.charge_id, a.amount, a.effective_on FROM contributions_allocation a
 WHERE a.charge_id = ANY(%s)
"""


def _load(employer_id: int) -> tuple[list[_Target], list[_Target], list[_Source]]:
    """Open principal charges, open late-fee charges, and the sources with money left."""
    principal, fees, sources = [], [], []
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_SQL, [employer_id])
        for cid, kind, period, due_on, fee_from, amount, parent_id, parent_due, given, used in cursor.fetchall():
            if amount < 0:
                if -amount - used > 0:
                    sources.append(_Source(None, cid, due_on, -amount - used))
            elif given < amount:
                target = _Target(cid, kind, period, due_on, fee_from, amount, given, parent_id, parent_due)
                (fees if kind == ChargeKind.LATE_FEE else principal).append(target)
        cursor.execute(_PAYMENTS_LEFT_SQL, [employer_id])
        sources += [_Source(pid, None, paid_on, left) for pid, paid_on, left in cursor.fetchall()]
        partly_paid = [t.charge_id for t in principal if t.given]
        if partly_paid:
            by_id = {t.charge_id: t for t in principal}
            cursor.execute(_PARTS_SQL, [partly_paid])
            for charge_id, amount, effective_on in cursor.fetchall():
                by_id[charge_id].parts.append(Part(amount, effective_on))
    # Credits before payments of the same day; then by id, so the order is always the same.
    sources.sort(key=lambda s: (s.effective_on, s.payment_id is not None, s.credit_id or s.payment_id))
    return principal, fees, sources


def _age(target: _Target) -> tuple:
    """Oldest first: a late fee takes the age of the principal it belongs to, and follows it."""
    if target.kind == ChargeKind.LATE_FEE and target.parent_id is not None:
        return (target.parent_due_on or target.due_on, target.period, target.parent_id, 1, target.charge_id)
    return (target.due_on, target.period, target.charge_id, 0, target.charge_id)


def charges_settle(*, employer_id: int, actor: str, rate: Decimal | None = None,
                   order: str | None = None) -> list[Allocation]:
    """Allocate the employer's unallocated money and credits to its open charges (see the module
    docstring). The caller holds `employer_lock(employer_id)`. Returns the allocations written."""
    if rate is None or order is None:
        terms = terms_for(Employer.objects.values_list("region_id", flat=True).get(pk=employer_id))
        rate = terms.late_fee_daily_rate if rate is None else rate
        order = terms.allocation_order if order is None else order
    principal, fees, sources = _load(employer_id)
    if not sources or not (principal or fees):
        return []
    principal.sort(key=_age)
    fees.sort(key=_age)
    queue = principal + fees if order != OLDEST_FIRST else sorted(principal + fees, key=_age)
    written: list[Allocation] = []
    i = 0
    while i < len(queue) and sources:
        target = queue[i]
        while target.open > 0 and sources:
            source = sources[0]
            take = min(source.left, target.open)
            source.left -= take
            target.given += take
            target.parts.append(Part(take, source.effective_on))
            written.append(Allocation(
                employer_id=employer_id, charge_id=target.charge_id, payment_id=source.payment_id,
                credit_id=source.credit_id, amount=take, effective_on=source.effective_on,
                settles_charge=target.open == 0, actor=actor))
            if source.left == 0:
                sources.pop(0)
        if target.open == 0 and target.kind != ChargeKind.LATE_FEE:
            fee = _post_late_fee(target, employer_id=employer_id, rate=rate, actor=actor,
                                 paid_on=target.parts[-1].paid_on if target.parts else target.due_on)
            if fee is not None:
                if order == OLDEST_FIRST:
                    queue.insert(i + 1, fee)  # the fee follows its principal
                else:  # after every principal, among the fees by age (none of them is reached yet)
                    queue = queue[:len(principal)] + sorted(queue[len(principal):] + [fee], key=_age)
        i += 1
    Allocation.objects.bulk_create(written)
    allocations_written(written)  # the accounts credit what these allocations settle
    return written


def _post_late_fee(target: _Target, *, employer_id: int, rate: Decimal, actor: str, paid_on: date) -> _Target | None:
    """A principal is settled: what its lateness cost becomes a charge of its own."""
    if target.kind not in PRINCIPAL_KINDS or target.fee_from is None:
        return None
    # target.parts holds every allocation to the charge: those loaded by _load and this run's.
    amount = late_fee(parts=target.parts, unpaid=ZERO, fee_from=target.fee_from, on=paid_on, rate=rate)
    if amount <= 0:
        return None
    charge = Charge.objects.create(employer_id=employer_id, period=target.period, kind=ChargeKind.LATE_FEE,
                                   parent_id=target.charge_id, amount=amount, due_on=paid_on, fee_from=None,
                                   actor=actor)
    return _Target(charge.id, ChargeKind.LATE_FEE, target.period, paid_on, None, amount, ZERO, target.charge_id,
                   target.due_on)


def _validate(*, amount: Decimal, paid_on: date, bank_reference: str) -> str:
    errors = []
    reference = (bank_reference or "").strip()
    if not reference:
        errors.append({"field": "bank_reference", "code": "required", "message": "Give the bank's reference."})
    if amount is None or amount <= 0:
        errors.append({"field": "amount", "code": "not_positive", "message": "A payment is a positive amount."})
    elif amount != amount.quantize(Decimal("0.01")):
        errors.append({"field": "amount", "code": "fen", "message": "Amounts are in yuan with two decimals."})
    if paid_on is not None and paid_on > today_in_shanghai():
        errors.append({"field": "paid_on", "code": "future", "message": "A payment cannot be dated in the future."})
    if errors:
        raise ValidationFailed("The payment is refused.", errors=errors)
    return reference


@transaction.atomic
def payment_record(*, employer_id: int, bank_reference: str, amount: Decimal, paid_on: date, actor: Viewer,
                   channel: str = PaymentChannel.API, voucher: Document | None = None,
                   note: str = "") -> tuple[Payment, bool]:
    """Record a payment and allocate it. Returns (payment, created): the same bank reference again
    for the same employer answers the first payment and changes nothing; references are unique per
    employer, so another employer's reference is recorded as any new one would be."""
    if actor.kind is Kind.EMPLOYER and actor.employer_id != employer_id:
        raise NotFound("No such employer.")
    if actor.kind is Kind.CLERK:
        region_id = Employer.objects.filter(pk=employer_id).values_list("region_id", flat=True).first()
        if region_id != actor.region_id:
            raise NotFound("No such employer.")
    reference = _validate(amount=amount, paid_on=paid_on, bank_reference=bank_reference)
    employer = employer_lock(employer_id)
    payment = Payment(employer_id=employer.pk, bank_reference=reference, amount=amount, paid_on=paid_on,
                      voucher=voucher, channel=channel, note=note, actor=actor.label(), actor_user_id=actor.user_id)
    if not insert_or_nothing(payment, conflict=("employer", "bank_reference")):
        # Only this employer's own references are looked at: whether another employer recorded the
        # same reference is never told (issue 25, item 4).
        return Payment.objects.get(employer_id=employer.pk, bank_reference=reference), False
    allocations = charges_settle(employer_id=employer.pk, actor=actor.label())
    event_record(kind=EventKind.PAYMENT_RECORDED, employer_id=employer.pk, actor=actor,
                 details={"payment": payment.pk, "bank_reference": reference, "amount": str(amount),
                          "paid_on": paid_on.isoformat(), "channel": channel,
                          "allocated": str(sum((a.amount for a in allocations if a.payment_id == payment.pk), ZERO))})
    return payment, True


@dataclass(frozen=True)
class Receipt:
    payment: Payment
    allocations: list[dict]
    allocated: Decimal
    unallocated: Decimal


def payment_receipt(payment: Payment) -> Receipt:
    rows = list(Allocation.objects.filter(payment=payment).select_related("charge").order_by("id"))
    allocations = [{"charge_id": a.charge_id, "period": a.charge.period.strftime("%Y-%m"), "kind": a.charge.kind,
                    "amount": a.amount, "counts_as_paid_on": a.effective_on, "settles_charge": a.settles_charge,
                    "releases": a.releases_id} for a in rows]
    allocated = sum((a.amount for a in rows), ZERO)
    return Receipt(payment, allocations, allocated, payment.amount - allocated)


def charge_paid_totals(charge_ids: list[int]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for charge_id, amount in Allocation.objects.filter(charge_id__in=charge_ids).values_list("charge_id", "amount"):
        totals[charge_id] += amount
    return totals
