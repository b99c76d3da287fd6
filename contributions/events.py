"""The contribution record's events: the one writer of `ContributionEvent`, one function per kind
(`<thing>_<event>(subject, *, actor, ...)`), all through `_write`, called by the services in their
own transaction. The daily Art. 62 assessment writes its events set-based, in the statement that
writes its charges: `provisional_assessed_sql` is that writer, and lives here with the others; the
collection feed's chunk writes its payments' events in one statement (`payments_recorded`)."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.access import Viewer
from common.hot_paths import array_text
from contributions.models import ContributionEvent


class EventKind(models.TextChoices):
    DECLARED = "declared", _("declaration filed")
    CORRECTED = "corrected", _("declaration corrected")
    # h11b: payments, Art. 62 assessments, Art. 58 determinations
    PAYMENT_RECORDED = "payment_recorded", _("payment recorded")
    PROVISIONAL_ASSESSED = "provisional_assessed", _("provisionally assessed (Art. 62)")
    PROVISIONAL_REPLACED = "provisional_replaced", _("provisional charge replaced by the declaration")
    DETERMINATION_PROPOSED = "determination_proposed", _("late-enrolment months determined (Art. 58)")
    DETERMINATION_CONFIRMED = "determination_confirmed", _("determined months confirmed and charged")
    DETERMINATION_REJECTED = "determination_rejected", _("determined months rejected")


def _write(kind: str, *, employer_id: int, actor: Viewer, period=None, declaration=None,
           details: dict | None = None) -> ContributionEvent:
    return ContributionEvent.objects.create(
        kind=kind, employer_id=employer_id, period=period, declaration=declaration,
        actor=actor.label(), actor_user_id=actor.user_id, details=details or {})


def _declaration_details(declaration, charges) -> dict:
    return {"sequence": declaration.sequence, "rows": declaration.rows, "lines_written": declaration.lines_written,
            "total": str(declaration.total), "difference": str(declaration.difference), "late": declaration.late,
            "charges": [{"id": c.pk, "amount": str(c.amount), "due_on": c.due_on.isoformat()} for c in charges]}


def declaration_filed(declaration, *, actor: Viewer, charges) -> ContributionEvent:
    """The month's first declaration."""
    return _write(EventKind.DECLARED, employer_id=declaration.employer_id, actor=actor, period=declaration.period,
                  declaration=declaration, details=_declaration_details(declaration, charges))


def declaration_corrected(declaration, *, actor: Viewer, charges) -> ContributionEvent:
    """A later filing of the month (sequence > 1): its lines hold the differences."""
    return _write(EventKind.CORRECTED, employer_id=declaration.employer_id, actor=actor, period=declaration.period,
                  declaration=declaration, details=_declaration_details(declaration, charges))


def payment_recorded(payment, *, actor: Viewer, allocated) -> ContributionEvent:
    return _write(EventKind.PAYMENT_RECORDED, employer_id=payment.employer_id, actor=actor,
                  details={"payment": payment.pk, "bank_reference": payment.bank_reference,
                           "amount": str(payment.amount), "paid_on": payment.paid_on.isoformat(),
                           "channel": payment.channel, "allocated": str(allocated)})


_PAYMENTS_RECORDED = f"""
INSERT INTO contributions_contributionevent (kind, employer_id, period, declaration_id, recorded_at, actor,
                                             actor_user_id, details)
SELECT '{EventKind.PAYMENT_RECORDED.value}', p.employer_id, NULL, NULL, %(now)s, %(actor)s, %(user)s,
       jsonb_build_object('payment', p.id, 'bank_reference', p.bank_reference, 'amount', p.amount::text,
                          'paid_on', p.paid_on, 'channel', p.channel, 'allocated', x.allocated::text)
  FROM unnest(%(ids)s::bigint[], %(allocated)s::numeric[]) WITH ORDINALITY AS x(id, allocated, n)
  JOIN contributions_payment p ON p.id = x.id
 ORDER BY x.n
"""


def payments_recorded(payments: list[tuple[int, Decimal]], *, actor: Viewer) -> int:
    """`payment_recorded` for many employers' payments at once (the collection feed's chunk), in one
    statement: `payments` as (payment id, what the allocation run allocated of it); the rest of the
    details are the payment's row. Returns how many events were written."""
    if not payments:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_PAYMENTS_RECORDED, {
            "ids": array_text(pk for pk, _allocated in payments),
            "allocated": array_text(allocated for _pk, allocated in payments),
            "now": timezone.now(), "actor": actor.label(), "user": actor.user_id})
        return cursor.rowcount


def provisional_replaced(declaration, *, actor: Viewer, provisional) -> ContributionEvent:
    return _write(EventKind.PROVISIONAL_REPLACED, employer_id=declaration.employer_id, actor=actor,
                  period=declaration.period, declaration=declaration,
                  details={"provisional": provisional.pk, "amount": str(provisional.amount)})


def provisional_assessed_sql(charged: str) -> str:
    """The writer of `provisional_assessed` events, set-based: the INSERT that ends the daily Art. 62
    statement, one event per row of its CTE `charged` (id, employer_id, period, amount, due_on),
    with the statement's `%(actor)s`; returns each event's employer id."""
    return f"""
INSERT INTO contributions_contributionevent (kind, employer_id, period, recorded_at, actor, details)
SELECT '{EventKind.PROVISIONAL_ASSESSED.value}', c.employer_id, c.period, now(), %(actor)s,
       jsonb_build_object('charge', c.id, 'amount', c.amount::text, 'due_on', c.due_on)
  FROM {charged} c
RETURNING employer_id
"""


def determination_proposed(determination, *, actor: Viewer, months) -> ContributionEvent:
    return _write(EventKind.DETERMINATION_PROPOSED, employer_id=determination.employer_id, actor=actor,
                  details={"determination": determination.pk, "employment": determination.employment_id,
                           "months": [f"{m:%Y-%m}" for m in months]})


def determination_confirmed(determination, *, actor: Viewer, charges, note: str) -> ContributionEvent:
    return _write(EventKind.DETERMINATION_CONFIRMED, employer_id=determination.employer_id, actor=actor,
                  details={"determination": determination.pk, "charges": [c.pk for c in charges], "note": note})


def determination_rejected(determination, *, actor: Viewer, note: str) -> ContributionEvent:
    return _write(EventKind.DETERMINATION_REJECTED, employer_id=determination.employer_id, actor=actor,
                  details={"determination": determination.pk, "note": note})
