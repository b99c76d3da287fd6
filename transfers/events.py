"""What happened to a transfer: every TransferEvent is written here, in the transaction of its step.

One writer per kind of event, `transfer_<event>(transfer, *, actor, channel, ...)`, all through `_write`.
Each kind is written by one side of the transfer, so the writer knows the region that acted.
"""

from __future__ import annotations

from collections.abc import Sequence

from agency.models import Document, Region
from common.access import Viewer
from transfers.models import Transfer, TransferEvent, TransferEventKind


def _write(transfer: Transfer, *, kind: str, region: Region, actor: Viewer, channel: str, note: str = "",
           details: dict | None = None, documents: Sequence[Document] = ()) -> TransferEvent:
    event = TransferEvent.objects.create(transfer=transfer, kind=kind, region=region, actor=actor.label()[:100],
                                         actor_user_id=actor.user_id, channel=channel, note=note,
                                         details=details or {})
    if documents:
        event.documents.set(documents)
        transfer.documents.add(*documents)
    return event


def _first_step_region(transfer: Transfer) -> Region:
    """Step 1 is the new region's; when the new region is external, the old region records its letter."""
    return transfer.from_region if transfer.to_region.external else transfer.to_region


def transfer_applied(transfer: Transfer, *, actor: Viewer, channel: str, note: str = "",
                     documents: Sequence[Document] = ()) -> TransferEvent:
    return _write(transfer, kind=TransferEventKind.APPLIED, region=transfer.to_region, actor=actor, channel=channel,
                  note=note, documents=documents, details={"kind": transfer.kind})


def transfer_accepted(transfer: Transfer, *, actor: Viewer, channel: str,
                      documents: Sequence[Document] = ()) -> TransferEvent:
    """The new region issued its consent to receive (同意接收函)."""
    return _write(transfer, kind=TransferEventKind.ACCEPTED, region=transfer.to_region, actor=actor,
                  channel=channel, documents=documents, details={"letter_number": transfer.letter_number})


def transfer_letter_received(transfer: Transfer, *, actor: Viewer, channel: str,
                             documents: Sequence[Document] = ()) -> TransferEvent:
    """The external new region's consent letter came back; the old region's clerk records it."""
    return _write(transfer, kind=TransferEventKind.LETTER_RECEIVED, region=transfer.from_region, actor=actor,
                  channel=channel, documents=documents, details={"letter_number": transfer.letter_number})


def transfer_refused(transfer: Transfer, *, actor: Viewer, channel: str) -> TransferEvent:
    return _write(transfer, kind=TransferEventKind.REFUSED, region=_first_step_region(transfer), actor=actor,
                  channel=channel, note=transfer.refusal_reason)


def transfer_temporary_account_opened(transfer: Transfer, *, actor: Viewer, channel: str, note: str,
                                      documents: Sequence[Document] = ()) -> TransferEvent:
    return _write(transfer, kind=TransferEventKind.TEMPORARY_ACCOUNT, region=transfer.to_region, actor=actor,
                  channel=channel, note=note, documents=documents, details={"rule": transfer.decision_rule})


def transfer_transferred_out(transfer: Transfer, *, actor: Viewer, channel: str, external: bool) -> TransferEvent:
    return _write(transfer, kind=TransferEventKind.TRANSFERRED_OUT, region=transfer.from_region, actor=actor,
                  channel=channel,
                  details={"account_amount": f"{transfer.account_amount:.2f}",
                           "pooled_amount": f"{transfer.pooled_amount:.2f}", "months": transfer.months,
                           "pooled_months": transfer.pooled_months, "external": external})


def transfer_form_received(transfer: Transfer, *, actor: Viewer, channel: str,
                           documents: Sequence[Document] = ()) -> TransferEvent:
    """The external old region's information form came back; the new region's clerk records it."""
    return _write(transfer, kind=TransferEventKind.FORM_RECEIVED, region=transfer.to_region, actor=actor,
                  channel=channel, documents=documents, details=transfer.form)


def transfer_funds_received(transfer: Transfer, *, actor: Viewer, channel: str,
                            documents: Sequence[Document] = ()) -> TransferEvent:
    return _write(transfer, kind=TransferEventKind.FUNDS_RECEIVED, region=transfer.to_region, actor=actor,
                  channel=channel, documents=documents,
                  details={"account_amount": f"{transfer.received_account_amount:.2f}",
                           "pooled_amount": f"{transfer.received_pooled_amount:.2f}",
                           "bank_reference": transfer.bank_reference,
                           "received_on": transfer.received_on.isoformat(),
                           "difference": f"{transfer.difference:.2f}"})


def transfer_completed(transfer: Transfer, *, actor: Viewer, channel: str, note: str = "",
                       records_only: bool = False, documents: Sequence[Document] = ()) -> TransferEvent:
    """Completed by the new region (step 3), or in step 1 when only the records move."""
    details = {"months": transfer.months, "informed_by": transfer.person.statement_delivery}
    if records_only:
        details = {"records_only": True, **details}
    return _write(transfer, kind=TransferEventKind.COMPLETED, region=_first_step_region(transfer), actor=actor,
                  channel=channel, note=note, documents=documents, details=details)
