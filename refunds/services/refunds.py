"""Lump-sum payment of the individual account (Order No. 13 of 2011; Art. 14 of the Social Insurance Law).

Application (by the person, or by a clerk at the counter for heirs) -> audit of the documents ->
liquidation (the balance with interest up to the payout month; the liquidating clerk prepares the
payout) -> payout approved by a second clerk, with the bank reference, which closes the account
and cancels the relationship. Each step has its deadline rule and writes its RefundEvent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from accounts.models import AccountEntry, EntryKind, PensionAccount
from accounts.postings import account_interest_until
from accounts.selectors import contribution_months
from agency.deadlines import deadline_open
from agency.documents import documents_store
from agency.models import DocumentKind
from common.access import Kind, Viewer, scope
from common.display import message_data
from common.identifiers import mask_document
from common.problems import Conflict, Forbidden, NotFound, ValidationFailed
from common.services import PERSON, STAFF, Machine, Step, entry, row_lock, transition
from insured.models import (
    ENDED_STATES,
    DocumentType,
    Employment,
    InsuranceRelationship,
    InsuredPerson,
)
from insured.relationships import relationship_move
from refunds import events
from refunds.models import (
    OPEN_STATES,
    NationalityNotice,
    Refund,
    RefundHeir,
    RefundReason,
    RefundState,
)
from refunds.problems import refused
from refunds.retirement import minimum_months, person_retirement_category, retirement_age
from refunds.rules import heir_amounts
from refunds.terms import RefundRule

FEN = Decimal("0.01")
APPLY_PERMISSION = "refunds.add_refund"
WORK_PERMISSION = "refunds.change_refund"
APPROVE_PERMISSION = "refunds.approve_refund_payout"
PERSON_REASONS = (RefundReason.RETIREMENT_SHORT, RefundReason.NATIONALITY_LOST, RefundReason.FOREIGNER_LEAVING,
                  RefundReason.SETTLING_ABROAD, RefundReason.OTHER)
_STEP_REFUSED = gettext_lazy("Your group may not take this step of a refund.")

S = RefundState
AUDIT, LIQUIDATION, PAYOUT = RefundRule.REFUND_AUDIT, RefundRule.REFUND_LIQUIDATION, RefundRule.REFUND_PAYOUT
# The deadline of each state's next step: the admin's queue and the API show its due date.
STEP_RULE = {S.SUBMITTED: AUDIT, S.AUDITED: LIQUIDATION, S.LIQUIDATED: PAYOUT}
# The only place that says which step may follow which, what each writes and which clock it stops and
# starts; the admin offers the steps open in a state from it.
REFUND = Machine(gettext_lazy("refund"), {
    S.SUBMITTED: {"audit": Step(S.AUDITED, events.refund_audited, close=AUDIT, open=LIQUIDATION),
                  "reject": Step(S.REJECTED, events.refund_rejected, close=AUDIT)},
    S.AUDITED: {"liquidate": Step(S.LIQUIDATED, events.refund_liquidated, close=LIQUIDATION, open=PAYOUT),
                "reject": Step(S.REJECTED, events.refund_rejected, close=LIQUIDATION)},
    # A balance that moved after the liquidation (money came in, interest was recomputed) is liquidated
    # again in place: the payout clock keeps running, the re-liquidating clerk becomes the preparer.
    S.LIQUIDATED: {"approve": Step(S.PAID, events.refund_paid, close=PAYOUT),
                   "liquidate": Step(S.LIQUIDATED, events.refund_liquidated)},
}, states=RefundState, actions={"audit": gettext_lazy("audited"),
                                "reject": gettext_lazy("rejected"),
                                "liquidate": gettext_lazy("liquidated"),
                                "approve": gettext_lazy("approved for payout")})


def _deadline_item(refund: Refund) -> dict:
    """The step deadline's search label, and its description rendered in the reader's language."""
    person = refund.person
    with translation.override(None):  # the msgid of the reason, translated when shown
        reason = str(RefundReason(refund.reason).label)
    return {"label": f"{person.name} {mask_document(person.document_number)}",
            "text": message_data(gettext_noop("lump-sum refund of %(person)s: %(reason)s"), translated=("reason",),
                                 person=f"{person.name} ({mask_document(person.document_number)})", reason=reason)}


# ---------------------------------------------------------------- eligibility

def _eligibility_check(*, person: InsuredPerson, reason: str, account: PensionAccount | None, today: date) -> dict:
    """Raise the problem naming the rule that refuses a refund for `reason`; return what was checked."""
    if reason == RefundReason.SETTLING_ABROAD:
        raise refused("refund-settling-abroad", _("Settling abroad alone does not end the insurance relationship; "
                                                  "the individual account is kept."),
                      rule="Order No. 13 of 2011")
    if reason not in (RefundReason.DEATH, RefundReason.RETIREMENT_SHORT, RefundReason.NATIONALITY_LOST,
                      RefundReason.FOREIGNER_LEAVING):
        raise refused("refund-early-withdrawal", _("The individual account may not be withdrawn early."),
                      rule="Social Insurance Law Art. 14")
    existing = Refund.objects.filter(person=person, state__in=OPEN_STATES).first()
    if existing is not None:
        raise refused("refund-already-open", _("This person has a refund under way."), rule="one open refund",
                      existing=f"/api/v1/me/refunds/{existing.pk}", existing_id=existing.pk)
    if Employment.objects.filter(person=person, end_date__isnull=True).exists():
        raise refused("refund-open-employment", _("The person is on an employer's roll; the employer must reduce "
                                                  "staff first."), rule="Order No. 13 of 2011")
    if account is None or account.balance <= 0:
        raise refused("refund-no-balance", _("The person has no individual account balance to pay out."),
                      rule="Social Insurance Law Art. 14")
    checked: dict = {"balance": str(account.balance)}
    if reason == RefundReason.RETIREMENT_SHORT:
        age = retirement_age(person.birth_date, person_retirement_category(person))
        checked.update(retirement_on=age.on.isoformat(), age=f"{age.years}y{age.months}m")
        if today < age.on:
            raise refused("refund-under-retirement-age",
                          _("The person reaches the statutory retirement age on %(day)s.") % {"day": age.on},
                          rule="2024 decision on the statutory retirement age",
                          retirement_date=age.on.isoformat())
        months, needed = contribution_months(account.pk), minimum_months(age.on.year)
        checked.update(months=months, minimum_months=needed)
        if months >= needed:
            raise refused("refund-minimum-years-reached",
                          _("%(months)s months of contribution reach the minimum of %(needed)s for a monthly "
                            "pension.") % {"months": months, "needed": needed},
                          rule="Social Insurance Law Art. 16; 2024 decision",
                          months=months, minimum_months=needed)
    elif reason == RefundReason.NATIONALITY_LOST:
        notice = NationalityNotice.objects.filter(person=person).order_by("-served_on").first()
        if notice is None:
            raise refused("refund-nationality-notice-missing",
                          _("The agency must first inform the person in writing of the right to keep the account."),
                          rule="Order No. 13 of 2011")
        checked["notice"] = notice.reference
    elif reason == RefundReason.FOREIGNER_LEAVING:
        if person.nationality == "CHN" or person.document_type == DocumentType.RESIDENT_ID:
            raise refused("refund-not-a-foreigner", _("The refund on leaving China is for foreign nationals."),
                          rule="Order No. 13 of 2011")
    return checked


def _heirs_check(heirs: Sequence[dict]) -> list[RefundHeir]:
    if not heirs:
        raise ValidationFailed.field("heirs", "required", _("A refund to heirs lists the heirs and their shares."))
    rows, total, seen = [], Fraction(0), set()
    for i, heir in enumerate(heirs):
        try:
            share = Fraction(int(heir["share_numerator"]), int(heir["share_denominator"]))
        except (KeyError, ValueError, TypeError, ZeroDivisionError):
            raise ValidationFailed.field(f"heirs[{i}].share", "invalid", _("A share is a fraction, e.g. 1/3.")) from None
        name, number = str(heir.get("name", "")).strip(), str(heir.get("document_number", "")).strip().upper()
        if not name or not number:
            raise ValidationFailed.field(f"heirs[{i}]", "required", _("Each heir needs a name and a document number."))
        if share <= 0 or share > 1:
            raise ValidationFailed.field(f"heirs[{i}].share", "invalid", _("A share is more than 0 and at most 1."))
        if number in seen:
            raise ValidationFailed.field(f"heirs[{i}].document_number", "duplicate", _("This heir is listed twice."))
        seen.add(number)
        total += share
        rows.append(RefundHeir(name=name[:100], document_number=number[:30], relation=str(heir.get("relation", ""))[:30],
                               share_numerator=share.numerator, share_denominator=share.denominator,
                               bank_account=str(heir.get("bank_account", ""))[:40]))
    if total != 1:
        raise ValidationFailed.field("heirs", "shares_not_whole",
                                     _("The heirs' shares add up to %(total)s, not the whole balance.") % {"total": total},
                                     total=str(total))
    return rows


# ---------------------------------------------------------------- application

def refund_apply(*, person: InsuredPerson, reason: str, actor: Viewer, channel: str, payee_name: str = "",
                 bank_account: str = "", note: str = "", heirs: Sequence[dict] = (),
                 documents: Sequence[tuple[UploadedFile, str]] = ()) -> Refund:
    """Apply for the lump-sum payment of `person`'s individual account. A person applies for their
    own account; a clerk (refunds.add_refund) at the counter, also for heirs (reason death)."""
    if actor.kind is Kind.PERSON:
        if actor.person_id != person.pk:
            raise NotFound(_("No such person is visible to you."))
        if reason not in PERSON_REASONS:
            raise ValidationFailed.field("reason", "invalid_choice",
                                         _("A refund to heirs is applied for at the agency's counter."))
    locked = scope(InsuredPerson.objects.select_for_update(), actor).filter(pk=person.pk).first()
    if locked is None:
        raise NotFound(_("No such person is visible to you."))
    today = timezone.localdate()
    account = PensionAccount.objects.filter(person=locked).first()
    heir_rows = _heirs_check(heirs) if reason == RefundReason.DEATH else []
    checked = _eligibility_check(person=locked, reason=reason, account=account, today=today)
    if reason != RefundReason.DEATH and not bank_account.strip():
        raise ValidationFailed.field("bank_account", "required", _("The bank account to pay into is required."))
    refund = Refund(person=locked, region=locked.region, reason=reason, applied_on=today, channel=channel,
                    applied_by=actor.label(), payee_name=(payee_name or locked.name)[:100] if reason != RefundReason.DEATH else "",
                    bank_account=bank_account.strip()[:40], note=note)
    try:
        with transaction.atomic():
            refund.save(force_insert=True)
    except IntegrityError:  # a second application in the same moment
        raise refused("refund-already-open", _("This person has a refund under way."), rule="one open refund") from None
    for heir in heir_rows:
        heir.refund = refund
    RefundHeir.objects.bulk_create(heir_rows)
    stored = documents_store(documents, region=locked.region, uploaded_by=actor.label(),
                             default_kind=DocumentKind.APPLICATION_FORM)
    if stored:
        refund.documents.add(*stored)
    events.refund_applied(refund, actor=actor, channel=channel, heirs=len(heir_rows),
                          documents=[d.pk for d in stored], checked=checked)
    deadline_open(rule=AUDIT, subject=refund, region=locked.region, starts_on=today, **_deadline_item(refund))
    return refund


# A person applies for their own account (checked above); a clerk holding refunds.add_refund at the counter.
refund_apply = entry(refund_apply, callers=PERSON | STAFF, permission=APPLY_PERMISSION,
                     refusal=gettext_lazy("Your group may not record refund applications."))


# ---------------------------------------------------------------- the clerk's steps

def _lock(refund: Refund, actor: Viewer, action: str) -> Refund:
    """The refund, locked when the clerk's region holds it; a step not open in its state is refused first."""
    locked = row_lock(Refund.objects.all(), refund.pk, actor=actor, missing=_("No such refund in your region."))
    REFUND.step(locked.state, action)
    return locked


def refund_audit(*, refund: Refund, actor: Viewer, note: str = "") -> Refund:
    """The clerk found the documents complete and correct; liquidation comes next."""
    refund = _lock(refund, actor, "audit")
    transition(REFUND, refund, "audit", actor=actor, note=note, deadline_item=_deadline_item(refund))
    return refund


refund_audit = entry(refund_audit, callers=STAFF, permission=WORK_PERMISSION, refusal=_STEP_REFUSED)


def refund_reject(*, refund: Refund, actor: Viewer, note: str) -> Refund:
    """The documents do not bear out the application; the account stays as it is."""
    if not (note or "").strip():
        raise ValidationFailed.field("note", "required", _("A rejection needs its reason."))
    refund = _lock(refund, actor, "reject")
    refund.decision_note = note.strip()
    transition(REFUND, refund, "reject", actor=actor, fields=["decision_note"])
    return refund


refund_reject = entry(refund_reject, callers=STAFF, permission=WORK_PERMISSION, refusal=_STEP_REFUSED)


def refund_liquidate(*, refund: Refund, actor: Viewer, payout_month: date | None = None) -> Refund:
    """Credit interest up to the payout month (account_interest_until), fix the amount (the whole
    balance: only the individual account is paid, the pooled part stays in the fund) and the heirs'
    parts, and prepare the payout. The liquidating clerk is its preparer: another approves it."""
    refund = _lock(refund, actor, "liquidate")
    if actor.user_id is None:
        raise Forbidden(_("A payout is prepared by a named clerk."))
    if Employment.objects.filter(person_id=refund.person_id, end_date__isnull=True).exists():
        raise refused("refund-open-employment", _("The person is on an employer's roll; the employer must reduce "
                                                  "staff first."), rule="Order No. 13 of 2011")
    month = (payout_month or timezone.localdate()).replace(day=1)
    account = PensionAccount.objects.select_for_update().get(person_id=refund.person_id)
    posted = account_interest_until(account=account, month=month, actor=actor)
    account.refresh_from_db(fields=["balance"])
    if account.balance <= 0:
        raise refused("refund-no-balance", _("The person has no individual account balance to pay out."),
                      rule="Social Insurance Law Art. 14")
    refund.payout_month, refund.amount = month, account.balance
    # liquidated again: the interest credited the first time stays credited (and counted)
    before = (refund.interest_credited or Decimal("0.00")) if refund.state == S.LIQUIDATED else Decimal("0.00")
    refund.interest_credited = before + sum((e.amount for e in posted), Decimal("0.00"))
    refund.prepared_by_id, refund.prepared_at = actor.user_id, timezone.now()
    heirs = list(refund.heirs.order_by("id"))
    if heirs:
        parts = heir_amounts(account.balance, [Fraction(h.share_numerator, h.share_denominator) for h in heirs])
        for heir, part in zip(heirs, parts, strict=True):
            heir.amount = part
        RefundHeir.objects.bulk_update(heirs, ["amount"])
    transition(REFUND, refund, "liquidate", actor=actor, heirs={str(h.pk): str(h.amount) for h in heirs},
               fields=["payout_month", "amount", "interest_credited", "prepared_by", "prepared_at"],
               deadline_item=_deadline_item(refund))
    return refund


refund_liquidate = entry(refund_liquidate, callers=STAFF, permission=WORK_PERMISSION, refusal=_STEP_REFUSED)


def refund_payout_approve(*, refund: Refund, actor: Viewer, bank_reference: str) -> Refund:
    """The second clerk's approval: the payout entries bring the account to zero, the account is
    closed and the relationship cancelled. Never by the preparer; two approvers pay once."""
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise ValidationFailed.field("bank_reference", "required", _("The bank reference of the payment is required."))
    refund = _lock(refund, actor, "approve")
    if actor.user_id is None or actor.user_id == refund.prepared_by_id:
        raise refused("refund-four-eyes", _("You prepared this payout; another clerk must approve it."),
                      rule="four eyes", status=403)
    if Employment.objects.filter(person_id=refund.person_id, end_date__isnull=True).exists():
        raise refused("refund-open-employment", _("The person is on an employer's roll; the employer must reduce "
                                                  "staff first."), rule="Order No. 13 of 2011")
    account = PensionAccount.objects.select_for_update().get(person_id=refund.person_id)
    if account.balance != refund.amount:
        raise Conflict(_("The balance moved since the liquidation (%(then)s, now %(now)s); liquidate again.")
                       % {"then": refund.amount, "now": account.balance}, type_slug="conflict")
    today = timezone.localdate()
    heirs = list(refund.heirs.order_by("id"))
    payments = [(h.pk, h.amount, f"{h.name}") for h in heirs if h.amount] or [(0, refund.amount, refund.payee_name)]
    AccountEntry.objects.bulk_create([
        AccountEntry(account=account, kind=EntryKind.PAYOUT, amount=-amount, posted_on=today, cause_type="payout",
                     cause_id=refund.pk, source_key=f"refund:{refund.pk}:{heir_id}", actor=actor.label(),
                     actor_user_id=actor.user_id, note=f"{bank_reference} {payee}"[:300])
        for heir_id, amount, payee in payments])
    account.refresh_from_db(fields=["balance"])
    if account.balance != 0:  # cannot happen: the parts add up to the amount
        raise Conflict(_("The payout does not bring the account to zero."), type_slug="conflict")
    account.closed_on = today
    account.save(update_fields=["closed_on"])
    refund.approved_by_id, refund.approved_at = actor.user_id, timezone.now()
    refund.bank_reference, refund.closed_on = bank_reference[:64], today
    transition(REFUND, refund, "approve", actor=actor, payments=[[h, str(a)] for h, a, _p in payments],
               fields=["approved_by", "approved_at", "bank_reference", "closed_on"])
    closed = []
    for relationship in (InsuranceRelationship.objects.select_for_update(of=("self",))
                         .select_related("region", "person")
                         .filter(person_id=refund.person_id).exclude(state__in=ENDED_STATES)):
        relationship_move(relationship, "close", on=today, actor=actor, channel="admin",
                          note=gettext_noop("Individual account paid out; relationship cancelled."),
                          details={"refund_id": refund.pk, "amount": str(refund.amount)})
        closed.append(relationship.pk)
    events.refund_closed(refund, actor=actor, account=account.pk, relationships=closed)
    return refund


refund_payout_approve = entry(refund_payout_approve, callers=STAFF, permission=APPROVE_PERMISSION,
                              refusal=_STEP_REFUSED)


# ---------------------------------------------------------------- the nationality notice

NOTICE_TEXT = gettext_noop(
    "You have informed us that you no longer hold the nationality of the People's Republic of China. "
    "You may keep your individual pension account: the contributions and the interest stay recorded and count "
    "if you contribute again. If you wish, you may instead apply in writing for the lump-sum payment of the "
    "balance of your individual account (Order No. 13 of 2011); the pooled part stays in the fund.")


def nationality_notice_serve(*, person: InsuredPerson, actor: Viewer, served_on: date | None = None) -> NationalityNotice:
    """Produce the written notice of the right to keep the account and record that it was served."""
    locked = scope(InsuredPerson.objects.select_for_update(), actor).filter(pk=person.pk).first()
    if locked is None:
        raise NotFound(_("No such person is visible to you."))
    served_on = served_on or timezone.localdate()
    with translation.override("zh-hans"):  # the letter is written in Chinese and kept as served
        text = gettext(NOTICE_TEXT)
    count = NationalityNotice.objects.filter(region=locked.region, served_on__year=served_on.year).count() + 1
    return NationalityNotice.objects.create(
        person=locked, region=locked.region, reference=f"GJ{locked.region.code}{served_on.year}{count:05d}-{locked.pk}",
        text=text, served_on=served_on, served_by=actor.label(), served_by_user_id=actor.user_id)


nationality_notice_serve = entry(nationality_notice_serve, callers=STAFF, permission=APPLY_PERMISSION,
                                 refusal=gettext_lazy("Your group may not serve notices."))
