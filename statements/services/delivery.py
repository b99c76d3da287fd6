"""Delivering statements, and what clerks record about deliveries.

E-mails go by the one outbox (common/outbox.py, kind `statements.emails`, registered in
StatementsConfig.ready()): claimed STATEMENT_EMAIL_CLAIM at a time (committed before the first is
handed to the mail server), recorded sent once, a refusal retried with backoff up to
OUTBOX_MAX_ATTEMPTS, then failed; what a dead sender left `sending` is marked uncertain by beat
`outboxes-retry` and never sent again by itself: a clerk looks it up in the mail server's log by its
Message-ID (which names the delivery) and records it as sent, or sends it again. The outbox writes the
delivery's `state` with its own fields (`OutboxStates`). What this module adds is the message itself.
Letters go to the print shop in batches per region, sorted by postal code; a batch's PDF and
manifest are rendered from the snapshots.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from common.access import Kind, Viewer, scope
from common.outbox import Carriers, OutboxKind, OutboxStates, outbox_send_after_commit
from common.problems import Conflict, NotFound, ValidationFailed
from common.services import PERSON, STAFF, SYSTEM, Machine, Step, entry, transition
from insured.access_log import record_access_log
from insured.models import InsuredPerson, RecordAccessKind, StatementDelivery
from statements import events
from statements.batches import print_batch_files, print_batch_path
from statements.mail import StatementEmail
from statements.models import (
    OPEN_DELIVERY,
    Delivery,
    DeliveryState,
    PrintBatch,
    Statement,
    StatementEvent,
    StatementEventKind,
    StatementRun,
)
from statements.queue import EMAILS, PRINT_BATCH_RENDER, queue_after_commit
from statements.render import statement_pdf
from statements.services.generation import _delivery_for
from statements.snapshot import PersonRow

SEND_PERMISSION = "statements.change_delivery"
_STAFF_ONLY = "Only agency staff record deliveries."


def _reissue_note(statement_id: int, version: int) -> str:
    """For a reissued statement: which version it is and what changed (its event), in Chinese."""
    if version == 1:
        return ""
    detail = (StatementEvent.objects.filter(statement_id=statement_id, kind=StatementEventKind.SUPERSEDED)
              .values_list("detail", flat=True).first()) or {}
    changes = "".join(f"\n  · {line}" for line in detail.get("changes", []))
    return (f"\n\n您的记录已更正，本记录单为第{version}版，取代此前寄送的版本（原核验码已作废，核验时将显示本版核验码）。"
            f"变化如下：{changes}")


def _message(delivery_id: int, year: int, address: str, pdf: bytes, note: str = "") -> StatementEmail:
    message = StatementEmail(
        subject=f"{year}年度社会保险个人权益记录单" + ("（更正版）" if note else ""),
        body=(f"您好：\n\n附件是您{year}年度的社会保险个人权益记录单（PDF）。本记录单依据《中华人民共和国社会保险法》"
              f"第七十四条免费提供；如对记录有异议，请按记录单上的说明申请核查。{note}\n\n此邮件由系统发送，请勿回复。"),
        to=[address], headers={"Message-ID": f"<statement-delivery-{delivery_id}@{settings.STATEMENT_MAIL_DOMAIN}>"})
    message.attach(f"statement-{year}.pdf", pdf, "application/pdf")
    return message


def _email_send(delivery: Delivery, carriers: Carriers) -> None:
    """Hand one statement e-mail to the mail server, its PDF rendered from the snapshot (a refusal raises)."""
    statement = delivery.statement
    carriers.mail().send_messages([_message(delivery.pk, statement.year, delivery.address,
                                            statement_pdf(statement.snapshot),
                                            _reissue_note(statement.pk, statement.version))])


def _emails_waiting(rows):
    # Only e-mails still waiting: a cancelled one (its statement reissued) has no outbox fields set either.
    return rows.filter(channel=StatementDelivery.EMAIL, state=DeliveryState.PENDING)


EMAIL_OUTBOX = OutboxKind(
    EMAILS, Delivery, send=_email_send, due=_emails_waiting, related=("statement",),
    chunk=lambda: settings.STATEMENT_EMAIL_CLAIM,  # a sender killed mid-chunk leaves at most these uncertain
    states=OutboxStates(pending=DeliveryState.PENDING, sending=DeliveryState.SENDING, sent=DeliveryState.SENT,
                        failed=DeliveryState.FAILED, uncertain=DeliveryState.UNCERTAIN))


# --- print batches ---------------------------------------------------------------------------------

def print_batches_build(*, run: StatementRun | None = None, actor: Viewer) -> list[PrintBatch]:
    """Puts every letter waiting for a batch (of the run, or all) into batches of
    STATEMENT_PRINT_BATCH_SIZE per region, in postal-code order; the files are rendered after commit."""
    size = settings.STATEMENT_PRINT_BATCH_SIZE
    made: list[PrintBatch] = []
    with transaction.atomic():
        waiting = (Delivery.objects.select_for_update(skip_locked=True)
                   .filter(state=DeliveryState.PENDING, channel=StatementDelivery.POST))
        if run is not None:
            waiting = waiting.filter(statement__run=run)
        rows = list(waiting.order_by("statement__region_id", "postal_code", "id")
                    .values_list("pk", "statement__region_id"))
        by_region: dict[int, list[int]] = {}
        for pk, region_id in rows:
            by_region.setdefault(region_id, []).append(pk)
        for region_id, ids in by_region.items():
            seq = (PrintBatch.objects.filter(region_id=region_id).aggregate(m=Max("seq"))["m"] or 0)
            for start in range(0, len(ids), size):
                seq += 1
                chunk = ids[start:start + size]
                batch = PrintBatch.objects.create(run=run, region_id=region_id, seq=seq, letters=len(chunk))
                Delivery.objects.filter(pk__in=chunk).update(state=DeliveryState.BATCHED, batch=batch)
                made.append(batch)
        if made:
            for batch in made:
                queue_after_commit(PRINT_BATCH_RENDER, batch_id=batch.pk)
    return made


print_batches_build = entry(print_batches_build, callers=STAFF)


def print_batch_render(*, batch_id: int, actor: Viewer) -> PrintBatch:
    """Writes the batch's PDF and manifest for the print shop (again, identical, if they were lost)."""
    batch = PrintBatch.objects.select_related("region").get(pk=batch_id)
    pdf, manifest = print_batch_files(batch)
    base = print_batch_path(batch)
    base.parent.mkdir(parents=True, exist_ok=True)
    for suffix, data in ((".pdf", pdf), (".csv", manifest)):
        tmp = base.with_suffix(suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(base.with_suffix(suffix))
    PrintBatch.objects.filter(pk=batch_id).update(pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_bytes=len(pdf))
    batch.refresh_from_db()
    return batch


print_batch_render = entry(print_batch_render, callers=SYSTEM)


# --- what clerks do --------------------------------------------------------------------------------

def _delivery_lock(*, delivery_id: int, actor: Viewer) -> Delivery:
    found = scope(Delivery.objects.select_for_update(of=("self",)).select_related("statement"), actor).filter(
        pk=delivery_id).first()
    if found is None:
        raise NotFound(gettext("No such delivery in your region."))
    return found


def print_batch_hand_over(*, batch_id: int, actor: Viewer) -> PrintBatch:
    batch = scope(PrintBatch.objects.select_for_update(), actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(gettext("No such print batch in your region."))
    if batch.handed_over_at is not None:
        return batch
    if not batch.pdf_sha256:
        raise Conflict(gettext("The batch's files are not rendered yet."))
    now = timezone.now()
    batch.handed_over_at, batch.handed_over_by = now, actor.label()
    batch.save(update_fields=["handed_over_at", "handed_over_by"])
    batch.deliveries.filter(state=DeliveryState.BATCHED).update(state=DeliveryState.SENT, sent_at=now)
    events.print_batch_handed_over(batch, actor=actor)
    return batch


print_batch_hand_over = entry(print_batch_hand_over, callers=STAFF, refusal=_STAFF_ONLY)

# What a clerk records about a delivery (its outcome), as a machine: a bounce of a sent e-mail, a
# letter returned by post, an uncertain sending found in the mail server's log as sent. The other
# moves are bulk updates: an e-mail's (claimed, sent, retried, failed, uncertain) the one outbox's,
# a letter's (batched, handed over) the print batches' above.
D = DeliveryState
OUTCOMES = Machine(gettext_lazy("delivery"), {
    D.SENT: {"bounced": Step(D.BOUNCED, events.delivery_bounced),
             "returned": Step(D.RETURNED, events.delivery_returned)},
    D.UNCERTAIN: {"sent": Step(D.SENT, events.delivery_confirmed_sent)},
}, states=DeliveryState, actions={"bounced": gettext_lazy("recorded as bounced"),
                                  "returned": gettext_lazy("recorded as returned"),
                                  "sent": gettext_lazy("recorded as sent")})
_OUTCOME_CHANNEL = {"bounced": StatementDelivery.EMAIL, "returned": StatementDelivery.POST}
_OUTCOME_NAMES = ("bounced", "returned", "sent")


def delivery_outcome_record(*, delivery_id: int, outcome: str, note: str, actor: Viewer) -> Delivery:
    """A bounce, a returned letter, or an uncertain sending found in the mail log as sent."""
    if outcome not in _OUTCOME_NAMES:
        raise ValidationFailed.field("outcome", "unknown-outcome", gettext("Outcome is one of %(names)s.") % {"names": ", ".join(_OUTCOME_NAMES)})
    delivery = _delivery_lock(delivery_id=delivery_id, actor=actor)
    channel = _OUTCOME_CHANNEL.get(outcome)
    if channel and delivery.channel != channel:
        raise Conflict(gettext("A delivery by %(channel)s cannot be recorded as %(outcome)s.")
                       % {"channel": delivery.get_channel_display(), "outcome": OUTCOMES.actions_labels[outcome]})
    delivery.outcome_recorded_by, delivery.outcome_note = actor.label(), note[:300]
    if outcome == "sent":
        delivery.sent_at = timezone.now()
    transition(OUTCOMES, delivery, outcome, actor=actor, note=note,
               fields=["outcome_recorded_by", "outcome_note", "sent_at"])
    return delivery


delivery_outcome_record = entry(delivery_outcome_record, callers=STAFF, refusal=_STAFF_ONLY)


def statement_resend(*, statement_id: int, channel: str, actor: Viewer, make_preferred: bool = False) -> Delivery:
    """Sends a statement again (after a bounce or a returned letter, or on request) by `channel`;
    `make_preferred` also makes it the person's channel for the coming years."""
    from insured.services.persons import person_update

    if channel not in StatementDelivery.values:
        raise ValidationFailed.field("channel", "unknown-channel", gettext("Channel is email, post or online."))
    with transaction.atomic():
        if actor.kind is Kind.PERSON:
            statements = Statement.objects.filter(person_id=actor.person_id)
        else:
            statements = scope(Statement.objects.all(), actor)
        statement = statements.filter(pk=statement_id).first()
        if statement is None:
            raise NotFound(gettext("No such statement."))
        person = InsuredPerson.objects.select_for_update().get(pk=statement.person_id)
        if Delivery.objects.filter(statement=statement, state__in=OPEN_DELIVERY).exists():
            raise Conflict(gettext("This statement is already being delivered; wait for that delivery or record its "
                                   "outcome."))
        if channel == StatementDelivery.EMAIL and not person.email:
            raise ValidationFailed.field("channel", "no-email", gettext("The person has no e-mail address on record."))
        if channel == StatementDelivery.POST and not person.postal_address:
            raise ValidationFailed.field("channel", "no-address", gettext("The person has no postal address on record."))
        if make_preferred and person.statement_delivery != channel:
            person = person_update(person=person, actor=actor, statement_delivery=channel)
            events.statement_channel_changed(statement, actor=actor, channel=channel)
        row = PersonRow.of(person, channel=channel)
        delivery = _delivery_for(statement, row, channel=channel, actor=actor)
        delivery.save()
        events.statement_resent(statement, actor=actor, delivery=delivery)
        record_access_log(person_id=person.pk, viewer=actor, kind=RecordAccessKind.STATEMENT_RESENT,
                          detail=f"{statement.year} {channel}")
        if channel == StatementDelivery.EMAIL:
            outbox_send_after_commit(EMAILS)
    return delivery


statement_resend = entry(statement_resend, callers=PERSON | STAFF, refusal=_STAFF_ONLY)
