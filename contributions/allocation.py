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

A chunk of payers at once (`charges_settle_many`, the collection feed's chunk of collector records):
their open state is read in one statement (two when a reopened charge's posted fee is needed) for the
whole chunk, by index from what the database keeps open (OpenCharge, OpenPayment: migration 0014), each
payer's run is the same run in
memory (`_run`), and the chunk's late fees, allocations and settled hooks (the accounts' credits) are
written in one statement each. `charges_settle` is that for one payer. `allocation_trial` runs it on
money not paid in yet and writes nothing (what a collector's record would leave above the credit limit).

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

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from common.access import Viewer
from common.hot_paths import array_text
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
    charge_id: int | None  # None: a late fee this run posts, not written yet
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
    posted: Decimal = ZERO  # a reopened principal: the late fee posted when it was settled before

    @property
    def open(self) -> Decimal:
        return self.amount - self.given


@dataclass
class _Source:
    payment_id: int | None
    credit_id: int | None
    effective_on: date
    left: Decimal
    rank: int | None = None  # a trial's money not written yet (`allocation_trial`): after the written, in order
    key: object = None


# The open state of a chunk of payers (`payer` is the column: employer_id or person_id), in one
# statement for the whole chunk, whatever its size: the charges with something open (a principal or
# late fee not paid in full, a credit not used up) with the parts paid of each, and the payments with
# money left ('c' and 'p' rows). Where to look is what the database keeps open (OpenCharge and
# OpenPayment, contributions/migrations/0014: a payer's few open items, not its whole history); what is
# open is summed here from the allocations of those items alone, by the allocations' indexes.
# Each open row's charge or payment is fetched by its primary key (a LATERAL subquery the planner may not
# flatten: OFFSET 0), whatever the planner believes of the open tables' size: they churn (a chunk's
# payments enter and leave in the same transaction), and between two ANALYZEs their dead rows read as
# live ones, so at 98,000 dead rows the planner expected 84,000 open payments for 1,000 employers and
# hashed the whole payments table (a parallel scan of 5,900,000 rows, ~1.9 s, twice a chunk) to find 20.
_OPEN_SQL = """
SELECT 'c', o.{payer}, c.id, c.kind, c.period, c.due_on, c.fee_from, c.amount, c.parent_id,
       (SELECT p.due_on FROM contributions_charge p WHERE p.id = c.parent_id),
       COALESCE(g.given, 0), COALESCE(u.used, 0), COALESCE(g.released, false), g.amounts, g.days
  FROM contributions_opencharge o
  CROSS JOIN LATERAL (SELECT c.id, c.kind, c.period, c.due_on, c.fee_from, c.amount, c.parent_id
                        FROM contributions_charge c WHERE c.id = o.charge_id OFFSET 0) c
  LEFT JOIN LATERAL (SELECT sum(a.amount) AS given, bool_or(a.amount < 0) AS released,
                            array_agg(a.amount) AS amounts, array_agg(a.effective_on) AS days
                       FROM contributions_allocation a WHERE a.charge_id = c.id) g ON c.amount > 0
  LEFT JOIN LATERAL (SELECT sum(a.amount) AS used FROM contributions_allocation a
                      WHERE a.credit_id = c.id) u ON c.amount < 0
 WHERE o.{payer} = ANY(%(ids)s)
   AND (c.amount > COALESCE(g.given, 0) OR c.amount < 0 AND -c.amount > COALESCE(u.used, 0))
UNION ALL
SELECT 'p', o.{payer}, p.id, NULL, NULL, p.paid_on, NULL, p.amount - COALESCE(a.given, 0), NULL, NULL,
       NULL, NULL, NULL, NULL, NULL
  FROM contributions_openpayment o
  CROSS JOIN LATERAL (SELECT p.id, p.amount, p.paid_on FROM contributions_payment p
                       WHERE p.id = o.payment_id OFFSET 0) p
  LEFT JOIN LATERAL (SELECT sum(a.amount) AS given FROM contributions_allocation a WHERE a.payment_id = p.id) a
         ON true
 WHERE o.{payer} = ANY(%(ids)s)
   AND NOT EXISTS (SELECT 1 FROM contributions_paymentreversal r WHERE r.payment_id = p.id)
   AND p.amount - COALESCE(a.given, 0) > 0
"""

# For the rest of the chunk's transaction: sorts and hashes stay in memory, and no JIT (at 6,000,000 charges the planner's costs pass jit_above_cost;
# compiling took 3.1 s of the read's 6.7 s, EXPLAIN ANALYZE in BENCHMARKS.md, for a statement run once).
_WORK_MEM = "SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)"

_POSTED_FEES_SQL = """
SELECT parent_id, sum(amount) FROM contributions_charge
 WHERE parent_id = ANY(%s) AND kind = 'late_fee' GROUP BY parent_id
"""


@dataclass
class _Ledger:
    """One payer's open charges and sources, as `_load_many` read them."""

    principal: list[_Target] = field(default_factory=list)
    fees: list[_Target] = field(default_factory=list)
    sources: list[_Source] = field(default_factory=list)


def _load_many(payer: str, payer_ids: list[int]) -> dict[int, _Ledger]:
    """Open principal charges, open late-fee charges, and the sources with money left, of each payer
    of the chunk (see the SQL above); the late fees already posted of the reopened principals."""
    ledgers = {payer_id: _Ledger() for payer_id in payer_ids}
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(_WORK_MEM)
        cursor.execute(_OPEN_SQL.format(payer=payer), {"ids": payer_ids})
        for (row, payer_id, cid, kind, period, due_on, fee_from, amount, parent_id, parent_due, given, used,
             released, part_amounts, part_days) in cursor.fetchall():
            ledger = ledgers[payer_id]
            if row == "p":  # a payment with money left: `amount` is what is left, `due_on` its day
                ledger.sources.append(_Source(cid, None, due_on, amount))
            elif amount < 0:
                ledger.sources.append(_Source(None, cid, due_on, -amount - used))
            else:
                target = _Target(cid, kind, period, due_on, fee_from, amount, given, parent_id, parent_due,
                                 released=released)
                if given and kind != ChargeKind.LATE_FEE:  # the parts paid, for the principal's late fee
                    target.parts = [Part(a, d) for a, d in zip(part_amounts, part_days, strict=True)]
                (ledger.fees if kind == ChargeKind.LATE_FEE else ledger.principal).append(target)
        reopened = [t for ledger in ledgers.values() for t in ledger.principal if t.released]
        if reopened:  # settled before and reopened (a reversal): the fee posted then is not posted again
            cursor.execute(_POSTED_FEES_SQL, [[t.charge_id for t in reopened]])
            posted = dict(cursor.fetchall())
            for target in reopened:
                target.posted = posted.get(target.charge_id, ZERO)
    for ledger in ledgers.values():
        # Credits before payments of the same day; then by id, so the order is always the same.
        ledger.sources.sort(key=_source_order)
    return ledgers


def _source_order(source: _Source) -> tuple:
    """Credits before payments of the same day; then by id (money not written yet last, in its
    order: it would be given the next ids), so the order is always the same."""
    return (source.effective_on, source.payment_id is not None or source.rank is not None,
            source.rank if source.rank is not None else source.credit_id or source.payment_id)


def _load(payer: str, payer_id: int) -> tuple[list[_Target], list[_Target], list[_Source]]:
    """One payer's open principal charges, open late-fee charges and sources with money left."""
    ledger = _load_many(payer, [payer_id])[payer_id]
    return ledger.principal, ledger.fees, ledger.sources


def _age(target: _Target) -> tuple:
    """Oldest first: a late fee takes the age of the principal it belongs to, and follows it."""
    if target.kind == ChargeKind.LATE_FEE and target.parent_id is not None:
        # A fee this run posts (no id yet) comes after the fees of the same principal written before.
        return (target.parent_due_on or target.due_on, target.period, target.parent_id, 1,
                target.charge_id is None, target.charge_id or 0)
    return (target.due_on, target.period, target.charge_id, 0, False, target.charge_id)


@dataclass
class _Given:
    """One allocation the run decided: `take` of `source` to `target` (a late fee posted by this run
    has its charge id only once the chunk's fees are written)."""

    target: _Target
    source: _Source
    take: Decimal
    settles: bool


@dataclass(slots=True)
class Allocated:
    """An allocation the chunk wrote (its row in contributions_allocation, `pk` its id): what
    `charges_settle` returns and the settled hooks receive, without a model instance per row."""

    employer_id: int | None
    person_id: int | None
    charge_id: int
    payment_id: int | None
    credit_id: int | None
    amount: Decimal
    effective_on: date
    settles_charge: bool
    actor: str
    pk: int | None = None


def _run(ledger: _Ledger, *, rate: Decimal, order: str) -> tuple[list[_Given], list[_Target]]:
    """The allocation of one payer (see the module docstring), in memory: what it gives, and the late
    fees it posts (targets without a charge id yet). Reads and writes nothing."""
    principal, fees, sources = ledger.principal, ledger.fees, list(ledger.sources)
    if not sources or not (principal or fees):
        return [], []
    principal.sort(key=_age)
    fees.sort(key=_age)
    queue = principal + fees if order != OLDEST_FIRST else sorted(principal + fees, key=_age)
    given: list[_Given] = []
    posted: list[_Target] = []
    i = 0
    while i < len(queue) and sources:
        target = queue[i]
        while target.open > 0 and sources:
            source = sources[0]
            take = min(source.left, target.open)
            source.left -= take
            target.given += take
            target.parts.append(Part(take, source.effective_on))
            given.append(_Given(target, source, take, target.open == 0))
            if source.left == 0:
                sources.pop(0)
        if target.open == 0 and target.kind != ChargeKind.LATE_FEE:
            fee = _late_fee_target(target, rate=rate,
                                   paid_on=target.parts[-1].paid_on if target.parts else target.due_on)
            if fee is not None:
                posted.append(fee)
                if order == OLDEST_FIRST:
                    queue.insert(i + 1, fee)  # the fee follows its principal
                else:  # after every principal, among the fees by age (none of them is reached yet)
                    queue = queue[:len(principal)] + sorted(queue[len(principal):] + [fee], key=_age)
        i += 1
    return given, posted


def _late_fee_target(target: _Target, *, rate: Decimal, paid_on: date) -> _Target | None:
    """A principal is settled: what its lateness cost becomes a charge of its own (written by the caller)."""
    if target.kind not in PRINCIPAL_KINDS or target.fee_from is None:
        return None
    # target.parts holds every allocation to the charge: those loaded by _load_many and this run's.
    amount = late_fee(parts=target.parts, unpaid=ZERO, fee_from=target.fee_from, on=paid_on, rate=rate)
    amount -= target.posted  # a reopened principal: the fee posted when it was settled before
    if amount <= 0:
        return None
    return _Target(None, ChargeKind.LATE_FEE, target.period, paid_on, None, amount, ZERO, target.charge_id,
                   target.due_on)


_INSERT_FEES = """
INSERT INTO contributions_charge (employer_id, person_id, period, kind, parent_id, amount, due_on, fee_from,
                                  created_at, actor)
SELECT f.employer_id, f.person_id, f.period, 'late_fee', f.parent_id, f.amount, f.due_on, NULL, %(now)s, %(actor)s
  FROM unnest(%(employer)s::bigint[], %(person)s::bigint[], %(period)s::date[], %(parent)s::bigint[],
              %(amount)s::numeric[], %(due)s::date[]) WITH ORDINALITY
       AS f(employer_id, person_id, period, parent_id, amount, due_on, n)
 ORDER BY f.n
RETURNING id
"""

_INSERT_ALLOCATIONS = """
INSERT INTO contributions_allocation (employer_id, person_id, charge_id, payment_id, credit_id, amount,
                                      effective_on, settles_charge, created_at, actor)
SELECT a.employer_id, a.person_id, a.charge_id, a.payment_id, a.credit_id, a.amount, a.effective_on, a.settles,
       %(now)s, %(actor)s
  FROM unnest(%(employer)s::bigint[], %(person)s::bigint[], %(charge)s::bigint[], %(payment)s::bigint[],
              %(credit)s::bigint[], %(amount)s::numeric[], %(day)s::date[], %(settles)s::boolean[]) WITH ORDINALITY
       AS a(employer_id, person_id, charge_id, payment_id, credit_id, amount, effective_on, settles, n)
 ORDER BY a.n
RETURNING id
"""


def charges_settle_many(*, payer_ids: list[int], actor: str, person: bool = False,
                        terms: dict[int, tuple[Decimal, str]] | None = None) -> list[Allocated]:
    """`charges_settle` for a chunk of payers at once (employers, or with `person` persons who pay for
    themselves): one read of their open state, each payer's allocation run in memory as
    `charges_settle` runs it, then the chunk's late fees in one INSERT, its allocations in one, and the
    settled hooks (the accounts' credits) once. `terms` maps a payer to its (daily late-fee rate,
    allocation order); the payer's region's terms otherwise. The caller holds every payer's lock
    (`employer_lock`, `person_lock`, or one SELECT .. FOR NO KEY UPDATE of them all). The allocations
    are the same as `charges_settle` one payer at a time (tests/contributions/test_allocation_batch.py)."""
    if not payer_ids:
        return []
    column = "person_id" if person else "employer_id"
    payer_ids = sorted(set(payer_ids))
    if terms is None or any(pk not in terms for pk in payer_ids):
        owner = InsuredPerson if person else Employer
        regions = dict(owner.objects.filter(pk__in=payer_ids).values_list("pk", "region_id"))
        terms = dict(terms or {})
        for pk in payer_ids:
            if pk not in terms:
                region_terms = terms_for(regions[pk])
                terms[pk] = (region_terms.late_fee_daily_rate, region_terms.allocation_order)
    ledgers = _load_many(column, payer_ids)
    runs: list[tuple[int, list[_Given]]] = []
    posted: list[tuple[int, _Target]] = []
    for payer_id in payer_ids:
        rate, order = terms[payer_id]
        given, fees = _run(ledgers[payer_id], rate=rate, order=order)
        if given:
            runs.append((payer_id, given))
        posted.extend((payer_id, fee) for fee in fees)
    if not runs:
        return []
    now = timezone.now()
    with connection.cursor() as cursor:
        if posted:
            cursor.execute(_INSERT_FEES, {
                "employer": array_text(None if person else pk for pk, _fee in posted),
                "person": array_text(pk if person else None for pk, _fee in posted),
                "period": array_text(fee.period for _pk, fee in posted),
                "parent": array_text(fee.parent_id for _pk, fee in posted),
                "amount": array_text(fee.amount for _pk, fee in posted),
                "due": array_text(fee.due_on for _pk, fee in posted), "now": now, "actor": actor})
            for (_pk, fee), (charge_id,) in zip(posted, cursor.fetchall(), strict=True):
                fee.charge_id = charge_id
        written = [Allocated(employer_id=None if person else payer_id, person_id=payer_id if person else None,
                             charge_id=g.target.charge_id, payment_id=g.source.payment_id,
                             credit_id=g.source.credit_id, amount=g.take, effective_on=g.source.effective_on,
                             settles_charge=g.settles, actor=actor)
                   for payer_id, given in runs for g in given]
        cursor.execute(_INSERT_ALLOCATIONS, {
            "employer": array_text(a.employer_id for a in written),
            "person": array_text(a.person_id for a in written),
            "charge": array_text(a.charge_id for a in written), "payment": array_text(a.payment_id for a in written),
            "credit": array_text(a.credit_id for a in written), "amount": array_text(a.amount for a in written),
            "day": array_text(a.effective_on for a in written),
            "settles": array_text(a.settles_charge for a in written), "now": now, "actor": actor})
        for allocation, (pk,) in zip(written, cursor.fetchall(), strict=True):
            allocation.pk = pk
    allocations_written(written)  # the accounts credit what these allocations settle
    return written


def allocation_trial(*, money: dict[int, list[tuple[object, date, Decimal]]], actor: str, person: bool = False,
                     terms: dict[int, tuple[Decimal, str]]) -> dict[object, Decimal]:
    """What the allocation would give of money not paid in yet: `money` maps a payer to its
    (key, paid on, amount) in the order they would be paid in; answers how much of each key the
    payer's allocation run would allocate. Reads the payers' open state, writes nothing (the credit
    limit of a collector's record: collection.applying)."""
    ledgers = _load_many("person_id" if person else "employer_id", sorted(money))
    allocated: dict[object, Decimal] = {}
    for payer_id, items in money.items():
        ledger = ledgers[payer_id]
        for n, (key, paid_on, amount) in enumerate(items):
            ledger.sources.append(_Source(None, None, paid_on, amount, rank=10**18 + n, key=key))
            allocated[key] = ZERO
        ledger.sources.sort(key=_source_order)
        rate, order = terms[payer_id]
        for given in _run(ledger, rate=rate, order=order)[0]:
            if given.source.rank is not None:
                allocated[given.source.key] += given.take
    return allocated


def charges_settle(*, employer_id: int | None = None, actor: str, rate: Decimal | None = None,
                   order: str | None = None, person_id: int | None = None) -> list[Allocated]:
    """Allocate the payer's unallocated money and credits to its open charges (see the module
    docstring). The payer is the employer, or (issue 28) `person_id`, a person who pays for
    themselves: one rule for both, never mixing two payers' money. The caller holds
    `employer_lock(employer_id)` (or `person_lock(person_id)`). Returns the allocations written."""
    column, payer_id, _fields = _payer(employer_id, person_id)
    terms = None if rate is None or order is None else {payer_id: (rate, order)}
    if terms is None and (rate is not None or order is not None):
        owner = Employer if employer_id is not None else InsuredPerson
        region_terms = terms_for(owner.objects.values_list("region_id", flat=True).get(pk=payer_id))
        terms = {payer_id: (region_terms.late_fee_daily_rate if rate is None else rate,
                            region_terms.allocation_order if order is None else order)}
    return charges_settle_many(payer_ids=[payer_id], actor=actor, person=column == "person_id", terms=terms)


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
