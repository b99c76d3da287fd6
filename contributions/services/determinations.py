"""Art. 58 late enrolment: the agency determines the months before the first declared month.

For an employment flagged `enrolled_late`, the months from the start of employment up to the
first month the employer declared the person (or, with none declared yet, up to the current
month), less any month the employer did declare, are determined from the wage on the enrolment
(clamped to the year's floor and ceiling; amounts per type and part from the policy tables in
force, each rounded half-up to the fen). A clerk reviews and confirms them in the admin under a
deadline (DeterminationRule.LATE_ENROLMENT_DETERMINATION, the region's staffing review days);
confirmed, each month becomes a "determined" charge with its original due day, so the late fee
runs from then. A month the employer declared meanwhile is left out at confirmation, so no
person-month is charged twice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency.deadlines import deadline_open, today_in_shanghai
from agency.models import InsuranceType
from common.access import Viewer
from common.dates import month_next
from common.problems import ValidationFailed
from common.services import STAFF, SYSTEM, Machine, Step, entry, row_lock, transition
from contributions import events
from contributions.allocation import charges_settle, employer_lock
from contributions.models import Charge, ChargeKind, ContributionLine
from contributions.models.payments import Determination, DeterminationState, DeterminedMonth
from contributions.rates import rate_card
from contributions.terms import DeterminationRule, terms_for
from employers.models import Employer
from insured.models import Employment

RULE = DeterminationRule.LATE_ENROLMENT_DETERMINATION
S = DeterminationState
# A proposal waits for a clerk; confirming charges the months, rejecting charges nothing. Either
# stops the clerk's clock.
DETERMINATION = Machine(gettext_lazy("late enrolment determination"), {
    S.PENDING: {"confirm": Step(S.CONFIRMED, events.determination_confirmed, close=RULE),
                "reject": Step(S.REJECTED, events.determination_rejected, close=RULE)},
}, states=DeterminationState, actions={"confirm": gettext_lazy("confirmed"), "reject": gettext_lazy("rejected")})
PERMISSION = "contributions.change_determination"  # the clerks' group holds it
_DECIDERS_ONLY = gettext_lazy("Only agency staff allowed to decide determinations may do this.")


def _month(day: date) -> date:
    return day.replace(day=1)


def _declared_periods(employment: Employment) -> set[date]:
    return set(ContributionLine.objects.filter(person_id=employment.person_id, employer_id=employment.employer_id)
               .values_list("period", flat=True))


def _determination_months(employment: Employment, *, today: date) -> list[date]:
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


def _month_amounts(*, employer: Employer, period: date, wage: Decimal) -> dict:
    """Base and amounts per insurance type and part for one person-month (contributions.rates)."""
    card = rate_card(employer=employer, period=period)
    base, _clamp, amounts = card.figures(wage)
    return {"base": base, "amounts": card.by_type(amounts)}


def determination_propose(*, employment: Employment, actor: Viewer, today: date | None = None) -> Determination | None:
    """Propose the determined months of a late enrolment and start the clerk's deadline.
    None when there is nothing to determine (or it was proposed before)."""
    today = today or today_in_shanghai()
    employment = (Employment.objects.select_for_update(of=("self",)).select_related("employer")
                  .get(pk=employment.pk))
    if not employment.enrolled_late or Determination.objects.filter(employment=employment).exists():
        return None
    months = _determination_months(employment, today=today)
    if not months:
        return None
    employer = employment.employer
    determination = Determination.objects.create(
        employment=employment, employer=employer, person_id=employment.person_id, region_id=employer.region_id,
        monthly_wage=employment.monthly_wage)
    rows = []
    for period in months:
        figures = _month_amounts(employer=employer, period=period, wage=employment.monthly_wage)
        parts = figures["amounts"]
        rows.append(DeterminedMonth(
            determination=determination, period=period, base=figures["base"], amounts=parts,
            employer_amount=sum(Decimal(p["employer"]) for p in parts.values()),
            individual_amount=sum(Decimal(p["individual"]) for p in parts.values()),
            pension_individual=Decimal(parts[InsuranceType.PENSION]["individual"])))
    DeterminedMonth.objects.bulk_create(rows)
    # The clock starts with the row itself, not with a step of the machine: opened by hand.
    deadline_open(rule=RULE, subject=determination, region=employer.region, starts_on=today,
                  label=str(determination))
    events.determination_proposed(determination, actor=actor, months=months)
    return determination


determination_propose = entry(determination_propose, callers=SYSTEM)


def _decide(determination: Determination, action: str, *, actor: Viewer) -> Determination:
    """Lock the determination (a clerk's own region only: another region's is not found), take the step."""
    locked = row_lock(Determination.objects.all(), determination.pk, actor=actor, missing=_("No such determination."))
    DETERMINATION.step(locked.state, action)  # refused before anything is written
    return locked


def _decided(locked: Determination, action: str, *, actor: Viewer, note: str, **details) -> None:
    locked.decided_at, locked.decided_by_id, locked.decision_note = timezone.now(), actor.user_id, note
    transition(DETERMINATION, locked, action, actor=actor, fields=["decided_at", "decided_by", "decision_note"],
               note=note, **details)


def determination_confirm(*, determination: Determination, actor: Viewer, note: str = "") -> list[Charge]:
    """A clerk confirms: each month not declared meanwhile becomes a "determined" charge due on
    its original due day."""
    employer_lock(determination.employer_id)
    locked = _decide(determination, "confirm", actor=actor)
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
    _decided(locked, "confirm", actor=actor, note=note, charges=charges)
    charges_settle(employer_id=locked.employer_id, actor=actor.label())
    return charges


determination_confirm = entry(determination_confirm, callers=STAFF, permission=PERMISSION, refusal=_DECIDERS_ONLY)


def determination_reject(*, determination: Determination, actor: Viewer, note: str) -> Determination:
    if not note.strip():
        raise ValidationFailed.field("note", "required", _("Give the reason for rejecting."))
    locked = _decide(determination, "reject", actor=actor)
    _decided(locked, "reject", actor=actor, note=note)
    return locked


determination_reject = entry(determination_reject, callers=STAFF, permission=PERMISSION, refusal=_DECIDERS_ONLY)
