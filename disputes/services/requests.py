"""Asking an employer for a correction filing (issue 23, item 2: a person-month missing or wrong).

A clerk of the employer's region asks it to file one month again for one person, tied to a dispute or
to a written reason: a `CorrectionRequest` with the deadline `DisputeRule.CORRECTION_FILING` (the
region's `filing_days`), on the clerk's workbench like the other clocks and open to the employer's
portal (`GET /api/v1/employer/correction-requests`). The employer's next filing of that month (a
sequence above the month's last one when asked, whoever files it) closes the request in the filing's
transaction (`contributions.hooks.declaration_filed`). When the deadline passes without one, the daily
sweep (`disputes.tasks.disputes_daily`) escalates it: the clerk then corrects the month by the other
route, an Art. 58 determination (`corrections.correction_propose`, kind `determination`).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency.deadlines import deadline_open, today_in_shanghai
from common.access import Viewer, scope
from common.problems import NotFound, ValidationFailed
from common.services import STAFF, SYSTEM, Machine, Step, entry, row_lock, transition
from contributions.models import Declaration
from disputes import events
from disputes.models import OPEN_STATES, REASON_MAX, CorrectionRequest, CorrectionRequestState, Dispute
from disputes.problems import refused
from disputes.terms import DisputeRule
from employers.models import Employer
from insured.models import InsuredPerson

REQUEST_PERMISSION = "disputes.add_correctionrequest"
RULE = DisputeRule.CORRECTION_FILING

S = CorrectionRequestState
# The only place that says what may follow an open request. Filing or escalation closes the clock
# (met, or missed when late); a withdrawal cancels it.
CORRECTION_REQUEST = Machine(gettext_lazy("correction filing request"), {
    S.OPEN: {"file": Step(S.FILED, events.correction_request_filed, close=RULE),
             "escalate": Step(S.ESCALATED, events.correction_request_escalated, close=RULE),
             "withdraw": Step(S.WITHDRAWN, events.correction_request_withdrawn, cancel=RULE)},
}, states=CorrectionRequestState, actions={"file": gettext_lazy("answered by a filing"),
                                           "escalate": gettext_lazy("escalated"),
                                           "withdraw": gettext_lazy("withdrawn")})


def correction_request_send(*, employer: Employer, person: InsuredPerson, month: date, reason: str, actor: Viewer,
                            dispute: Dispute | None = None, today: date | None = None) -> CorrectionRequest:
    """Ask `employer` (of the clerk's region) for a correction filing of `month` for `person`, for
    `dispute` or with a written `reason`; the deadline starts today."""
    from disputes.services.corrections import _month  # one month rule for every correction

    today = today or today_in_shanghai()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", "required", _("Say what the employer is to correct."))
    if len(reason) > REASON_MAX:
        raise ValidationFailed.field("reason", "too_long", _("At most %(n)s characters.") % {"n": REASON_MAX})
    month = _month(month)
    found = scope(Employer.objects.select_for_update(of=("self",)), actor).filter(
        pk=getattr(employer, "pk", employer)).first()
    if found is None:
        raise ValidationFailed.field("employer", "not_found", _("No employer of your region has this id."))
    person = InsuredPerson.objects.filter(pk=getattr(person, "pk", person)).first()
    if person is None:
        raise NotFound(_("No such person is visible to you."))
    if dispute is not None:
        dispute = scope(Dispute.objects.all(), actor).filter(pk=getattr(dispute, "pk", dispute), person=person).first()
        if dispute is None:
            raise ValidationFailed.field("dispute", "not_found", _("No dispute of this person has this id."))
        if dispute.state not in OPEN_STATES:
            raise ValidationFailed.field("dispute", "decided", _("This dispute is decided already."))
    existing = CorrectionRequest.objects.filter(employer=found, person=person, month=month,
                                                state=CorrectionRequestState.OPEN).first()
    if existing is not None:
        raise refused("correction-request-open", _("This employer is already asked to correct this month."),
                      rule="one open request per employer, person and month", existing=existing.pk)
    last = (Declaration.objects.filter(employer_id=found.pk, period=month).order_by("-sequence")
            .values_list("sequence", flat=True).first()) or 0
    request = CorrectionRequest(region_id=found.region_id, employer=found, person=person, month=month,
                                dispute=dispute, reason=reason, requested_on=today, due_on=today,
                                sequence_at_request=last, requested_by_id=actor.user_id)
    request.save(force_insert=True)
    deadline = deadline_open(rule=RULE, subject=request, region=found.region, starts_on=today,
                             label=f"{found.name} {month:%Y-%m} {person.document_number}")
    request.due_on = deadline.due_on
    request.save(update_fields=["due_on"])
    events.correction_request_sent(request, actor=actor)
    return request


correction_request_send = entry(correction_request_send, callers=STAFF, permission=REQUEST_PERMISSION,
                                refusal=gettext_lazy("Your group may not ask employers for correction filings."))


def correction_request_withdraw(*, request: CorrectionRequest, actor: Viewer, note: str) -> CorrectionRequest:
    """The agency no longer needs the filing (the clerk corrected the month otherwise)."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed.field("note", "required", _("Give the reason for withdrawing."))
    locked = row_lock(CorrectionRequest.objects.all(), request.pk, actor=actor, missing=_("No such request."))
    locked.closed_at = timezone.now()
    transition(CORRECTION_REQUEST, locked, "withdraw", actor=actor, fields=["closed_at"], note=note[:REASON_MAX])
    return locked


correction_request_withdraw = entry(correction_request_withdraw, callers=STAFF, permission=REQUEST_PERMISSION,
                                    refusal=gettext_lazy("Your group may not ask employers for correction filings."))


def correction_requests_answer(*, declaration, actor: Viewer) -> int:
    """The contributions hook, inside `declaration_file`'s transaction: a filing of a month closes the
    open requests of that employer and month asked before it (a sequence above theirs). Returns how many."""
    answered = list(CorrectionRequest.objects.select_for_update()
                    .filter(employer_id=declaration.employer_id, month=declaration.period,
                            state=CorrectionRequestState.OPEN, sequence_at_request__lt=declaration.sequence)
                    .order_by("id"))
    for request in answered:
        request.declaration_id, request.closed_at = declaration.pk, timezone.now()
        transition(CORRECTION_REQUEST, request, "file", actor=actor, fields=["declaration", "closed_at"],
                   sequence=declaration.sequence)
    return len(answered)


def correction_requests_escalate(*, actor: Viewer, today: date | None = None) -> int:
    """The daily sweep: open requests past their deadline are escalated (the clerk's Art. 58 route)."""
    today = today or today_in_shanghai()
    overdue = list(CorrectionRequest.objects.select_for_update(skip_locked=True)
                   .filter(state=CorrectionRequestState.OPEN, due_on__lt=today).order_by("due_on", "id")[:1000])
    for request in overdue:
        request.closed_at = timezone.now()
        transition(CORRECTION_REQUEST, request, "escalate", actor=actor, fields=["closed_at"],
                   due_on=request.due_on)
    return len(overdue)


correction_requests_escalate = entry(correction_requests_escalate, callers=SYSTEM)
