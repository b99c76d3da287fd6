"""Telling a person that their insurance relationship and funds arrived in the new region
(No. 66, step three), by their statement channel: an e-mail with the transfer information form, a
letter for the print shop, or the transfer's page online. Once per transfer: the notice's event is
written before anything is sent (the database knows it was done; a crash in between sends nothing
twice, and the event says what was meant)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

from common.access import Viewer
from common.pdf import notice_pdf
from common.services import SYSTEM, entry
from insured.models import StatementDelivery
from statements import events
from statements.models import StatementEvent, StatementEventKind
from statements.queue import TRANSFER_NOTICE, queue_now
from statements.snapshot import PersonRow
from transfers.documents import form_pdf
from transfers.models import Transfer


def _notice_text(transfer: Transfer) -> list[str]:
    return [
        f"您的基本养老保险关系已由{transfer.from_region.province}{transfer.from_region.name}转入"
        f"{transfer.to_region.province}{transfer.to_region.name}，转移接续已办结。",
        f"转入个人账户资金 {transfer.account_amount or 0:,.2f} 元，统筹基金 {transfer.pooled_amount or 0:,.2f} 元，"
        f"累计缴费月数 {transfer.months or 0} 个月。",
        "详细信息见所附《基本养老保险关系转移接续信息表》，也可登录网上服务平台查询。",
    ]


def transfer_notice_send(*, transfer_id: int, actor: Viewer) -> StatementEvent | None:
    """Informs the person of a completed transfer; None when that was done before."""
    transfer = Transfer.objects.select_related("person", "from_region", "to_region").get(pk=transfer_id)
    person = transfer.person
    row = PersonRow.of(person)
    channel = row.channel
    try:
        with transaction.atomic():
            if StatementEvent.objects.filter(kind=StatementEventKind.TRANSFER_NOTICE,
                                             detail__transfer=transfer.pk).exists():
                return None
            event = events.transfer_notice_sent(transfer_id=transfer.pk, region_id=transfer.to_region_id,
                                                person_id=person.pk, channel=channel, actor=actor)
    except IntegrityError:
        return None
    lines = _notice_text(transfer)
    if channel == StatementDelivery.EMAIL:
        message = EmailMessage(subject="基本养老保险关系转移接续办结通知", body="\n".join(["您好：", *lines]),
                               to=[person.email],
                               headers={"Message-ID": f"<transfer-notice-{transfer.pk}@{settings.STATEMENT_MAIL_DOMAIN}>"})
        message.attach(f"transfer-{transfer.pk}.pdf", form_pdf(transfer), "application/pdf")
        message.send()
    elif channel == StatementDelivery.POST:
        letter = notice_pdf(agency=f"{transfer.to_region.province}{transfer.to_region.name}社会保险经办机构",
                            title="基本养老保险关系转移接续办结通知",
                            fields=[("姓名", person.name), ("地址", person.postal_address)], paragraphs=lines)
        path = Path(settings.MEDIA_ROOT) / "statements" / "notices" / f"transfer-{transfer.pk}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(letter)
    return event


# Its own transaction: the event commits before the notice goes out, so a crash never sends it twice.
transfer_notice_send = entry(transfer_notice_send, callers=SYSTEM, atomic=False)


def _transfer_completed_notify(transfer_id: int) -> None:
    """The hook transfers calls after a completion commits: the notice goes by a task."""
    queue_now(TRANSFER_NOTICE, transfer_id=transfer_id)
