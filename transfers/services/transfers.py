"""The transfer of a relationship to another region (No. 66) in its three steps.

    applied --accept--> accepted --transfer out--> transferred_out --complete--> completed
       |  \\--refuse--> refused
       \\--accept, Art. 6 applies--> temporary_account
    records only (one pooling area, or a province with provincial pooling): applied --accept--> completed

Each step is a deadline of 15 working days in the engine, owned by one region (the new, the old,
the new); each decision locks the transfer row, so two clerks deciding the same step decide it
once. A step on the side of an external region (another agency's system) is a document exchanged:
this system produces the letter or the form for sending, and a clerk of our side records what came
back (letter, form, funds) with the documents as vouchers; no deadline of ours runs on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import AccountEntry, EntryKind, PensionAccount
from accounts.postings import FEN, account_interest_until, account_lock_or_open, entries_post
from agency.deadlines import deadline_open, today_in_shanghai
from agency.documents import documents_store
from agency.models import Document, Region
from common.access import Viewer
from common.display import message_data
from common.identifiers import mask_document
from common.problems import Conflict, NotFound, ValidationFailed
from common.services import PERSON, STAFF, Machine, Step, entry, row_lock, transition
from insured import events as relationship_events
from insured.models import (
    ENDED_STATES,
    EventKind,
    InsuranceRelationship,
    InsuredPerson,
    RelationshipState,
)
from insured.relationships import relationship_move
from transfers import events
from transfers.amounts import POOLED_PERCENT, POOLED_SINCE, region_months
from transfers.hooks import transfer_completed_hooks_run
from transfers.models import (
    OPEN_TRANSFER_STATES,
    TemporaryAccount,
    Transfer,
    TransferKind,
    TransferState,
)
from transfers.rules import TEMPORARY_ACCOUNT_RULE, step_region, temporary_account_applies, transfer_kind
from transfers.services.suspensions import _open_employment_in, _person_for_actor, _region_check
from transfers.terms import TransferRule

DECIDE_PERMISSION = "transfers.change_transfer"

S = TransferState
ACCEPTANCE, OUT, COMPLETION = (TransferRule.TRANSFER_ACCEPTANCE, TransferRule.TRANSFER_OUT,
                               TransferRule.TRANSFER_COMPLETION)
# The state machine in one place: what may follow which state, the event each step writes, and the
# step deadline it closes and opens (each step's clock runs in the region the law gives it: the new,
# the old, the new; the services pass that region). A step whose next step is on an external region's
# side opens no clock of ours: that agency's clerks decide it, ours record what comes back.
TRANSFER = Machine(gettext_lazy("transfer"), {
    S.APPLIED: {
        "accept": Step(S.ACCEPTED, events.transfer_accepted, close=ACCEPTANCE, open=OUT),
        "accept_letter": Step(S.ACCEPTED, events.transfer_letter_received, close=ACCEPTANCE, open=OUT),
        "accept_from_external": Step(S.ACCEPTED, events.transfer_accepted, close=ACCEPTANCE),
        "accept_records": Step(S.COMPLETED, events.transfer_completed, close=ACCEPTANCE),
        "temporary_account": Step(S.TEMPORARY_ACCOUNT, events.transfer_temporary_account_opened, close=ACCEPTANCE),
        "refuse": Step(S.REFUSED, events.transfer_refused, close=ACCEPTANCE),
    },
    S.ACCEPTED: {
        "transfer_out": Step(S.TRANSFERRED_OUT, events.transfer_transferred_out, close=OUT, open=COMPLETION),
        "transfer_out_external": Step(S.COMPLETED, events.transfer_transferred_out, close=OUT),
        "record_form": Step(S.TRANSFERRED_OUT, events.transfer_form_received, open=COMPLETION),
    },
    S.TRANSFERRED_OUT: {
        "record_funds": Step(S.TRANSFERRED_OUT, events.transfer_funds_received),
        "complete": Step(S.COMPLETED, events.transfer_completed, close=COMPLETION),
    },
}, states=TransferState, actions={
    "accept": gettext_lazy("accepted"), "accept_letter": gettext_lazy("accepted"),
    "accept_from_external": gettext_lazy("accepted"),
    "accept_records": gettext_lazy("accepted"), "temporary_account": gettext_lazy("accepted"),
    "refuse": gettext_lazy("refused"), "transfer_out": gettext_lazy("transferred out"),
    "transfer_out_external": gettext_lazy("transferred out"),
    "record_form": gettext_lazy("given an information form"),
    "record_funds": gettext_lazy("given funds received"),
    "complete": gettext_lazy("completed")})
_DECIDERS_ONLY = gettext_lazy("Only agency staff allowed to decide transfers may do this.")
_PERSON_OR_STAFF = gettext_lazy("Only the person or agency staff may file this.")


def _deadline_item(transfer: Transfer, step: int) -> dict:
    person = transfer.person
    return {"label": f"{person.name} {mask_document(person.document_number)} "
                     f"{transfer.from_region.code}->{transfer.to_region.code}",
            "text": message_data(gettext_noop("transfer of %(person)s from %(old)s to %(new)s, step %(step)s"),
                                 person=f"{person.name} ({mask_document(person.document_number)})",
                                 old=str(transfer.from_region), new=str(transfer.to_region), step=step)}


def _vouchers(documents: Sequence[tuple[UploadedFile, str]], *, region: Region, actor: Viewer) -> list[Document]:
    return documents_store(documents, region=region, uploaded_by=actor.label())


# ---------------------------------------------------------------- the application


def transfer_apply(*, from_region: Region, actor: Viewer, channel: str, person: InsuredPerson | None = None,
                   to_region: Region | None = None, note: str = "",
                   documents: Sequence[tuple[UploadedFile, str]] = ()) -> Transfer:
    """The person, or a clerk of the new region (of the old one when the new one is external), files the
    transfer of the relationship in `from_region` to `to_region` (default: where the person is enrolled)."""
    person = _person_for_actor(person=person, actor=actor)
    relationships = list(InsuranceRelationship.objects.select_for_update().select_related("region")
                         .filter(person=person).order_by("-id"))
    active = next((r for r in relationships if r.state == RelationshipState.ACTIVE), None)
    if to_region is None:
        if active is None:
            raise Conflict(_("You are not enrolled in any region; enrol in the new region first."),
                           type_slug="not-enrolled", errors=[{"field": "to_region", "code": "not_enrolled",
                                                              "message": _("Not enrolled in the new region.")}])
        to_region = active.region
    if to_region.pk == from_region.pk:
        raise ValidationFailed.field("from_region", "same_region", _("The old and the new region are the same."))
    _region_check(from_region if to_region.external else to_region, actor)
    old = None
    if not from_region.external:
        here = [r for r in relationships if r.region_id == from_region.pk]
        old = next((r for r in here if r.state not in ENDED_STATES), None)
        if old is None:
            if any(r.state == RelationshipState.TRANSFERRED for r in here):
                raise Conflict(_("The relationship in %(region)s was already transferred.")
                               % {"region": from_region.code}, type_slug="already-transferred")
            raise NotFound(_("No insurance relationship in region %(region)s.") % {"region": from_region.code},
                           errors=[{"field": "from_region", "code": "no_relationship",
                                    "message": _("No relationship there.")}])
        employment = _open_employment_in(person, from_region)
        if employment is not None:
            raise Conflict(_("%(employer)s in the old region still has this person on its staff; the employer "
                             "must reduce staff first.") % {"employer": employment.employer.name},
                           type_slug="open-employment", errors=[{"field": "from_region", "code": "open_employment",
                                                                 "message": _("Open employment there.")}])
        if old.state != RelationshipState.SUSPENDED:
            raise Conflict(_("The relationship in %(region)s is %(state)s; only a suspended relationship is "
                             "transferred.") % {"region": from_region.code, "state": old.get_state_display()},
                           type_slug="relationship-not-suspended", state=old.state)
    new = None
    if not to_region.external:
        new = next((r for r in relationships if r.region_id == to_region.pk and r.state == RelationshipState.ACTIVE),
                   None)
        if new is None:
            raise Conflict(_("The person is not enrolled in the new region %(region)s; enrol there first.")
                           % {"region": to_region.code}, type_slug="not-enrolled",
                           errors=[{"field": "to_region", "code": "not_enrolled",
                                    "message": _("Not enrolled in the new region.")}])
    if Transfer.objects.filter(person=person, from_region=from_region, state__in=OPEN_TRANSFER_STATES).exists():
        raise Conflict(_("A transfer of this relationship is already under way."), type_slug="duplicate-transfer")
    today = today_in_shanghai()
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                person=person, from_region=from_region, to_region=to_region, from_relationship=old,
                to_relationship=new, kind=transfer_kind(from_region, to_region), channel=channel,
                filed_by=actor.label()[:100], filed_on=today)
    except IntegrityError:
        raise Conflict(_("A transfer of this relationship is already under way."),
                       type_slug="duplicate-transfer") from None
    vouchers = _vouchers(documents, region=to_region if not to_region.external else from_region, actor=actor)
    events.transfer_applied(transfer, actor=actor, channel=channel, note=note, documents=vouchers)
    if not to_region.external:  # step 1 is the new region's; an external one runs on that agency's clock
        deadline_open(rule=ACCEPTANCE, subject=transfer, region=to_region, starts_on=today,
                      **_deadline_item(transfer, 1))
    return transfer


transfer_apply = entry(transfer_apply, callers=PERSON | STAFF, refusal=_PERSON_OR_STAFF)


# ---------------------------------------------------------------- deciding a step


def _transfer_lock(transfer: Transfer, actor: Viewer, action) -> tuple[Transfer, str]:
    """The transfer, locked if the actor may see it and its open step is their region's, and the action
    to take (`action` may depend on the locked row, e.g. toward an external region). A second clerk waits
    on the lock, then finds the step decided."""
    locked = row_lock(Transfer.objects.all(), transfer.pk, actor=actor, missing=_("No such transfer is visible to you."),
                      related=("person", "from_region", "to_region", "from_relationship", "to_relationship"))
    if callable(action):
        action = action(locked)
    TRANSFER.step(locked.state, action)  # refused before anything else is checked
    owner = step_region(locked)
    if owner is not None:
        _region_check(owner, actor)
    return locked, action


def _accept_action(transfer: Transfer) -> str:
    """Step 1's decision: a temporary account where Art. 6 applies, the whole transfer within one pooling,
    otherwise consent; recorded from an external new region's letter, or opening no clock of ours when the
    old region (step 2) is external."""
    if (transfer.kind == TransferKind.FUNDS and not transfer.to_region.external
            and temporary_account_applies(transfer.person, transfer.to_region, today_in_shanghai())):
        return "temporary_account"
    if transfer.kind == TransferKind.RECORDS_ONLY:
        return "accept_records"
    if transfer.to_region.external:
        return "accept_letter"
    return "accept_from_external" if transfer.from_region.external else "accept"


def transfer_accept(*, transfer: Transfer, actor: Viewer, channel: str, letter_number: str = "",
                    documents: Sequence[tuple[UploadedFile, str]] = ()) -> Transfer:
    """Step 1. The new region consents to receive (同意接收函), or opens a temporary account where Art. 6
    applies; within one pooling only the records move, and this one step completes the transfer. When the new
    region is external, a clerk of the old region records the letter that came back (number and voucher)."""
    transfer, action = _transfer_lock(transfer, actor, _accept_action)
    today = today_in_shanghai()
    region = step_region(transfer)
    if transfer.to_region.external:
        if not letter_number.strip() or not documents:
            raise ValidationFailed.field("letter_number", "required",
                                         _("Record the other agency's letter: its number and the scanned letter."))
    vouchers = _vouchers(documents, region=region, actor=actor)
    if action == "temporary_account":
        transfer.decision_rule = TEMPORARY_ACCOUNT_RULE
        TemporaryAccount.objects.create(person=transfer.person, region=transfer.to_region,
                                        relationship=transfer.to_relationship,
                                        kept_relationship=transfer.from_relationship, transfer=transfer,
                                        rule=TEMPORARY_ACCOUNT_RULE, opened_on=today)
        transition(TRANSFER, transfer, action, actor=actor, fields=["decision_rule"], channel=channel,
                   documents=vouchers,
                   note=gettext_noop("The relationship stays in the old region; a temporary contribution "
                                     "account is opened in the new region."))
        return transfer
    transfer.letter_on = today
    transfer.letter_number = letter_number.strip() or f"JS{transfer.to_region.code}{today:%Y}{transfer.pk:06d}"
    if action == "accept_records":
        transfer.decision_rule = "records only: one pooling"
        _records_move(transfer, actor=actor, channel=channel, today=today)
        transfer.completed_on = today
        transition(TRANSFER, transfer, action, actor=actor, channel=channel, documents=vouchers, records_only=True,
                   fields=["letter_on", "letter_number", "decision_rule", "completed_on", "months", "pooled_months",
                           "pooled_amount", "account_amount", "form"])
        return transfer
    # the old region's clock: 15 working days from the letter
    transition(TRANSFER, transfer, action, actor=actor, fields=["letter_on", "letter_number"], channel=channel,
               documents=vouchers, region=transfer.from_region, starts_on=today,
               deadline_item=_deadline_item(transfer, 2))
    return transfer


transfer_accept = entry(transfer_accept, callers=STAFF, permission=DECIDE_PERMISSION, refusal=_DECIDERS_ONLY)


def transfer_refuse(*, transfer: Transfer, reason: str, actor: Viewer, channel: str) -> Transfer:
    """Step 1 refused by the new region, with its reason."""
    if not reason.strip():
        raise ValidationFailed.field("reason", "required", _("Give the reason for refusing the transfer."))
    transfer, action = _transfer_lock(transfer, actor, "refuse")
    transfer.refusal_reason = reason.strip()
    transition(TRANSFER, transfer, action, actor=actor, fields=["refusal_reason"], channel=channel)
    return transfer


transfer_refuse = entry(transfer_refuse, callers=STAFF, permission=DECIDE_PERMISSION, refusal=_DECIDERS_ONLY)


def _records_move(transfer: Transfer, *, actor: Viewer, channel: str, today: date) -> None:
    """The old relationship becomes transferred and its months are counted in the new region."""
    figures = region_months(person_id=transfer.person_id, region_id=transfer.from_region_id,
                            until=today.replace(day=1))
    transfer.months, transfer.pooled_months = figures.months, figures.pooled_months
    transfer.pooled_amount = Decimal("0.00")
    transfer.account_amount = transfer.account_amount if transfer.account_amount is not None else Decimal("0.00")
    transfer.form = _form(transfer, figures, today)
    _old_relationship_transfer(transfer, actor=actor, channel=channel, today=today)
    if transfer.to_relationship_id:
        relationship_events.relationship_transferred(
            relationship=transfer.to_relationship, kind=EventKind.TRANSFERRED_IN, on=today,
            note=gettext_noop("Records received from another region of the same pooling."), actor=actor,
            channel=channel, details={"transfer_id": transfer.pk, "months": transfer.months})


def _old_relationship_transfer(transfer: Transfer, *, actor: Viewer, channel: str, today: date) -> None:
    old = InsuranceRelationship.objects.select_for_update().get(pk=transfer.from_relationship_id)
    if old.state != RelationshipState.SUSPENDED:
        raise Conflict(_("The old relationship is %(state)s; only a suspended relationship is transferred.")
                       % {"state": old.get_state_display()}, type_slug="relationship-not-suspended")
    relationship_move(old, "transfer_out", on=today, actor=actor, kind=EventKind.TRANSFERRED_OUT,
                      note=gettext_noop("Transferred to another region."), channel=channel,
                      details={"transfer_id": transfer.pk, "to_region": transfer.to_region.code})


def _form(transfer: Transfer, figures, today: date) -> dict:
    """基本养老保险关系转移接续信息表: what the old region sends with the funds."""
    person = transfer.person
    return {"person_name": person.name, "document_number": person.document_number, "sex": person.sex,
            "birth_date": person.birth_date.isoformat(), "from_region": transfer.from_region.code,
            "from_region_name": transfer.from_region.name, "to_region": transfer.to_region.code,
            "to_region_name": transfer.to_region.name, "letter_number": transfer.letter_number,
            "months": figures.months, "pooled_months": figures.pooled_months,
            "pooled_since": POOLED_SINCE.isoformat(), "pooled_percent": str(POOLED_PERCENT),
            "bases_total": f"{figures.bases:.2f}", "pooled_bases": f"{figures.pooled_bases:.2f}",
            "by_year": figures.years, "account_amount": f"{transfer.account_amount:.2f}",
            "pooled_amount": f"{transfer.pooled_amount:.2f}", "transfer_month": today.strftime("%Y-%m"),
            "issued_on": today.isoformat()}


def transfer_out(*, transfer: Transfer, actor: Viewer, channel: str) -> Transfer:
    """Step 2. The old region computes the amounts from the ledger and transfers out: the whole account
    with interest up to this month, and 12% of every paid month's base since 1998 from the pooled fund;
    the transfer-out entry, the information form, the old relationship transferred. Toward an external
    region this completes our side (the form and the funds are sent)."""
    transfer, action = _transfer_lock(
        transfer, actor, lambda t: "transfer_out_external" if t.to_region.external else "transfer_out")
    external = transfer.to_region.external
    if transfer.from_region.external:
        raise Conflict(_("The old region is outside this system: record the form it sent instead."),
                       type_slug="external-region")
    today = today_in_shanghai()
    month = today.replace(day=1)
    employment = _open_employment_in(transfer.person, transfer.from_region)
    if employment is not None:
        raise Conflict(_("%(employer)s still has this person on its staff; the employer must reduce staff first.")
                       % {"employer": employment.employer.name}, type_slug="open-employment")
    account = PensionAccount.objects.filter(person_id=transfer.person_id).first()
    balance = Decimal("0.00")
    if account is not None:
        account_interest_until(account=account, month=month, actor=actor)
        account = PensionAccount.objects.select_for_update().get(pk=account.pk)
        balance = account.balance
        if balance > 0:
            entries_post([AccountEntry(account=account, kind=EntryKind.TRANSFER_OUT, amount=-balance,
                                       posted_on=today, cause_type="transfer", cause_id=transfer.pk,
                                       source_key=f"transfer-out:{transfer.pk}", actor=actor.label()[:100],
                                       actor_user_id=actor.user_id,
                                       note=f"→ {transfer.to_region.code}")])
    figures = region_months(person_id=transfer.person_id, region_id=transfer.from_region_id, until=month)
    transfer.account_amount = max(balance, Decimal("0.00")).quantize(FEN)
    transfer.pooled_amount = (Decimal("0.00") if transfer.kind == TransferKind.RECORDS_ONLY
                              else figures.pooled_amount)
    transfer.months, transfer.pooled_months = figures.months, figures.pooled_months
    transfer.form = _form(transfer, figures, today)
    transfer.transferred_out_on = today
    fields = ["account_amount", "pooled_amount", "months", "pooled_months", "form", "transferred_out_on"]
    if external:
        transfer.completed_on = today
        fields.append("completed_on")
    _old_relationship_transfer(transfer, actor=actor, channel=channel, today=today)
    # the new region's clock (toward an internal one): 15 working days from the funds
    transition(TRANSFER, transfer, action, actor=actor, fields=fields, channel=channel, external=external,
               region=transfer.to_region, starts_on=today, deadline_item=_deadline_item(transfer, 3))
    return transfer


transfer_out = entry(transfer_out, callers=STAFF, permission=DECIDE_PERMISSION, refusal=_DECIDERS_ONLY)


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(FEN)
    except Exception:
        raise ValidationFailed.field(field, "invalid", _("Give an amount in yuan, e.g. 1234.56.")) from None
    if amount < 0:
        raise ValidationFailed.field(field, "min_value", _("The amount cannot be negative."))
    return amount


def transfer_form_record(*, transfer: Transfer, account_amount, pooled_amount, months: int, actor: Viewer,
                         channel: str, documents: Sequence[tuple[UploadedFile, str]] = ()) -> Transfer:
    """Step 2 from an external old region: a clerk of the new region records the information form that came
    back (the amounts it announces, its months) with the form as a voucher."""
    transfer, action = _transfer_lock(transfer, actor, "record_form")
    if not transfer.from_region.external:
        raise Conflict(_("The old region is in this system: it transfers out itself."), type_slug="external-region")
    if not documents:
        raise ValidationFailed.field("documents", "required", _("Attach the information form that came back."))
    if months is None or int(months) < 0:
        raise ValidationFailed.field("months", "min_value", _("Give the months of contribution on the form."))
    today = today_in_shanghai()
    vouchers = _vouchers(documents, region=transfer.to_region, actor=actor)
    transfer.account_amount = _money(account_amount, "account_amount")
    transfer.pooled_amount = _money(pooled_amount, "pooled_amount")
    transfer.months = transfer.pooled_months = int(months)
    transfer.transferred_out_on = today
    transfer.form = {"recorded_from": "external", "account_amount": f"{transfer.account_amount:.2f}",
                     "pooled_amount": f"{transfer.pooled_amount:.2f}", "months": transfer.months,
                     "from_region": transfer.from_region.code, "to_region": transfer.to_region.code}
    # the new region's clock: 15 working days from the form
    transition(TRANSFER, transfer, action, actor=actor, channel=channel, documents=vouchers,
               fields=["account_amount", "pooled_amount", "months", "pooled_months", "transferred_out_on", "form"],
               region=transfer.to_region, starts_on=today, deadline_item=_deadline_item(transfer, 3))
    return transfer


transfer_form_record = entry(transfer_form_record, callers=STAFF, permission=DECIDE_PERMISSION,
                             refusal=_DECIDERS_ONLY)


def transfer_funds_record(*, transfer: Transfer, account_amount, pooled_amount, bank_reference: str,
                          received_on: date, actor: Viewer, channel: str,
                          documents: Sequence[tuple[UploadedFile, str]] = ()) -> Transfer:
    """Step 3, first half: the new region records the funds as received (bank reference, amounts). A
    difference from what the form announced is shown, and must be resolved before completion. Recorded
    again (a correction), the new figures replace the current ones; each recording stays an event."""
    transfer, action = _transfer_lock(transfer, actor, "record_funds")
    if not bank_reference.strip():
        raise ValidationFailed.field("bank_reference", "required", _("Give the bank reference of the funds."))
    if received_on > today_in_shanghai():
        raise ValidationFailed.field("received_on", "in_future", _("The funds cannot be received in the future."))
    # Funds arrive after they were sent (an external region's form may be recorded later than that),
    # and never before the person was born.
    earliest = transfer.person.birth_date
    if transfer.transferred_out_on and not transfer.from_region.external:
        earliest = transfer.transferred_out_on
    if received_on < earliest:
        raise ValidationFailed.field("received_on", "too_early",
                                     _("The funds cannot be received before %(day)s (the transfer out, or "
                                       "the person's birth).") % {"day": earliest.isoformat()})
    vouchers = _vouchers(documents, region=transfer.to_region, actor=actor)
    transfer.received_account_amount = _money(account_amount, "account_amount")
    transfer.received_pooled_amount = _money(pooled_amount, "pooled_amount")
    transfer.bank_reference, transfer.received_on = bank_reference.strip()[:60], received_on
    transition(TRANSFER, transfer, action, actor=actor, channel=channel, documents=vouchers,
               fields=["received_account_amount", "received_pooled_amount", "bank_reference", "received_on"])
    return transfer


transfer_funds_record = entry(transfer_funds_record, callers=STAFF, permission=DECIDE_PERMISSION,
                              refusal=_DECIDERS_ONLY)


def transfer_complete(*, transfer: Transfer, actor: Viewer, channel: str, resolution: str = "") -> Transfer:
    """Step 3. The new region completes: the transfer-in entry of the account funds received, the months
    counted in the new region, the person informed through their statement channel. Refused while the
    funds are not recorded, or differ from the form without a written resolution."""
    transfer, action = _transfer_lock(transfer, actor, "complete")
    if transfer.received_on is None:
        raise Conflict(_("Record the funds received before completing."), type_slug="funds-not-recorded")
    difference = transfer.difference
    if difference and not resolution.strip():
        raise Conflict(_("The funds received differ from those announced by %(difference)s yuan; resolve the "
                         "difference with the old region and record how.") % {"difference": f"{difference:.2f}"},
                       type_slug="funds-differ", difference=f"{difference:.2f}",
                       announced=f"{transfer.announced_total:.2f}", received=f"{transfer.received_total:.2f}",
                       errors=[{"field": "resolution", "code": "required",
                                "message": _("How the difference was resolved.")}])
    today = today_in_shanghai()
    if transfer.received_account_amount > 0:
        account = account_lock_or_open(person_id=transfer.person_id, on=today)
        entries_post([AccountEntry(account=account, kind=EntryKind.TRANSFER_IN, amount=transfer.received_account_amount,
                                   posted_on=today, cause_type="transfer", cause_id=transfer.pk,
                                   source_key=f"transfer-in:{transfer.pk}", actor=actor.label()[:100],
                                   actor_user_id=actor.user_id, note=f"← {transfer.from_region.code}")])
    transfer.completed_on = today
    transfer.difference_resolution = resolution.strip()
    if transfer.to_relationship_id:
        relationship_events.relationship_transferred(
            relationship=transfer.to_relationship, kind=EventKind.TRANSFERRED_IN, on=today,
            note=gettext_noop("Relationship and funds received from another region."), actor=actor, channel=channel,
            details={"transfer_id": transfer.pk, "months": transfer.months,
                     "account_amount": f"{transfer.received_account_amount:.2f}",
                     "pooled_amount": f"{transfer.received_pooled_amount:.2f}"})
    transition(TRANSFER, transfer, action, actor=actor, fields=["completed_on", "difference_resolution"],
               channel=channel, note=transfer.difference_resolution)
    # The person is informed by their statement channel once this commits (statements registers it).
    transaction.on_commit(lambda: transfer_completed_hooks_run(transfer.pk))
    return transfer


transfer_complete = entry(transfer_complete, callers=STAFF, permission=DECIDE_PERMISSION, refusal=_DECIDERS_ONLY)
