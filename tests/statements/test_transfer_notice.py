"""A completed transfer informs the person by their statement channel, once (No. 66, step three)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from common.access import Viewer
from statements.models import StatementEvent, StatementEventKind
from statements.services.notices import transfer_notice_send
from tests.builders import clerk, person_viewer
from tests.transfers.factories import months_between, mover, paid_months, rates, region
from transfers.services.transfers import (
    transfer_accept,
    transfer_apply,
    transfer_complete,
    transfer_funds_record,
    transfer_out,
)

pytestmark = pytest.mark.django_db


def _completed(django_capture_on_commit_callbacks, *, email: str):
    rates(*[(y, "3.00") for y in range(2015, 2016)])
    shanghai, beijing = region("310101", "黄浦区", "上海市"), region("110105", "朝阳区", "北京市")
    m = mover(shanghai, beijing)
    m.person.email, m.person.statement_delivery = email, "email" if email else "online"
    m.person.save(update_fields=["email", "statement_delivery"])
    paid_months(m.person, m.old_employer, months_between(date(2020, 1, 1), date(2020, 12, 1)))
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
    out = transfer_out(transfer=transfer, actor=clerk(shanghai), channel="admin")
    transfer_funds_record(transfer=transfer, account_amount=out.account_amount, pooled_amount=out.pooled_amount,
                          bank_reference="BK-9", received_on=out.transferred_out_on, actor=clerk(beijing),
                          channel="admin")
    with django_capture_on_commit_callbacks() as callbacks:
        transfer_complete(transfer=transfer, actor=clerk(beijing), channel="admin")
    return transfer, callbacks


def test_an_email_person_gets_the_notice_with_the_form_once(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("statements.tasks.transfer_notice_task.delay", lambda **kw: queued.append(kw))
    transfer, callbacks = _completed(django_capture_on_commit_callbacks, email="li@example.cn")
    for callback in callbacks:
        callback()
    assert queued == [{"transfer_id": transfer.pk}]  # the hook queued the notice after the commit

    event = transfer_notice_send(transfer_id=transfer.pk, actor=Viewer.system())
    assert event.kind == StatementEventKind.TRANSFER_NOTICE and event.detail["channel"] == "email"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["li@example.cn"]
    assert "转移接续" in mail.outbox[0].subject and mail.outbox[0].attachments[0][1].startswith(b"%PDF")
    assert transfer_notice_send(transfer_id=transfer.pk, actor=Viewer.system()) is None  # a redelivered task sends nothing
    assert len(mail.outbox) == 1
    assert StatementEvent.objects.filter(kind=StatementEventKind.TRANSFER_NOTICE).count() == 1


def test_an_online_person_reads_it_at_the_transfer(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("statements.tasks.transfer_notice_task.delay", lambda **kw: None)
    transfer, _callbacks = _completed(django_capture_on_commit_callbacks, email="")
    event = transfer_notice_send(transfer_id=transfer.pk, actor=Viewer.system())
    assert event.detail["channel"] == "online" and len(mail.outbox) == 0
