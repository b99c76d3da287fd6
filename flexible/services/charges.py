"""The monthly charges of flexible workers (issue 28, item 2): a beat task charges each active
enrolment's months up to the current one, at the base chosen for each month and the region's flexible
rate, due on the region's day; the late fee runs after the due day, or (with back-payment within the year
allowed) after the end of the period's year. A month an employer insures the person (an employment on
any day of it) is the employer's and is not charged (a month is paid once). Each charge is a
`contributions.Charge` whose payer is the person, with its `SelfPaidMonth` (what it credits to the
individual account): the same allocation, late-fee and credit rules as an employer's money.

Resumable and never twice: per enrolment, one transaction; `charged_through` says what is done, and the
unique (person, period) of SelfPaidMonth refuses a second month whatever happens."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from agency.deadlines import today_in_shanghai
from common.access import Viewer
from common.services import SYSTEM, entry
from contributions.allocation import charges_settle
from contributions.models import Charge, ChargeKind, SelfPaidMonth
from flexible import events
from flexible.models import FlexibleEnrolment
from flexible.services.enrolment import base_for, month_add, month_of
from flexible.terms import terms_for
from insured.models import Employment, InsuredPerson

BATCH = 500


def employer_months(person_id: int, first: date, last: date) -> set[date]:
    """The months from `first` to `last` in which an employer had the person on its roll (any day)."""
    end_of_last = month_add(last, 1)
    months: set[date] = set()
    rows = Employment.objects.filter(person_id=person_id, start_date__lt=end_of_last).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first)).values_list("start_date", "end_date")
    for start, end in rows:
        month = max(month_of(start), first)
        stop = min(month_of(end), last) if end else last
        while month <= stop:
            months.add(month)
            month = month_add(month, 1)
    return months


def _charge_enrolment(enrolment: FlexibleEnrolment, *, through: date, actor: Viewer) -> int:
    """Charge the enrolment's months up to `through` (locked by the caller). Returns months charged."""
    first = enrolment.start_month if enrolment.charged_through is None else month_add(enrolment.charged_through, 1)
    last = through
    if enrolment.stopped_from is not None:
        last = min(last, month_add(enrolment.stopped_from, -1))
    if first > last:
        enrolment.charged_through = through  # a stopped enrolment: nothing to charge up to this month
        enrolment.save(update_fields=["charged_through"])
        return 0
    # The person is locked before the enrolment by a person's switches (flexible.switching, stop and resume);
    # this run holds the enrolment already, so it does not wait for the person: one that is busy is charged
    # by the next run.
    if (InsuredPerson.objects.select_for_update(no_key=True, skip_locked=True).filter(pk=enrolment.person_id)
            .values_list("pk", flat=True).first()) is None:
        return 0
    terms = terms_for(enrolment.region_id)
    taken = employer_months(enrolment.person_id, first, last)
    done = set(SelfPaidMonth.objects.filter(person_id=enrolment.person_id, period__gte=first, period__lte=last)
               .values_list("period", flat=True))
    charged, skipped = [], []
    month = first
    while month <= last:
        base = base_for(enrolment, month)
        if month in taken:
            skipped.append(f"{month:%Y-%m}")
        elif month not in done and base is not None:
            charge = Charge.objects.create(person_id=enrolment.person_id, period=month, kind=ChargeKind.SELF_PAID,
                                           amount=terms.amount(base), due_on=terms.due_on(month),
                                           fee_from=terms.fee_from(month), actor=actor.label(),
                                           actor_user_id=actor.user_id)
            SelfPaidMonth.objects.create(person_id=enrolment.person_id, region_id=enrolment.region_id,
                                         period=month, base=base, amount=charge.amount,
                                         pension_individual=terms.account_credit(base), charge=charge)
            charged.append(f"{month:%Y-%m}")
        month = month_add(month, 1)
    enrolment.charged_through = through
    enrolment.save(update_fields=["charged_through"])
    if charged or skipped:
        events.months_charged(enrolment, actor=actor, months=charged, skipped=skipped)
    if charged:  # money the person paid ahead (a credit) pays the new months at once
        charges_settle(person_id=enrolment.person_id, actor=actor.label())
    return len(charged)


def flexible_months_charge(*, actor: Viewer, today: date | None = None, enrolment_ids: list[int] | None = None,
                           batch: int = BATCH) -> tuple[int, int]:
    """One batch of the monthly run: the active enrolments not yet charged through this month (all, or
    `enrolment_ids`), each locked (skipping those another run holds). Returns (enrolments, months charged);
    the task calls it until no enrolment is left."""
    through = month_of(today or today_in_shanghai())
    due = (FlexibleEnrolment.objects.filter(start_month__lte=through)
           .filter(Q(charged_through__isnull=True) | Q(charged_through__lt=through)).order_by("pk"))
    if enrolment_ids is not None:
        due = due.filter(pk__in=enrolment_ids)
    enrolments = list(due.select_for_update(skip_locked=True)[:batch])
    months = sum(_charge_enrolment(e, through=through, actor=actor) for e in enrolments)
    return len(enrolments), months


flexible_months_charge = entry(flexible_months_charge, callers=SYSTEM)
