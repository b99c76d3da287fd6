"""Employer clearance on a merger (合并): the merged employer's staff and open charges move to the
successor in one transaction.

Contributions are per calendar month (domain.md, "Staff reduction in practice"): the merged
employer pays up to and including `last_month`; each employment ends on that month's last day and
continues at the successor from the first day of the next, so no month is paid twice or missed.
An open charge (unpaid principal or late fee) is settled at the merged employer by a credit
(`merger_out`, counting as paid on the charge's own due day, so no late fee arises there) and is
owed by the successor as a `merger_in` charge with the original period, due day and late-fee start:
the lateness keeps running at the successor. Events record both sides.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.access import Viewer, scope
from common.dates import month_next
from common.problems import Conflict, NotFound, ValidationFailed
from common.services import STAFF, entry
from contributions.allocation import PRINCIPAL_KINDS, employer_lock
from contributions.fees import Part, late_fee
from contributions.models import Allocation, Charge, ChargeKind
from contributions.terms import terms_for
from employers.models import Employer, RegistrationStatus
from insured import events as person_events
from insured.models import Channel, Employment, SeparationReason
from refunds.models import EmployerMerger

MERGE_PERMISSION = "refunds.add_employermerger"


def _open_charges(employer_id: int) -> list[tuple[Charge, object]]:
    """(charge, unpaid) of every positive charge of the employer not fully allocated, oldest first."""
    charges = (Charge.objects.filter(employer_id=employer_id, amount__gt=0)
               .annotate(given=Sum("allocations__amount")).order_by("due_on", "period", "id"))
    return [(c, c.amount - (c.given or 0)) for c in charges if c.amount - (c.given or 0) > 0]


def _move_charge(charge: Charge, unpaid, *, predecessor: Employer, successor: Employer, actor: str) -> dict:
    out = Charge.objects.create(employer=predecessor, period=charge.period, kind=ChargeKind.MERGER_OUT,
                                parent=charge, amount=-unpaid, due_on=charge.due_on, fee_from=None, actor=actor)
    Allocation.objects.create(employer=predecessor, charge=charge, credit=out, amount=unpaid,
                              effective_on=charge.due_on, settles_charge=True, actor=actor)
    taken = Charge.objects.create(employer=successor, period=charge.period, kind=ChargeKind.MERGER_IN, parent=charge,
                                  amount=unpaid, due_on=charge.due_on,
                                  fee_from=charge.fee_from if charge.kind in PRINCIPAL_KINDS else None, actor=actor)
    return {"charge": charge.pk, "kind": charge.kind, "period": charge.period.isoformat(), "amount": str(unpaid),
            "out": out.pk, "in": taken.pk}


def _fee_for_parts_paid_late(charge: Charge, rate) -> Charge | None:
    """A principal partly paid late at the merged employer: the lateness of those parts is its own
    (posted there as a late fee, which then moves with the rest)."""
    if charge.kind not in PRINCIPAL_KINDS or charge.fee_from is None:
        return None
    parts = [Part(a.amount, a.effective_on) for a in charge.allocations.all()]
    if not parts:
        return None
    amount = late_fee(parts=parts, unpaid=0, fee_from=charge.fee_from, on=max(p.paid_on for p in parts), rate=rate)
    if amount <= 0 or charge.children.filter(kind=ChargeKind.LATE_FEE).exists():
        return None
    return Charge.objects.create(employer_id=charge.employer_id, period=charge.period, kind=ChargeKind.LATE_FEE,
                                 parent=charge, amount=amount, due_on=max(p.paid_on for p in parts), fee_from=None,
                                 actor="merger")


def employer_merge(*, predecessor: Employer, successor: Employer, last_month: date, actor: Viewer,
                   note: str = "") -> EmployerMerger:
    """Move `predecessor`'s staff and open charges to `successor`; the predecessor pays up to and
    including `last_month` (its first day), the successor from the month after."""
    if predecessor.pk == successor.pk:
        raise ValidationFailed.field("successor", "same", _("An employer cannot merge into itself."))
    visible = set(scope(Employer.objects.filter(pk__in=[predecessor.pk, successor.pk]), actor)
                  .values_list("pk", flat=True))
    if visible != {predecessor.pk, successor.pk}:
        raise NotFound(_("Both employers must be in your region."))
    # Lock in id order: two mergers touching the same pair never deadlock.
    locked = {e.pk: e for e in (employer_lock(pk) for pk in sorted([predecessor.pk, successor.pk]))}
    predecessor, successor = locked[predecessor.pk], locked[successor.pk]
    if successor.registration_status != RegistrationStatus.REGISTERED:
        raise Conflict(_("The successor employer is not registered."), type_slug="employer-not-registered")
    if EmployerMerger.objects.filter(predecessor=predecessor).exists():
        raise Conflict(_("This employer was merged before."), type_slug="already-decided")
    last_month = last_month.replace(day=1)
    first_new = month_next(last_month)
    last_day = first_new - timedelta(days=1)
    label = actor.label()

    staff = []
    for employment in (Employment.objects.select_for_update().select_related("person")
                       .filter(employer=predecessor, end_date__isnull=True).order_by("id")):
        if employment.start_date > last_day:
            raise Conflict(_("%(person)s starts at the merged employer after %(day)s; reduce or move them first.")
                           % {"person": employment.person.name, "day": last_day}, type_slug="conflict")
        employment.end_date = last_day
        employment.save(update_fields=["end_date"])
        continued = Employment.objects.create(person=employment.person, employer=successor, start_date=first_new,
                                              monthly_wage=employment.monthly_wage)
        details = {"merger": True, "from_employer": predecessor.pk, "to_employer": successor.pk,
                   "from_employment": employment.pk, "to_employment": continued.pk}
        person_events.staff_reduction_requested(
            employment=employment, employer=predecessor, last_day=last_day, reason=SeparationReason.OTHER,
            note=_("Merged into %(successor)s; continues there from %(day)s.") % {"successor": successor.name,
                                                                                   "day": first_new},
            pending=False, actor=actor, channel=Channel.ADMIN)
        person_events.enrolment_effective(employment=continued, employer=successor, late=False, details=details,
                                          actor=actor, channel=Channel.ADMIN)
        staff.append(details)

    rate = terms_for(predecessor.region_id).late_fee_daily_rate
    for charge, _unpaid in _open_charges(predecessor.pk):
        _fee_for_parts_paid_late(charge, rate)
    moved = [_move_charge(charge, unpaid, predecessor=predecessor, successor=successor, actor=label)
             for charge, unpaid in _open_charges(predecessor.pk)]
    return EmployerMerger.objects.create(
        predecessor=predecessor, successor=successor, region=predecessor.region, last_month=last_month,
        staff_moved=len(staff), charges_moved=len(moved), actor=label, actor_user_id=actor.user_id,
        details={"staff": staff, "charges": moved, "note": note, "recorded_on": timezone.localdate().isoformat()})


employer_merge = entry(employer_merge, callers=STAFF, permission=MERGE_PERMISSION,
                       refusal=gettext_lazy("Your group may not record employer mergers."))
