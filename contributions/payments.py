"""The one step that makes money count (issue 22): `payment_record` stores a payment under the
employer's lock and allocates it (contributions.allocation says how).

It is not a service entry point and nothing a caller reaches calls it but the collection feed
(collection.applying), inside the feed's entry point and transaction: the amount and the day come
from a collector's record (its value date), never from a payer's word. The portal's
`POST /employer/payments` and the admin's payment form, which recorded what a payer typed, are gone
(tests/collection/test_backdating.py tries them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from agency.deadlines import today_in_shanghai
from common.access import Viewer
from common.hot_paths import array_text, insert_or_nothing
from common.problems import ValidationFailed
from contributions import events
from contributions.allocation import ZERO, charges_settle, employer_lock, person_lock
from contributions.models import Payment
from contributions.models.payments import PaymentChannel


def _validate(*, amount: Decimal, paid_on: date, bank_reference: str) -> str:
    errors = []
    reference = (bank_reference or "").strip()
    if not reference:
        errors.append({"field": "bank_reference", "code": "required", "message": gettext("Give the bank's reference.")})
    if amount is None or amount <= 0:
        errors.append({"field": "amount", "code": "not_positive", "message": gettext("A payment is a positive amount.")})
    elif amount != amount.quantize(Decimal("0.01")):
        errors.append({"field": "amount", "code": "fen", "message": gettext("Amounts are in yuan with two decimals.")})
    if paid_on is not None and paid_on > today_in_shanghai():
        errors.append({"field": "paid_on", "code": "future",
                       "message": gettext("A payment cannot be dated in the future.")})
    if errors:
        raise ValidationFailed(gettext("The payment is refused."), errors=errors)
    return reference


def payment_record(*, employer_id: int | None = None, bank_reference: str, amount: Decimal, paid_on: date,
                   actor: Viewer, channel: str = PaymentChannel.COLLECTOR, note: str = "",
                   person_id: int | None = None) -> tuple[Payment, bool]:
    """Record a payment and allocate it. Returns (payment, created): the same bank reference again
    for the same payer answers the first payment and changes nothing (the feed derives the
    reference from the collection account and the collector's transaction id). The payer is the
    employer, or (issue 28) `person_id`, a person who pays for themselves."""
    reference = _validate(amount=amount, paid_on=paid_on, bank_reference=bank_reference)
    if person_id is not None:
        # Under the person's lock; the person's events are the flexible app's and the feed's.
        person = person_lock(person_id)
        known = Payment.objects.filter(person_id=person.pk, bank_reference=reference).first()
        if known is not None:
            return known, False
        payment = Payment.objects.create(person_id=person.pk, bank_reference=reference, amount=amount,
                                         paid_on=paid_on, channel=channel, note=note, actor=actor.label(),
                                         actor_user_id=actor.user_id)
        charges_settle(person_id=person.pk, actor=actor.label())
        return payment, True
    employer = employer_lock(employer_id)
    payment = Payment(employer_id=employer.pk, bank_reference=reference, amount=amount, paid_on=paid_on,
                      channel=channel, note=note, actor=actor.label(), actor_user_id=actor.user_id)
    if not insert_or_nothing(payment, conflict=("employer", "bank_reference")):
        return Payment.objects.get(employer_id=employer.pk, bank_reference=reference), False
    allocations = charges_settle(employer_id=employer.pk, actor=actor.label())
    events.payment_recorded(payment, actor=actor,
                            allocated=sum((a.amount for a in allocations if a.payment_id == payment.pk), ZERO))
    return payment, True


_INSERT_MANY = """
INSERT INTO contributions_payment (employer_id, person_id, bank_reference, amount, paid_on, channel, note,
                                   recorded_at, actor, actor_user_id)
SELECT p.employer_id, NULL, p.bank_reference, p.amount, p.paid_on, %(channel)s, '', %(now)s, %(actor)s, %(user)s
  FROM unnest(%(employer)s::bigint[], %(reference)s::text[], %(amount)s::numeric[], %(paid_on)s::date[])
       WITH ORDINALITY AS p(employer_id, bank_reference, amount, paid_on, n)
 ORDER BY p.n
RETURNING id
"""


def payments_insert_many(*, payments: list[tuple[int, str, Decimal, date]], actor: Viewer,
                         channel: str = PaymentChannel.COLLECTOR) -> list[int]:
    """The collection feed's chunk (collection.applying): employers' payments (employer id, bank
    reference, amount, paid on), checked when their records were stored, written in one statement;
    returns their ids in order. The caller holds every employer's lock, allocates them at once
    (`charges_settle_many`) and writes their events (`events.payments_recorded`). A bank reference
    the employer has already is refused by its unique constraint (the feed derives it from a record
    applied once)."""
    if not payments:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_MANY, {
            "employer": array_text(p[0] for p in payments), "reference": array_text(p[1] for p in payments),
            "amount": array_text(p[2] for p in payments), "paid_on": array_text(p[3] for p in payments),
            "channel": channel, "now": timezone.now(), "actor": actor.label(), "user": actor.user_id})
        return [row[0] for row in cursor.fetchall()]
