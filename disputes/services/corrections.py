"""Clerks' corrections of a person's record (Art. 74; issue 23 items 2 and 4), each tied to a dispute or to
a written reason, never an update of an existing row:

- an account entry: a correcting entry (`accounts.services.ledger.account_correction_post`);
- an employer's month, for a missing person-month or a wrong base: the clerk's correction filing of that
  month (`contributions.services.declarations.declaration_file`, sequence + 1) with the person's
  corrected wage and every other person's current figure, so only the person's difference is written and
  charged (the arrears follow from the charge);
- a missing person-month, by an Art. 58 determination: the pending determination of the person's late
  enrolment at the employer that holds the month is confirmed (`contributions.services.determinations.
  determination_confirm`), which charges its months; the other route, asking the employer for a correction
  filing with a deadline, is `disputes.services.requests`.

Four eyes: a correction that moves more than the region's `four_eyes_amount` waits for a second clerk
(`disputes.approve_correction`), never the proposer. Finality: a correction of a period older than the
region's `finality_years` waits for a supervisor (`disputes.approve_final_correction`). Otherwise it is
applied when proposed, by the proposer (who needs the lower service's own permission).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import PensionAccount
from accounts.services.ledger import account_correction_post
from common.access import Viewer, scope, viewer_may
from common.problems import NotFound, ValidationFailed
from common.services import STAFF, Machine, Step, entry, row_lock, transition
from contributions.models import AMOUNT_COLUMNS, ContributionLine
from contributions.models.payments import Determination, DeterminationState
from contributions.rates import rate_card
from contributions.selectors.declarations import roll_of_month
from contributions.services.declarations import declaration_file
from contributions.services.determinations import determination_confirm
from disputes import events
from disputes.models import (
    OPEN_STATES,
    REASON_MAX,
    Correction,
    CorrectionKind,
    CorrectionState,
    Dispute,
)
from disputes.problems import refused
from disputes.services.disputes import FIRST_MONTH
from disputes.terms import terms_for
from employers.models import Employer
from insured.models import InsuredPerson

PROPOSE_PERMISSION = "disputes.add_correction"
APPROVE_PERMISSION = "disputes.approve_correction"
FINAL_PERMISSION = "disputes.approve_final_correction"
AMOUNT_MAX = Decimal("1000000.00")
FEN = Decimal("0.01")
ZERO = Decimal("0.00")

S = CorrectionState
CORRECTION = Machine(gettext_lazy("correction"), {
    S.PROPOSED: {"apply": Step(S.APPLIED, events.correction_applied),
                 "approve": Step(S.APPLIED, events.correction_approved),
                 "reject": Step(S.REJECTED, events.correction_rejected)},
}, states=CorrectionState, actions={"apply": gettext_lazy("applied"), "approve": gettext_lazy("approved"),
                                    "reject": gettext_lazy("rejected")})


def _money(value, field: str, *, positive: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(FEN) if value is not None and not isinstance(value, (bool, float)) \
            else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationFailed.field(field, "invalid", _("Give an amount in yuan, e.g. 120.50."))
    if amount == 0 or (positive and amount < 0):
        raise ValidationFailed.field(field, "not_positive" if positive else "zero",
                                     _("The amount must be positive.") if positive
                                     else _("A correction moves the balance by at least 0.01."))
    if abs(amount) > AMOUNT_MAX:
        raise ValidationFailed.field(field, "too_large", _("The amount is too large."))
    return amount


def _month(value, field: str = "month") -> date:
    if not isinstance(value, date):
        raise ValidationFailed.field(field, "required", _("Give the month (YYYY-MM)."))
    value = value.replace(day=1)
    if value < FIRST_MONTH or value > timezone.localdate().replace(day=1):
        raise ValidationFailed.field(field, "out_of_range", _("The month is from 1992-01 to the current month."))
    return value


def period_is_final(month: date | None, *, region_id: int, today: date | None = None) -> bool:
    """Whether `month` lies more than the region's finality years before the current month."""
    if month is None:
        return False
    today = today or timezone.localdate()
    years = terms_for(region_id).finality_years
    limit = today.replace(day=1)
    limit = limit.replace(year=limit.year - years)
    return month < limit


def _person_figure(employer_id: int, month: date, person_id: int) -> tuple[Decimal, Decimal]:
    """The person's current wage and contributions of the month at the employer (the sum of their lines)."""
    sums = (ContributionLine.objects.filter(period=month, employer_id=employer_id, person_id=person_id)
            .aggregate(wage=Sum("wage"), **{c: Sum(c) for c in AMOUNT_COLUMNS}))
    return (sums["wage"] or ZERO), sum((sums[c] or ZERO for c in AMOUNT_COLUMNS), ZERO)


def _filing_rows(correction: Correction) -> list[dict]:
    """The employer's roll of the month with each person's current wage, the corrected person's replaced."""
    month, employer_id = correction.month, correction.employer_id
    roll = roll_of_month(employer_id, month)
    wages = dict(ContributionLine.objects.filter(period=month, employer_id=employer_id)
                 .values_list("person_id").annotate(total=Sum("wage")).values_list("person_id", "total"))
    rows, unknown = [], []
    for number, (person_id, _recorded) in sorted(roll.items()):
        if person_id == correction.person_id:
            rows.append({"document_number": number, "wage": str(correction.wage)})
        elif wages.get(person_id):
            rows.append({"document_number": number, "wage": str(wages[person_id])})
        else:
            unknown.append(number)
    if unknown:
        raise ValidationFailed.field("month", "roll_incomplete",
                                     _("Other persons on the roll of this month have no figure yet; ask the "
                                       "employer for its correction filing."), document_numbers=unknown)
    return rows


def _employer_month_effect(*, person: InsuredPerson, employer: Employer, month: date, wage: Decimal) -> Decimal:
    if person.document_number not in roll_of_month(employer.pk, month):
        raise ValidationFailed.field("month", "not_on_roll",
                                     _("The person is not on this employer's roll in %(month)s; record the "
                                       "employment first.") % {"month": f"{month:%Y-%m}"})
    _base, _clamp, amounts = rate_card(employer=employer, period=month).figures(wage)
    _wage, current = _person_figure(employer.pk, month, person.pk)
    return sum(amounts, ZERO) - current


def _pending_determination(*, person_id: int, employer_id: int, month: date) -> Determination | None:
    return (Determination.objects.filter(person_id=person_id, employer_id=employer_id, state=DeterminationState.PENDING,
                                         months__period=month).order_by("-pk").first())


def _determination_effect(*, person: InsuredPerson, employer: Employer, month: date) -> Decimal:
    found = _pending_determination(person_id=person.pk, employer_id=employer.pk, month=month)
    if found is None:
        raise ValidationFailed.field("month", "no_determination",
                                     _("No Art. 58 determination of %(month)s awaits confirmation for this person "
                                       "at this employer: record the employment as a late enrolment first (the "
                                       "daily run proposes its determination), or ask the employer for a "
                                       "correction filing.") % {"month": f"{month:%Y-%m}"})
    return sum((m.total for m in found.months.all()), ZERO)


def _write(correction: Correction, actor: Viewer) -> None:
    """The lower app's service writes the correction (new rows only); what it wrote is recorded here."""
    if correction.kind == CorrectionKind.ACCOUNT_ENTRY:
        account = PensionAccount.objects.filter(person_id=correction.person_id).first()
        if account is None:
            raise ValidationFailed.field("person", "no_account", _("The person has no individual account."))
        posted = account_correction_post(account=account, amount=correction.amount, reason=correction.reason,
                                         contribution_month=correction.month, cause_id=correction.pk, actor=actor)
        correction.written_type, correction.written_id = "account_entry", posted.pk
    elif correction.kind == CorrectionKind.DETERMINATION:
        found = _pending_determination(person_id=correction.person_id, employer_id=correction.employer_id,
                                       month=correction.month)
        if found is None:
            raise ValidationFailed.field("month", "no_determination",
                                         _("The determination of this month was decided meanwhile."))
        determination_confirm(determination=found, actor=actor, note=correction.reason[:300])
        correction.written_type, correction.written_id = "determination", found.pk
    else:
        result = declaration_file(employer_id=correction.employer_id, period=correction.month,
                                  rows=_filing_rows(correction), source="admin", actor=actor)
        correction.written_type, correction.written_id = "declaration", result.declaration.pk
    correction.applied_at = timezone.now()


def correction_propose(*, person: InsuredPerson, kind: str, reason: str, actor: Viewer,
                       dispute: Dispute | None = None, amount: Decimal | None = None,
                       month: date | None = None, employer: Employer | None = None,
                       wage: Decimal | None = None) -> Correction:
    """Propose a correction of `person`'s record (a clerk of the person's region), for `dispute` or with a
    written `reason`. `kind` account_entry: `amount` (signed) and optionally the contribution `month`;
    employer_month: `employer`, `month` and the corrected monthly `wage`. Applied at once within the
    region's four-eyes amount for a period not final; otherwise it waits for the approval."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", "required", _("A correction needs its reason."))
    if len(reason) > REASON_MAX:
        raise ValidationFailed.field("reason", "too_long", _("At most %(n)s characters.") % {"n": REASON_MAX})
    locked = scope(InsuredPerson.objects.select_for_update(), actor).filter(pk=person.pk).first()
    if locked is None:
        raise NotFound(_("No such person is visible to you."))
    if dispute is not None:
        dispute = scope(Dispute.objects.all(), actor).filter(pk=dispute.pk, person=locked).first()
        if dispute is None:
            raise ValidationFailed.field("dispute", "not_found", _("No dispute of this person has this id."))
        if dispute.state not in OPEN_STATES:
            raise ValidationFailed.field("dispute", "decided", _("This dispute is decided already."))
    row = Correction(region_id=locked.region_id, person=locked, dispute=dispute, kind=kind, reason=reason,
                     proposed_by_id=actor.user_id)
    if kind == CorrectionKind.ACCOUNT_ENTRY:
        row.amount = row.effect = _money(amount, "amount")
        row.month = _month(month) if month is not None else None
    elif kind == CorrectionKind.EMPLOYER_MONTH:
        row.month = _month(month)
        employer_id = getattr(employer, "pk", employer)
        found = scope(Employer.objects.all(), actor).filter(pk=employer_id).first() if employer_id else None
        if found is None:
            raise ValidationFailed.field("employer", "not_found", _("No employer of your region has this id."))
        row.employer, row.wage = found, _money(wage, "wage", positive=True)
        row.effect = _employer_month_effect(person=locked, employer=found, month=row.month, wage=row.wage)
        row.amount = row.effect
        if row.effect == 0:
            raise ValidationFailed.field("wage", "no_change", _("The corrected wage changes nothing."))
    elif kind == CorrectionKind.DETERMINATION:
        row.month = _month(month)
        employer_id = getattr(employer, "pk", employer)
        found = scope(Employer.objects.all(), actor).filter(pk=employer_id).first() if employer_id else None
        if found is None:
            raise ValidationFailed.field("employer", "not_found", _("No employer of your region has this id."))
        row.employer = found
        row.amount = row.effect = _determination_effect(person=locked, employer=found, month=row.month)
    else:
        raise ValidationFailed.field("kind", "invalid_choice",
                                     _("One of: %(choices)s.") % {"choices": ", ".join(CorrectionKind.values)})
    terms = terms_for(locked.region_id)
    row.needs_second = abs(row.effect) > terms.four_eyes_amount
    row.final_period = period_is_final(row.month, region_id=locked.region_id)
    row.save(force_insert=True)
    events.correction_proposed(row, actor=actor)
    if not row.needs_second and not row.final_period:
        _write(row, actor)
        transition(CORRECTION, row, "apply", actor=actor, fields=["written_type", "written_id", "applied_at"])
    return row


correction_propose = entry(correction_propose, callers=STAFF, permission=PROPOSE_PERMISSION,
                           refusal=gettext_lazy("Your group may not propose corrections."))


def _lock(correction: Correction, actor: Viewer, action: str) -> Correction:
    locked = row_lock(Correction.objects.all(), correction.pk, actor=actor, missing=_("No such correction."))
    CORRECTION.step(locked.state, action)
    return locked


def correction_approve(*, correction: Correction, actor: Viewer) -> Correction:
    """The second clerk approves and applies the correction; never its proposer. A final period's
    correction needs a supervisor (disputes.approve_final_correction)."""
    correction = _lock(correction, actor, "approve")
    if actor.user_id is None or actor.user_id == correction.proposed_by_id:
        raise refused("correction-four-eyes", _("You proposed this correction; another clerk must approve it."),
                      rule="four eyes", status=403)
    if correction.final_period and not viewer_may(actor, FINAL_PERMISSION):
        raise refused("correction-period-final",
                      _("This period is final; a supervisor approves its correction."),
                      rule="finality years", status=403,
                      finality_years=terms_for(correction.region_id).finality_years)
    correction.approved_by_id = actor.user_id
    _write(correction, actor)
    transition(CORRECTION, correction, "approve", actor=actor,
               fields=["approved_by", "written_type", "written_id", "applied_at"])
    return correction


correction_approve = entry(correction_approve, callers=STAFF, permission=APPROVE_PERMISSION,
                           refusal=gettext_lazy("Only a second clerk allowed to approve corrections may do this."))


def correction_reject(*, correction: Correction, actor: Viewer, note: str) -> Correction:
    """The second clerk refuses the proposal: nothing is written."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed.field("note", "required", _("Give the reason for rejecting."))
    correction = _lock(correction, actor, "reject")
    transition(CORRECTION, correction, "reject", actor=actor, note=note[:REASON_MAX])
    return correction


correction_reject = entry(correction_reject, callers=STAFF, permission=APPROVE_PERMISSION,
                          refusal=gettext_lazy("Only a second clerk allowed to approve corrections may do this."))
