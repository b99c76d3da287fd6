"""Art. 58 late enrolment: the agency determines the months before the first declared month.

For an employment flagged `enrolled_late`, the months from the start of employment up to the
first month the employer declared the person (or, with none declared yet, up to the current
month), less any month the employer did declare, are determined from the wage on the enrolment
(clamped to the year's floor and ceiling; amounts per type and part from the policy tables in
force, each rounded half-up to the fen). A clerk reviews and confirms them in the admin under a
deadline (DeadlineRule.LATE_ENROLMENT_DETERMINATION, the region's staffing review days);
confirmed, each month becomes a "determined" charge with its original due day, so the late fee
runs from then. A month the employer declared meanwhile is left out at confirmation, so no
person-month is charged twice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from agency.deadlines import deadline_close, deadline_open, today_in_shanghai
from agency.models import DeadlineRule, InsuranceType
from common.access import Kind, Viewer
from common.dates import month_next
from common.problems import ApplicationError, NotFound, ValidationFailed
from contributions.events import EventKind, event_record
from contributions.models import Charge, ChargeKind, ContributionLine
from contributions.models.payments import Determination, DeterminationState, DeterminedMonth
from contributions.services.payments import charges_settle, employer_lock
from contributions.services.rates import rate_card
from contributions.services.settings import terms_for
from employers.models import Employer
from insured.models import Employment


def _month(day: date) -> date:
    return day.replace(day=1)


def _declared_periods(employment: Employment) -> set[date]:
    return set(ContributionLine.objects.filter(person_id=employment.person_id, employer_id=employment.employer_id)
               .values_list("period", flat=True))


def determination_months(employment: Employment, *, today: date) -> list[date]:
    declared = _declared_periods(employment)
    start = max(_month(employment.start_date), _month(employment.employer.established_on))
    stop = min(declared) if declared else _month(today)
    if employment.end_date is not None:
        stop = min(stop, month_next(_month(employment.end_date)))
    months, period = [], start
    while period < stop:
        if period not in declared:
            months.append(period)
        period = month_next(period)
    return months


def month_amounts(*, employer: Employer, period: date, wage: Decimal) -> dict:
    """Base and amounts per insurance type and part for one person-month (contributions.services.rates)."""
    card = rate_card(employer=employer, period=period)
    base, _clamp, amounts = card.figures(wage)
    return {"base": base, "amounts": card.by_type(amounts)}


@transaction.atomic
def determination_propose(*, employment: Employment, actor: Viewer, today: date | None = None) -> Determination | None:
    """Propose the determined months of a late enrolment and start the clerk's deadline.
    None when there is nothing to determine (or it was proposed before)."""
    today = today or today_in_shanghai()
    employment = (Employment.objects.select_for_update(of=("self",)).select_related("employer")
                  .get(pk=employment.pk))
    if not employment.enrolled_late or Determination.objects.filter(employment=employment).exists():
        return None
    months = determination_months(employment, today=today)
    if not months:
        return None
    employer = employment.employer
    determination = Determination.objects.create(
        employment=employment, employer=employer, person_id=employment.person_id, region_id=employer.region_id,
        monthly_wage=employment.monthly_wage)
    rows = []
    for period in months:
        figures = month_amounts(employer=employer, period=period, wage=employment.monthly_wage)
        parts = figures["amounts"]
        rows.append(DeterminedMonth(
            determination=determination, period=period, base=figures["base"], amounts=parts,
            employer_amount=sum(Decimal(p["employer"]) for p in parts.values()),
            individual_amount=sum(Decimal(p["individual"]) for p in parts.values()),
            pension_individual=Decimal(parts[InsuranceType.PENSION]["individual"])))
    DeterminedMonth.objects.bulk_create(rows)
    deadline_open(rule=DeadlineRule.LATE_ENROLMENT_DETERMINATION, subject=determination,
                  region=employer.region, starts_on=today, label=str(determination))
    event_record(kind=EventKind.DETERMINATION_PROPOSED, employer_id=employer.pk, actor=actor,
                 details={"determination": determination.pk, "employment": employment.pk,
                          "months": [f"{m:%Y-%m}" for m in months]})
    return determination


def determinations_propose_due(*, today: date | None = None) -> int:
    """The daily job: propose for every late enrolment that has none yet. Returns how many."""
    proposed = 0
    pending = (Employment.objects.filter(enrolled_late=True, determination__isnull=True)
               .values_list("id", flat=True).order_by("id"))
    for employment_id in pending.iterator():
        if determination_propose(employment=Employment(pk=employment_id), actor=Viewer.system(), today=today):
            proposed += 1
    return proposed


def _lock_for_decision(determination: Determination, actor: Viewer) -> Determination:
    locked = Determination.objects.select_for_update().filter(pk=determination.pk).first()
    if locked is None or (actor.kind is Kind.CLERK and locked.region_id != actor.region_id) \
            or actor.kind not in (Kind.CLERK, Kind.SUPERUSER, Kind.SYSTEM):
        raise NotFound("No such determination.")
    if locked.state != DeterminationState.PENDING:
        raise ApplicationError("The determination was decided before; nothing was changed.", status=409,
                               type_slug="already-decided")
    return locked


@transaction.atomic
def determination_confirm(*, determination: Determination, actor: Viewer, note: str = "") -> list[Charge]:
    """A clerk confirms: each month not declared meanwhile becomes a "determined" charge due on
    its original due day."""
    employer_lock(determination.employer_id)
    locked = _lock_for_decision(determination, actor)
    terms = terms_for(locked.region_id)
    declared = _declared_periods(locked.employment)
    charges = []
    for month in locked.months.select_for_update().order_by("period"):
        if month.period in declared or month.total <= 0:
            continue
        due_on = terms.due_on(month.period)
        month.charge = Charge.objects.create(
            employer_id=locked.employer_id, period=month.period, kind=ChargeKind.DETERMINED,
            amount=month.total, due_on=due_on, fee_from=due_on, actor=actor.label(), actor_user_id=actor.user_id)
        month.save(update_fields=["charge"])
        charges.append(month.charge)
    locked.state, locked.decided_at = DeterminationState.CONFIRMED, timezone.now()
    locked.decided_by_id, locked.decision_note = actor.user_id, note
    locked.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    deadline_close(subject=locked, rule=DeadlineRule.LATE_ENROLMENT_DETERMINATION)
    event_record(kind=EventKind.DETERMINATION_CONFIRMED, employer_id=locked.employer_id, actor=actor,
                 details={"determination": locked.pk, "charges": [c.pk for c in charges], "note": note})
    charges_settle(employer_id=locked.employer_id, actor=actor.label())
    return charges


@transaction.atomic
def determination_reject(*, determination: Determination, actor: Viewer, note: str) -> Determination:
    if not note.strip():
        raise ValidationFailed.field("note", "required", "Give the reason for rejecting.")
    locked = _lock_for_decision(determination, actor)
    locked.state, locked.decided_at = DeterminationState.REJECTED, timezone.now()
    locked.decided_by_id, locked.decision_note = actor.user_id, note
    locked.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    deadline_close(subject=locked, rule=DeadlineRule.LATE_ENROLMENT_DETERMINATION)
    event_record(kind=EventKind.DETERMINATION_REJECTED, employer_id=locked.employer_id, actor=actor,
                 details={"determination": locked.pk, "note": note})
    return locked
