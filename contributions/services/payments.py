"""Payments (issue 11, item 5): `payment_record` stores a payment under the employer's lock and
allocates it (contributions.allocation, which says how)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext, gettext_lazy

from agency.deadlines import today_in_shanghai
from agency.models import Document
from common.access import Kind, Viewer
from common.dates import date_not_before_establishment
from common.hot_paths import insert_or_nothing
from common.problems import NotFound, ValidationFailed
from common.services import PORTAL, STAFF, entry
from contributions import events
from contributions.allocation import ZERO, charges_settle, employer_lock
from contributions.models import Payment
from contributions.models.payments import PaymentChannel
from employers.models import Employer

PERMISSION = "contributions.add_payment"
_REFUSAL = gettext_lazy("Only the employer or agency staff allowed to record payments may do this.")


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


def payment_record(*, employer_id: int, bank_reference: str, amount: Decimal, paid_on: date, actor: Viewer,
                   channel: str = PaymentChannel.API, voucher: Document | None = None,
                   note: str = "") -> tuple[Payment, bool]:
    """Record a payment and allocate it. Returns (payment, created): the same bank reference again
    for the same employer answers the first payment and changes nothing; references are unique per
    employer, so another employer's reference is recorded as any new one would be. A portal records
    its own employer's payments only; a clerk those of the region's employers (anyone else is refused
    by the declaration below)."""
    if actor.kind is Kind.EMPLOYER and actor.employer_id != employer_id:
        raise NotFound(gettext("No such employer."))
    if actor.kind is Kind.CLERK:
        region_id = Employer.objects.filter(pk=employer_id).values_list("region_id", flat=True).first()
        if region_id != actor.region_id:
            raise NotFound(gettext("No such employer."))
    reference = _validate(amount=amount, paid_on=paid_on, bank_reference=bank_reference)
    employer = employer_lock(employer_id)
    if paid_on is not None:
        date_not_before_establishment(paid_on, employer.established_on, field="paid_on")
    payment = Payment(employer_id=employer.pk, bank_reference=reference, amount=amount, paid_on=paid_on,
                      voucher=voucher, channel=channel, note=note, actor=actor.label(), actor_user_id=actor.user_id)
    if not insert_or_nothing(payment, conflict=("employer", "bank_reference")):
        # Only this employer's own references are looked at: whether another employer recorded the
        # same reference is never told (issue 25, item 4).
        return Payment.objects.get(employer_id=employer.pk, bank_reference=reference), False
    allocations = charges_settle(employer_id=employer.pk, actor=actor.label())
    events.payment_recorded(payment, actor=actor,
                            allocated=sum((a.amount for a in allocations if a.payment_id == payment.pk), ZERO))
    return payment, True


payment_record = entry(payment_record, callers=STAFF | PORTAL, permission=PERMISSION, refusal=_REFUSAL)


