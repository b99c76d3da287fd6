"""Payment orders (issue 22, item 1): a portal, or a clerk at the counter, asks what to pay and
where; the order names the amount, the region's collection account and a payment reference to
quote on the transfer. The order moves no money: the collector's record quoting the reference
does (collection/services/feed.py), and the order is then paid once its charges are settled.

ORDER: open -> paid (a collector's record quoted it and its charges are settled), -> expired
(the daily task, after `valid_until`), -> cancelled (the employer or a clerk). Money that quotes
an expired order still pays it: the collector's record is what counts, not the order's date. A paid
order whose money the collector reversed, and whose charges are open again, is open again (and
expires as any open order).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency.deadlines import today_in_shanghai
from collection import events
from collection.models import Application, CollectionAccount, OrderState, PaymentOrder, PaymentOrderCharge
from collection.orders import charges_owed, late_fee_per_day
from collection.references import reference_new
from collection.terms import terms_for
from common.access import Kind, Viewer, scope
from common.problems import Conflict, NotFound, ValidationFailed
from common.services import PERSON, PORTAL, STAFF, SYSTEM, Machine, Step, entry, row_lock, transition, transition_many
from contributions import terms as contribution_terms
from contributions.allocation import employer_lock
from employers.models import Employer

ORDER_PERMISSION = "collection.add_paymentorder"
CANCEL_PERMISSION = "collection.change_paymentorder"
_REFUSAL = gettext_lazy("Only the employer or agency staff allowed to issue payment orders may do this.")

ORDER = Machine(gettext_lazy("payment order"), {
    OrderState.OPEN: {"pay": Step(OrderState.PAID, events.order_paid, events=events.orders_paid),
                      "expire": Step(OrderState.EXPIRED, events.order_expired),
                      "cancel": Step(OrderState.CANCELLED, events.order_cancelled)},
    OrderState.EXPIRED: {"pay": Step(OrderState.PAID, events.order_paid, events=events.orders_paid)},
    # The collector took the money back (a bounced transfer) and the order's charges are open again.
    OrderState.PAID: {"reopen": Step(OrderState.OPEN, events.order_reopened)},
    OrderState.CANCELLED: {},
}, states=OrderState, actions={"pay": gettext_lazy("paid"), "expire": gettext_lazy("expired"),
                               "cancel": gettext_lazy("cancelled"), "reopen": gettext_lazy("reopened")})


def _employer_for(actor: Viewer, employer_id: int | None) -> Employer:
    """A portal's own employer (whatever the request names); a clerk's employer of their region."""
    if actor.kind is Kind.EMPLOYER:
        employer_id = actor.employer_id
    if employer_id is None:
        raise ValidationFailed.field("employer", "required", _("Name the employer."))
    if not scope(Employer.objects.filter(pk=employer_id), actor).exists():
        raise NotFound(_("No such employer."))
    return employer_lock(employer_id)


def _account_for(payer, on: date) -> CollectionAccount:
    """The open collection account of the payer's region (an employer's, or a flexible worker's)."""
    account = (CollectionAccount.objects.filter(region_id=payer.region_id, opened_on__lte=on)
               .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=on)).order_by("account_number").first())
    if account is None:
        raise Conflict(_("The region %(region)s has no open collection account to pay to.")
                       % {"region": payer.region.name}, type_slug="no-collection-account")
    return account


def payment_order_issue(*, actor: Viewer, employer_id: int | None = None, periods: list[date] | None = None,
                        today: date | None = None) -> PaymentOrder:
    """An order for the employer's open charges (all of them, or those of `periods`, first days of
    months): each charge's unpaid amount and the late fee run up by today, the region's collection
    account, a new payment reference and the validity of the region's terms. A portal orders for its
    own employer only; a clerk for an employer of the region."""
    employer = _employer_for(actor, employer_id)
    today = today or today_in_shanghai()
    rate = contribution_terms.terms_for(employer.region_id).late_fee_daily_rate
    owed = charges_owed(employer_id=employer.pk, on=today, rate=rate)
    if periods:
        wanted = sorted(set(periods))
        missing = [p for p in wanted if not any(o.period == p for o in owed)]
        if missing:
            raise ValidationFailed(_("Nothing is open to pay in %(periods)s.")
                                   % {"periods": ", ".join(f"{p:%Y-%m}" for p in missing)},
                                   errors=[{"field": "periods", "code": "nothing_open",
                                            "message": _("Nothing is open to pay in %(period)s.")
                                            % {"period": f"{p:%Y-%m}"}} for p in missing])
        owed = [o for o in owed if o.period in wanted]
    if not owed:
        raise Conflict(_("The employer has no open charge: there is nothing to pay."), type_slug="nothing-to-pay")
    account = _account_for(employer, today)
    valid_days = terms_for(employer.region_id).order_valid_days
    fields = dict(employer=employer, account=account, amount=sum(o.total for o in owed),
                  late_fee_per_day=late_fee_per_day(owed, rate), issued_on=today,
                  valid_until=today + timedelta(days=valid_days), actor=actor.label(), actor_user_id=actor.user_id)
    for attempt in range(5):  # 10^13 references: a collision is rare, and the unique index has the last word
        try:
            with transaction.atomic():
                order = PaymentOrder.objects.create(reference=reference_new(), **fields)
            break
        except IntegrityError:
            if attempt == 4:
                raise
    PaymentOrderCharge.objects.bulk_create([
        PaymentOrderCharge(order=order, charge_id=o.charge_id, amount=o.unpaid, late_fee=o.late_fee) for o in owed])
    events.order_issued(order, actor=actor, periods=sorted({f"{o.period:%Y-%m}" for o in owed}))
    return order


payment_order_issue = entry(payment_order_issue, callers=STAFF | PORTAL, permission=ORDER_PERMISSION,
                            refusal=_REFUSAL)


def payment_order_issue_for_person(*, actor: Viewer, person_id: int | None = None,
                                   today: date | None = None) -> PaymentOrder:
    """issue 28: an order for a flexible worker's own open charges (their months and late fees), to the
    collection account of their region, quoting a new reference; the same order as an employer's. A
    person orders for themselves only; a clerk for a person of the region."""
    from contributions.allocation import person_lock
    from insured.models import InsuredPerson

    if actor.kind is Kind.PERSON:
        person_id = actor.person_id
    if person_id is None or not scope(InsuredPerson.objects.filter(pk=person_id), actor).exists():
        raise NotFound(_("No such person in your region."))
    person = person_lock(person_id)
    today = today or today_in_shanghai()
    rate = contribution_terms.terms_for(person.region_id).late_fee_daily_rate
    owed = charges_owed(person_id=person.pk, on=today, rate=rate)
    if not owed:
        raise Conflict(_("Nothing is open: there is nothing to pay."), type_slug="nothing-to-pay")
    account = _account_for(person, today)
    fields = dict(person=person, account=account, amount=sum(o.total for o in owed),
                  late_fee_per_day=late_fee_per_day(owed, rate), issued_on=today,
                  valid_until=today + timedelta(days=terms_for(person.region_id).order_valid_days),
                  actor=actor.label(), actor_user_id=actor.user_id)
    for attempt in range(5):
        try:
            with transaction.atomic():
                order = PaymentOrder.objects.create(reference=reference_new(), **fields)
            break
        except IntegrityError:
            if attempt == 4:
                raise
    PaymentOrderCharge.objects.bulk_create([
        PaymentOrderCharge(order=order, charge_id=o.charge_id, amount=o.unpaid, late_fee=o.late_fee) for o in owed])
    events.order_issued(order, actor=actor, periods=sorted({f"{o.period:%Y-%m}" for o in owed}))
    return order


payment_order_issue_for_person = entry(payment_order_issue_for_person, callers=STAFF | PERSON,
                                       permission=ORDER_PERMISSION, refusal=_REFUSAL)


def payment_order_cancel(*, order_id: int, actor: Viewer, note: str = "") -> PaymentOrder:
    """The employer (or a clerk) withdraws an open order; money that still quotes it is applied all the same."""
    order = row_lock(PaymentOrder.objects.all(), order_id, actor=actor, missing=_("No such payment order."))
    transition(ORDER, order, "cancel", actor=actor, note=note)
    return order


payment_order_cancel = entry(payment_order_cancel, callers=STAFF | PORTAL, permission=CANCEL_PERMISSION,
                             refusal=_REFUSAL)


def payment_orders_expire(*, actor: Viewer, today: date | None = None) -> int:
    """The daily task: open orders past `valid_until` expire (the day after it). Returns how many."""
    today = today or today_in_shanghai()
    expired = 0
    due = PaymentOrder.objects.filter(state=OrderState.OPEN, valid_until__lt=today).order_by("id")
    for order in due.select_for_update(skip_locked=True):
        transition(ORDER, order, "expire", actor=actor)
        expired += 1
    return expired


payment_orders_expire = entry(payment_orders_expire, callers=SYSTEM)


_SETTLED_SQL = """
SELECT o.id
  FROM collection_paymentorder o
 WHERE (%(all)s OR o.employer_id = ANY(%(employers)s) OR o.person_id = ANY(%(persons)s))
   AND o.state IN ('open', 'expired')
   AND EXISTS (SELECT 1 FROM collection_application x WHERE x.order_id = o.id)
   AND NOT EXISTS (
       SELECT 1 FROM collection_paymentordercharge l JOIN contributions_charge c ON c.id = l.charge_id
        WHERE l.order_id = o.id
          AND c.amount > COALESCE((SELECT sum(a.amount) FROM contributions_allocation a WHERE a.charge_id = c.id), 0))
 ORDER BY o.id
"""


_REOPEN_SQL = """
SELECT o.id
  FROM collection_paymentorder o
 WHERE (%(all)s OR o.employer_id = ANY(%(employers)s) OR o.person_id = ANY(%(persons)s))
   AND o.state IN ('paid')
   AND EXISTS (SELECT 1 FROM collection_application x
                 JOIN contributions_paymentreversal r ON r.payment_id = x.payment_id
                WHERE x.order_id = o.id)
   AND EXISTS (
       SELECT 1 FROM collection_paymentordercharge l JOIN contributions_charge c ON c.id = l.charge_id
        WHERE l.order_id = o.id
          AND c.amount > COALESCE((SELECT sum(a.amount) FROM contributions_allocation a WHERE a.charge_id = c.id), 0))
 ORDER BY o.id
"""


def payment_orders_settle(*, actor: Viewer, employer_ids: list[int] | None = None,
                          person_ids: list[int] | None = None) -> list[PaymentOrder]:
    """Orders of these employers that a collector's record quoted (an Application names them) and
    whose charges are all settled become paid (every employer's when `employer_ids` is None); paid
    orders whose quoting money the collector reversed, with a charge open again, are open again.
    Run after the commit of money allocated to these employers (contributions' settled hook,
    collection.orders.orders_settle_after_commit) and, for every employer, by the daily task.
    Returns the orders moved."""
    params = {"all": employer_ids is None and person_ids is None, "employers": list(employer_ids or []),
              "persons": list(person_ids or [])}
    with connection.cursor() as cursor:
        cursor.execute(_SETTLED_SQL, params)
        ids = [row[0] for row in cursor.fetchall()]
    # Set-based (a chunk of the feed pays thousands of orders): the orders locked in one statement,
    # their records read in one, moved by one UPDATE per state and their events written in one INSERT.
    changed = list(PaymentOrder.objects.select_for_update().filter(pk__in=ids).order_by("id"))
    records: dict[int, list[str]] = {order.pk: [] for order in changed}
    for order_id, transaction_id in (Application.objects.filter(order_id__in=records).order_by("id")
                                     .values_list("order_id", "record__transaction_id")):
        records[order_id].append(transaction_id)
    transition_many(ORDER, changed, "pay", actor=actor, details=[{"records": records[o.pk]} for o in changed])
    return changed + _orders_reopen(actor=actor, employer_ids=employer_ids, person_ids=person_ids)


def _orders_reopen(*, actor: Viewer, employer_ids: list[int] | None,
                   person_ids: list[int] | None = None) -> list[PaymentOrder]:
    """Paid orders (of these employers; of every employer when None) whose quoting money the collector
    reversed, with a charge open again, are open again. Called by the reversal itself, inside the feed's
    transaction (collection.reversals.reversal_apply), so an order reopens with the reversal; the daily
    task's look (`payment_orders_settle`) finds nothing left then."""
    with connection.cursor() as cursor:
        cursor.execute(_REOPEN_SQL, {"all": employer_ids is None and person_ids is None,
                                     "employers": list(employer_ids or []), "persons": list(person_ids or [])})
        reopen = [row[0] for row in cursor.fetchall()]
    changed = []
    for order in PaymentOrder.objects.select_for_update().filter(pk__in=reopen).order_by("id"):
        transition(ORDER, order, "reopen", actor=actor)
        changed.append(order)
    return changed


payment_orders_settle = entry(payment_orders_settle, callers=SYSTEM)
