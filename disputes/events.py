"""What happened to a dispute and to a correction: every DisputeEvent and CorrectionEvent is written
here, in the transaction of the change. One writer per kind, all through `_write`."""

from __future__ import annotations

from common.access import Viewer
from disputes.models import (
    Correction,
    CorrectionEvent,
    CorrectionEventKind,
    CorrectionRequest,
    CorrectionRequestEvent,
    CorrectionRequestState,
    Dispute,
    DisputeEvent,
    DisputeEventKind,
)


def _details(details: dict) -> dict:
    return {k: (str(v) if v is not None and not isinstance(v, (int, bool, list, dict)) else v)
            for k, v in details.items()}


def _write(dispute: Dispute, *, kind: str, actor: Viewer, **details) -> DisputeEvent:
    return DisputeEvent.objects.create(dispute=dispute, kind=kind, actor=actor.label(), actor_user_id=actor.user_id,
                                       details=_details(details))


def dispute_filed(dispute: Dispute, *, actor: Viewer, documents: list[int], proxy: bool) -> DisputeEvent:
    return _write(dispute, kind=DisputeEventKind.FILED, actor=actor, subject_kind=dispute.subject_kind,
                  subject=dispute.subject_text(), channel=dispute.channel, documents=documents, proxy=proxy)


def dispute_review_started(dispute: Dispute, *, actor: Viewer) -> DisputeEvent:
    return _write(dispute, kind=DisputeEventKind.REVIEW_STARTED, actor=actor)


def dispute_confirmed(dispute: Dispute, *, actor: Viewer, letter: int) -> DisputeEvent:
    return _write(dispute, kind=DisputeEventKind.CONFIRMED, actor=actor, reasons=dispute.decision_reasons,
                  letter=letter, letter_number=dispute.letter_number)


def dispute_corrected(dispute: Dispute, *, actor: Viewer, corrections: list[int]) -> DisputeEvent:
    return _write(dispute, kind=DisputeEventKind.CORRECTED, actor=actor, reasons=dispute.decision_reasons,
                  corrections=corrections)


def dispute_withdrawn(dispute: Dispute, *, actor: Viewer) -> DisputeEvent:
    return _write(dispute, kind=DisputeEventKind.WITHDRAWN, actor=actor)


def _write_correction(correction: Correction, *, kind: str, actor: Viewer, **details) -> CorrectionEvent:
    return CorrectionEvent.objects.create(correction=correction, kind=kind, actor=actor.label(),
                                          actor_user_id=actor.user_id, details=_details(details))


def correction_proposed(correction: Correction, *, actor: Viewer) -> CorrectionEvent:
    return _write_correction(correction, kind=CorrectionEventKind.PROPOSED, actor=actor, kind_of=correction.kind,
                             effect=str(correction.effect), reason=correction.reason,
                             dispute=correction.dispute_id, needs_second=correction.needs_second,
                             final_period=correction.final_period)


def correction_applied(correction: Correction, *, actor: Viewer) -> CorrectionEvent:
    return _write_correction(correction, kind=CorrectionEventKind.APPLIED, actor=actor,
                             written_type=correction.written_type, written_id=correction.written_id)


def correction_approved(correction: Correction, *, actor: Viewer) -> CorrectionEvent:
    return _write_correction(correction, kind=CorrectionEventKind.APPROVED, actor=actor,
                             written_type=correction.written_type, written_id=correction.written_id)


def correction_rejected(correction: Correction, *, actor: Viewer, note: str) -> CorrectionEvent:
    return _write_correction(correction, kind=CorrectionEventKind.REJECTED, actor=actor, note=note)


def _write_request(request: CorrectionRequest, *, kind: str, actor: Viewer, **details) -> CorrectionRequestEvent:
    return CorrectionRequestEvent.objects.create(request=request, kind=kind, actor=actor.label(),
                                                 actor_user_id=actor.user_id, details=_details(details))


def correction_request_sent(request: CorrectionRequest, *, actor: Viewer) -> CorrectionRequestEvent:
    return _write_request(request, kind="requested", actor=actor, month=f"{request.month:%Y-%m}",
                          person=request.person_id, dispute=request.dispute_id, reason=request.reason,
                          due_on=request.due_on)


def correction_request_filed(request: CorrectionRequest, *, actor: Viewer, sequence: int) -> CorrectionRequestEvent:
    return _write_request(request, kind=CorrectionRequestState.FILED, actor=actor, declaration=request.declaration_id,
                          sequence=sequence)


def correction_request_escalated(request: CorrectionRequest, *, actor: Viewer, due_on) -> CorrectionRequestEvent:
    return _write_request(request, kind=CorrectionRequestState.ESCALATED, actor=actor, due_on=due_on)


def correction_request_withdrawn(request: CorrectionRequest, *, actor: Viewer, note: str) -> CorrectionRequestEvent:
    return _write_request(request, kind=CorrectionRequestState.WITHDRAWN, actor=actor, note=note)
