"""What happened to a transfer: every TransferEvent is written here, in the transaction of its step."""

from __future__ import annotations

from collections.abc import Sequence

from agency.models import Document, Region
from common.access import Viewer
from transfers.models import Transfer, TransferEvent


def transfer_event(*, transfer: Transfer, kind: str, region: Region, actor: Viewer, channel: str, note: str = "",
                   details: dict | None = None, documents: Sequence[Document] = ()) -> TransferEvent:
    event = TransferEvent.objects.create(transfer=transfer, kind=kind, region=region, actor=actor.label()[:100],
                                         actor_user_id=actor.user_id, channel=channel, note=note,
                                         details=details or {})
    if documents:
        event.documents.set(documents)
        transfer.documents.add(*documents)
    return event
