"""Allocation of an employer's money to its charges (issue 11, item 5): the rule every write of
an employer's money ends with, run inside the calling service's entry point and transaction.

Every write of an employer's money holds the employer's row lock (`employer_lock`) from start to
commit, so the writes of one employer's money never interleave; the database's constraint trigger
checks the sums again (contributions/migrations/0002).

Allocation (`charges_settle`), run after anything that adds money or charges:
- sources: the payments' unallocated money and the credits (negative charges: corrections that
  lowered a month, reversals), oldest first (by the day they count as paid);
- targets: open charges, oldest first (due day, period, id). With the region's allocation order
  `principal_first` (the default) every open principal comes before any late fee; with
  `oldest_first` each charge's late fee follows its principal in age order;
- when an allocation settles a principal paid late, its late fee (fees.late_fee over the parts
  paid and their days) becomes a `late_fee` charge of its own and is allocated in turn;
- what is left stays a credit that the next charges use.

`payment_reverse(payment=...)` (issue 22, item 5): the collector took a payment's money back. Its live
allocations are released (negative allocations that keep their day, as above), so the charges it
settled are open again and their late fee runs from the original due day once more; the payment is
marked reversed and never allocated again. A late fee already posted for a reopened principal stays
(paid, or open again when the reversed money paid it): when the principal is settled again, only the
fee beyond what was posted becomes a new late-fee charge.

`provisional_replace(declaration=...)` (Art. 62): called by the declaration service after a
declaration's charges are written. A provisional charge of the period is cancelled by a reversal
(a negative charge, allocated to it); money that had been allocated to it or to its late fee is
given back (negative allocations that keep their day) and, like the rest, goes to the oldest open
charges: the declared amount stands, and its late fee runs from the original due day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, models
from django.utils.translation import gettext

from common.access import Viewer
from common.problems import NotFound
from contributions import events
from contributions.fees import Part, late_fee
from contributions.hooks import allocations_written
from contributions.models import Allocation, Charge, ChargeKind, Payment, PaymentReversal
from contributions.terms import OLDEST_FIRST, terms_for
from employers.models import Employer
from insured.models import InsuredPerson

ZERO = Decimal("0.00")
PRINCIPAL_KINDS = (ChargeKind.DECLARED, ChargeKind.PROVISIONAL, ChargeKind.DETERMINED, ChargeKind.MERGER_IN,
                   ChargeKind.SELF_PAID)


def employer_lock(employer_id: int) -> Employer:
    """Lock the employer's row for this transaction: one writer of an employer's money at a time."""
    try:
        return Employer.objects.select_for_update(no_key=True).select_related("region").get(pk=employer_id)
    except Employer.DoesNotExist:
        raise NotFound(gettext("No such employer.")) from None


def person_lock(person_id: int) -> InsuredPerson:
    """Lock a person who pays for themselves (issue 28): one writer of that person's money at a time,
    as `employer_lock` is for an employer's."""
    try:
        return InsuredPerson.objects.select_for_update(no_key=True).select_related("region").get(pk=person_id)
    except InsuredPerson.DoesNotExist:
        raise NotFound(gettext("No such person.")) from None


def _payer(employer_id: int | None, person_id: int | None) -> tuple[str, int, dict]:
    """The payer's column, id and the model fields naming it: exactly one of the two (issue 28)."""
    if (employer_id is None) == (person_id is None):
        raise ValueError("name exactly one payer: an employer or a person")
    if employer_id is not None:
        return "employer_id", employer_id, {"employer_id": employer_id}
    return "person_id", person_id, {"person_id": person_id}


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
    released: bool = False  # money once allocated to it was given back (a release): it may be reopened
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
       COALESCE(g.given, 0),
       COALESCE((SELECT sum(a.amount) FROM contributions_allocation a WHERE a.credit_id = c.id), 0),
       COALESCE(g.released, false)
  FROM contributions_charge c
  LEFT JOIN LATERAL (SELECT sum(a.amount) AS given, bool_or(a.amount < 0) AS released
                       FROM contributions_allocation a WHERE a.charge_id = c.id) g ON true
 WHERE c.{payer} = %s
"""

_PAYMENTS_LEFT_SQL = """
SELECT p.id, p.paid_on, p.amount - COALESCE(sum(a.amount), 0) AS left_over
  FROM contributions_payment p LEFT JOIN contributions_allocation a ON a.payment_id = p.id
 WHERE p.{payer} = %s
   AND NOT EXISTS (SELECT 1 FROM contributions_paymentreversal r WHERE r.payment_id = p.id)
 GROUP BY p.id
HAVING p.amount - COALESCE(sum(a.amount), 0) > 0
"""

_PARTS_SQL = """
SELECT a.charge_id, a.amount, a.effective_on FROM contributions_allocation a
 WHERE a.charge_id = ANY(%s)
"""


def _load(payer: str, payer_id: int) -> tuple[list[_Target], list[_Target], list[_Source]]:
    """Open principal charges, open late-fee charges, and the sources with money left, of one payer
    (`payer` is the column: employer_id or person_id)."""
    principal, fees, sources = [], [], []
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_SQL.format(payer=payer), [payer_id])
        for cid, kind, period, due_on, fee_from, amount, parent_id, parent_due, given, used, released in (
                cursor.fetchall()):
            if amount < 0:
                if -amount - used > 0:
                    sources.append(_Source(None, cid, due_on, -amount - used))
            elif given < amount:
                target = _Target(cid, kind, period, due_on, fee_from, amount, given, parent_id, parent_due,
                                 released=released)
                (fees if kind == ChargeKind.LATE_FEE else principal).append(target)
        cursor.execute(_PAYMENTS_LEFT_SQL.format(payer=payer), [payer_id])
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


def charges_settle(*, employer_id: int | None = None, actor: str, rate: Decimal | None = None,
                   order: str | None = None, person_id: int | None = None) -> list[Allocation]:
    """Allocate the payer's unallocated money and credits to its open charges (see the module
    docstring). The payer is the employer, or (issue 28) `person_id`, a person who pays for
    themselves: one rule for both, never mixing two payers' money. The caller holds
    `employer_lock(employer_id)` (or `person_lock(person_id)`). Returns the allocations written."""
    column, payer_id, payer_fields = _payer(employer_id, person_id)
    if rate is None or order is None:
        owner = Employer if employer_id is not None else InsuredPerson
        terms = terms_for(owner.objects.values_list("region_id", flat=True).get(pk=payer_id))
        rate = terms.late_fee_daily_rate if rate is None else rate
        order = terms.allocation_order if order is None else order
    principal, fees, sources = _load(column, payer_id)
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
                **payer_fields, charge_id=target.charge_id, payment_id=source.payment_id,
                credit_id=source.credit_id, amount=take, effective_on=source.effective_on,
                settles_charge=target.open == 0, actor=actor))
            if source.left == 0:
                sources.pop(0)
        if target.open == 0 and target.kind != ChargeKind.LATE_FEE:
            fee = _post_late_fee(target, payer_fields=payer_fields, rate=rate, actor=actor,
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


def _post_late_fee(target: _Target, *, payer_fields: dict, rate: Decimal, actor: str, paid_on: date) -> _Target | None:
    """A principal is settled: what its lateness cost becomes a charge of its own."""
    if target.kind not in PRINCIPAL_KINDS or target.fee_from is None:
        return None
    # target.parts holds every allocation to the charge: those loaded by _load and this run's.
    amount = late_fee(parts=target.parts, unpaid=ZERO, fee_from=target.fee_from, on=paid_on, rate=rate)
    if target.released:  # it may have been settled before and reopened (a reversal): its fee was posted
        posted = (Charge.objects.filter(parent_id=target.charge_id, kind=ChargeKind.LATE_FEE)
                  .aggregate(total=models.Sum("amount"))["total"] or ZERO)
        amount -= posted
    if amount <= 0:
        return None
    charge = Charge.objects.create(**payer_fields, period=target.period, kind=ChargeKind.LATE_FEE,
                                   parent_id=target.charge_id, amount=amount, due_on=paid_on, fee_from=None,
                                   actor=actor)
    return _Target(charge.id, ChargeKind.LATE_FEE, target.period, paid_on, None, amount, ZERO, target.charge_id,
                   target.due_on)


@dataclass
class Reversed:
    """What `payment_reverse` did: the allocations it released, and the charges that were settled
    before and are open again (the accounts reverse their credits)."""

    released: list[Allocation]
    reopened: list[int]

    @property
    def amount(self) -> Decimal:
        return -sum((a.amount for a in self.released), ZERO)


def _settled(charge_ids: set[int]) -> set[int]:
    if not charge_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.id FROM contributions_charge c
             WHERE c.id = ANY(%s) AND c.amount > 0
               AND c.amount <= COALESCE((SELECT sum(a.amount) FROM contributions_allocation a
                                          WHERE a.charge_id = c.id), 0)""", [list(charge_ids)])
        return {row[0] for row in cursor.fetchall()}


def payment_reverse(*, payment: Payment, on: date, actor: str, reason: str = "") -> Reversed:
    """The collector reversed `payment` (see the module docstring). The caller holds
    `employer_lock(payment.employer_id)` and allocates again afterwards (`charges_settle`), once the
    accounts have reversed the credits of the reopened charges. A payment is reversed once."""
    PaymentReversal.objects.create(payment=payment, reversed_on=on, reason=reason[:200], actor=actor)
    live = list(Allocation.objects.filter(payment=payment, amount__gt=0, released_by__isnull=True))
    touched = {a.charge_id for a in live}
    before = _settled(touched)
    released = Allocation.objects.bulk_create([
        Allocation(employer_id=a.employer_id, person_id=a.person_id, charge_id=a.charge_id, payment_id=a.payment_id,
                   amount=-a.amount, effective_on=a.effective_on, releases=a, actor=actor)
        for a in live])
    return Reversed(released=released, reopened=sorted(before - _settled(touched)))


def provisional_replace(*, declaration, actor: Viewer | None = None) -> Charge | None:
    """The employer declared a month that was assessed provisionally: reverse the provisional charge
    (and its late fee, if one was posted), give back the money allocated to them, and allocate
    again. Call inside the declaration's transaction, after its charges are written. Returns the
    reversal, or None when the month had no live provisional charge (then it only allocates credit)."""
    label = actor.label() if actor is not None else "system"
    employer_lock(declaration.employer_id)
    provisional = (Charge.objects.filter(employer_id=declaration.employer_id, period=declaration.period,
                                         kind=ChargeKind.PROVISIONAL)
                   .exclude(children__kind=ChargeKind.PROVISIONAL_REVERSAL).first())
    reversal = None
    if provisional is not None:
        events.provisional_replaced(declaration, actor=actor or Viewer.system(), provisional=provisional)
        fee = Charge.objects.filter(parent=provisional, kind=ChargeKind.LATE_FEE).first()
        for charge in ([fee] if fee is not None else []) + [provisional]:
            _give_back(charge, label)
            reversal = Charge.objects.create(
                employer_id=charge.employer_id, period=charge.period, kind=ChargeKind.PROVISIONAL_REVERSAL,
                parent=charge, amount=-charge.amount, due_on=charge.due_on, fee_from=None, actor=label)
            Allocation.objects.create(employer_id=charge.employer_id, charge=charge, credit=reversal,
                                      amount=charge.amount, effective_on=charge.fee_from or charge.due_on,
                                      settles_charge=True, actor=label)
    charges_settle(employer_id=declaration.employer_id, actor=label)
    return reversal


def self_paid_reverse(*, person_id: int, periods: list[date], actor: str) -> list[Charge]:
    """Issue 28: the person's months `periods`, charged as a flexible worker's, turned out to be an employer's
    (an enrolment entered late, an Art. 58 determined month): each live `self_paid` charge of them, and its
    late fee, is cancelled by a `self_paid_reversal` credit allocated to it (the charge is never changed), and
    the money that had paid it is given back to the person (negative allocations that keep their day), where
    it pays their other open months or stays their credit. The caller holds `person_lock(person_id)`,
    reverses the account credits of the returned charges (accounts.credits.credits_reverse) and allocates
    again (`charges_settle(person_id=...)`). Returns the charges reversed (principal and fees)."""
    months = list(Charge.objects.filter(person_id=person_id, kind=ChargeKind.SELF_PAID, period__in=periods)
                  .exclude(children__kind=ChargeKind.SELF_PAID_REVERSAL).order_by("period", "id"))
    fees = list(Charge.objects.filter(parent__in=months, kind=ChargeKind.LATE_FEE)
                .exclude(children__kind=ChargeKind.SELF_PAID_REVERSAL))
    reversed_ = []
    for charge in fees + months:
        _give_back(charge, actor)
        reversal = Charge.objects.create(person_id=person_id, period=charge.period,
                                         kind=ChargeKind.SELF_PAID_REVERSAL, parent=charge, amount=-charge.amount,
                                         due_on=charge.due_on, fee_from=None, actor=actor)
        Allocation.objects.create(person_id=person_id, charge=charge, credit=reversal, amount=charge.amount,
                                  effective_on=charge.fee_from or charge.due_on, settles_charge=True, actor=actor)
        reversed_.append(charge)
    return reversed_


def _give_back(charge: Charge, actor: str) -> None:
    """Negative allocations undoing every live allocation to `charge`, each with the day of the one it undoes."""
    live = Allocation.objects.filter(charge=charge, amount__gt=0, released_by__isnull=True)
    Allocation.objects.bulk_create([
        Allocation(employer_id=a.employer_id, person_id=a.person_id, charge_id=a.charge_id, payment_id=a.payment_id,
                   credit_id=a.credit_id, amount=-a.amount, effective_on=a.effective_on, releases=a, actor=actor)
        for a in live])
