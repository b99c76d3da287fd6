"""Each statement goes by the chosen channel; nothing is sent twice, also when the sender dies
between sending and recording; failures are retried with backoff; letters go in print batches
sorted by postal code."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from common.problems import Conflict
from common.tasks import outboxes_retry
from insured.models import RecordAccess
from statements.batches import print_batch_files
from statements.models import Delivery, DeliveryState, PrintBatch, Statement
from statements.queue import EMAILS
from statements.services.delivery import (
    delivery_outcome_record,
    print_batch_hand_over,
    statement_resend,
)
from tests.builders import clerk
from tests.insured.factories import PersonFactory
from tests.statements.world import YEAR, build, emails_send, run_year

pytestmark = pytest.mark.django_db


def test_channels_route_each_statement(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = build(delivery="email")
    region = w.person.region
    by_post = PersonFactory(region=region, statement_delivery="post", postal_address="100020 北京市朝阳区建国路1号")
    online = PersonFactory(region=region, statement_delivery="online")
    no_email = PersonFactory(region=region, statement_delivery="email", email="")  # falls back to online
    run_year()
    emails_send()
    states = {d.statement.person_id: (d.channel, d.state) for d in Delivery.objects.select_related("statement")}
    assert states[w.person.pk] == ("email", DeliveryState.SENT)
    assert states[by_post.pk] == ("post", DeliveryState.BATCHED)
    assert states[online.pk] == ("online", DeliveryState.PUBLISHED)
    assert states[no_email.pk] == ("online", DeliveryState.PUBLISHED)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhang@example.cn"] and f"{YEAR}年度" in message.subject
    name, pdf, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and pdf.startswith(b"%PDF")
    assert "statement-delivery-" in message.extra_headers["Message-ID"]


class DiesAfterSending:
    """A mail backend whose worker dies right after the server took the message."""

    sent: list = []

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        DiesAfterSending.sent.extend(messages)
        raise SystemExit("worker killed after sending")


def test_a_sender_killed_after_sending_never_sends_it_again(settings):
    settings.EMAIL_BACKEND = "tests.statements.test_delivery.DiesAfterSending"
    DiesAfterSending.sent = []
    build(delivery="email")
    run_year(send=False)
    with pytest.raises(SystemExit):
        emails_send()
    delivery = Delivery.objects.get(channel="email")
    assert delivery.state == DeliveryState.SENDING and len(DiesAfterSending.sent) == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert emails_send().claimed == 0  # not claimed again
    assert outboxes_retry()[EMAILS]["uncertain"] == 0  # the beat: not yet stale
    Delivery.objects.filter(pk=delivery.pk).update(sending_at=timezone.now() - timedelta(hours=1))
    assert outboxes_retry()[EMAILS] == {"uncertain": 1, "sent": 0, "retry": 0, "failed": 0}
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.UNCERTAIN and delivery.outbox_state == "uncertain"
    assert emails_send().sent == 0 and len(mail.outbox) == 0

    # The clerk finds the Message-ID in the mail server's log and records it as sent.
    delivery = delivery_outcome_record(delivery_id=delivery.pk, outcome="sent", note="in the relay's log",
                                       actor=clerk(delivery.statement.region))
    assert delivery.state == DeliveryState.SENT


class Refuses:
    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise OSError("connection refused")


def test_a_refused_message_is_retried_with_backoff_then_given_up(settings):
    settings.EMAIL_BACKEND = "tests.statements.test_delivery.Refuses"
    settings.OUTBOX_MAX_ATTEMPTS = 3
    build(delivery="email")
    run_year(send=False)
    sent = emails_send()
    assert (sent.sent, sent.retry, sent.failed) == (0, 1, 0)
    d = Delivery.objects.get(channel="email")
    assert d.state == DeliveryState.PENDING and d.attempts == 1 and d.next_attempt_at > timezone.now()
    assert "refused" in d.error
    assert emails_send().retry == 0  # not due yet
    for _attempt in (2, 3):
        Delivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
        emails_send()
    d.refresh_from_db()
    assert d.state == DeliveryState.FAILED and d.attempts == 3 and d.outbox_state == "failed"
    assert emails_send().claimed == 0  # given up: never claimed again
    # and a failed e-mail no longer holds the statement: it can be sent again by another channel
    resent = statement_resend(statement_id=d.statement_id, channel="online", actor=clerk(d.statement.region))
    assert resent.state == DeliveryState.PUBLISHED


def test_letters_are_batched_per_region_in_postal_code_order_and_handed_over(settings, tmp_path):
    settings.STATEMENT_PRINT_BATCH_SIZE = 2
    settings.MEDIA_ROOT = tmp_path
    w = build(delivery="post")
    region = w.person.region
    PersonFactory(region=region, name="李一", statement_delivery="post", postal_address="100005 北京市东城区1号")
    PersonFactory(region=region, name="王二", statement_delivery="post", postal_address="300001 天津市和平区2号")
    run_year()
    batches = list(PrintBatch.objects.filter(region=region).order_by("seq"))
    assert [b.letters for b in batches] == [2, 1]
    pdf, manifest = print_batch_files(batches[0])
    rows = list(csv.reader(io.StringIO(manifest.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "邮政编码", "姓名"]
    assert [(r[1], r[2]) for r in rows[1:]] == [("100005", "李一"), ("200001", "张伟")]
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    assert len(PdfReader(str(path)).pages) == 2 and print_batch_files(batches[0])[0] == pdf
    # The files are rendered after commit; until then the batch cannot be handed over.
    with pytest.raises(Conflict):
        print_batch_hand_over(batch_id=batches[0].pk, actor=clerk(region))
    PrintBatch.objects.filter(pk=batches[0].pk).update(pdf_sha256="x" * 64)
    print_batch_hand_over(batch_id=batches[0].pk, actor=clerk(region))
    assert set(Delivery.objects.filter(batch=batches[0]).values_list("state", flat=True)) == {DeliveryState.SENT}


def test_a_returned_letter_is_sent_again_by_email_and_the_channel_switched(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = build(delivery="post")
    run_year()
    letter = Delivery.objects.get(channel="post")
    Delivery.objects.filter(pk=letter.pk).update(state=DeliveryState.SENT)
    desk = clerk(w.person.region)
    delivery_outcome_record(delivery_id=letter.pk, outcome="returned", note="查无此人", actor=desk)
    with pytest.raises(Exception, match="e-mail"):
        statement_resend(statement_id=letter.statement_id, channel="email", actor=desk)
    w.person.email = "zhang@example.cn"
    w.person.save(update_fields=["email"])
    resent = statement_resend(statement_id=letter.statement_id, channel="email", actor=desk, make_preferred=True)
    assert resent.state == DeliveryState.PENDING
    w.person.refresh_from_db()
    assert w.person.statement_delivery == "email"
    with pytest.raises(Conflict):  # one delivery under way at a time
        statement_resend(statement_id=letter.statement_id, channel="email", actor=desk)
    emails_send()
    assert len(mail.outbox) == 1
    assert RecordAccess.objects.filter(person=w.person, kind="statement_resent").exists()


def test_a_clerk_of_another_region_cannot_touch_the_statement():
    w = build(delivery="post")
    run_year()
    stranger = clerk(PersonFactory().region)
    statement = Statement.objects.get(person=w.person)
    with pytest.raises(Exception, match="No such"):
        statement_resend(statement_id=statement.pk, channel="online", actor=stranger)
    with pytest.raises(Exception, match="No such"):
        delivery_outcome_record(delivery_id=statement.deliveries.get().pk, outcome="returned", note="",
                                actor=stranger)


def test_a_ranges_task_sends_its_own_persons_emails_only(settings):
    """The task each generated range queues (statements.tasks.statement_emails_send): the one outbox's
    sending, filtered to the range's persons and the run's year."""
    from statements import conductor
    from statements.models import RunRange

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = build(delivery="email")
    other = PersonFactory(region=w.person.region, statement_delivery="email", email="li@example.cn")
    run = run_year(send=False)
    first = RunRange.objects.get(run=run)
    # the range's task as if the range had ended before `other`: only its persons' e-mails go
    RunRange.objects.filter(pk=first.pk).update(last_person_id=other.pk - 1)
    assert conductor.emails_send(first.pk).startswith("e-mails sent 1,")
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]
    assert Delivery.objects.get(statement__person=other).state == DeliveryState.PENDING
    conductor.emails_send(first.pk)  # again: nothing twice
    assert len(mail.outbox) == 1
