"""The clerk's steps on suspense (issue 22, item 4): assign an item to an employer (a second clerk
approves above the region's `CollectionTerms.four_eyes_above`), refuse a proposed assignment, or
return the money to the payer. Each step moves the item by the SUSPENSE machine
(collection/suspense.py) and writes its event; nothing leaves suspense any other way, and nothing
is ever deleted."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collection.applying import record_apply_to
from collection.models import Application, MatchedBy, SuspenseItem, SuspenseReason
from collection.suspense import SUSPENSE
from collection.terms import terms_for
from common.access import Viewer, scope
from common.problems import ApplicationError, Conflict, ValidationFailed
from common.services import STAFF, entry, row_lock, transition
from employers.models import Employer

WORK_PERMISSION = "collection.change_suspenseitem"
APPROVE_PERMISSION = "collection.approve_suspenseitem"
_REFUSAL = gettext_lazy("Your group may not take this step of suspense.")
_MISSING = gettext_lazy("No such suspense item in your region.")


def _apply(item: SuspenseItem, *, employer_id: int, actor: Viewer) -> Application:
    """The item's money becomes the employer's payment as the feed pays a matched record in
    (collection.applying: dated the collector's value date, allocated oldest charge first; above the
    region's credit limit, what the employer's charges leave waits in suspense again)."""
    application = record_apply_to(item.record, employer_id=employer_id, amount=item.amount,
                                  matched_by=MatchedBy.CLERK, actor=actor, reference_suffix=f"/S{item.pk}")
    if application is None:
        raise Conflict(_("The employer has nothing open and may keep no credit: the money would come straight "
                         "back to suspense. Return it to the payer instead."))
    return application


def _item_lock(item: SuspenseItem, actor: Viewer) -> SuspenseItem:
    return row_lock(SuspenseItem.objects.all(), item.pk, actor=actor, missing=str(_MISSING),
                    related=("record", "account"))


def _employer_check(item: SuspenseItem, employer: Employer | None, actor: Viewer) -> Employer:
    if item.reason == SuspenseReason.REVERSAL_UNAPPLIED:
        raise ApplicationError(_("A reversal is settled with the payer and returned, never assigned."),
                               status=409, type_slug="suspense-not-assignable")
    if employer is None:
        raise ValidationFailed.field("employer", "required", _("Name the employer the money belongs to."))
    found = scope(Employer.objects.all(), actor).filter(pk=employer.pk).first()
    if found is None or found.region_id != item.account.region_id:
        raise ValidationFailed.field("employer", "other_region",
                                     _("The employer must belong to the region of the collection account."))
    return found


def suspense_assign(*, item: SuspenseItem, employer: Employer | None, actor: Viewer, note: str = "") -> SuspenseItem:
    """Assign the item's money to `employer`. Up to the region's four-eyes sum the money becomes the
    employer's payment at once (dated the collector's value date, allocated oldest charge first);
    above it the assignment is proposed, and another clerk approves it (`suspense_approve`)."""
    item = _item_lock(item, actor)
    SUSPENSE.step(item.state, "assign")  # the one conflict wording before any other check
    employer = _employer_check(item, employer, actor)
    if item.amount > terms_for(item.account.region_id).four_eyes_above:
        item.proposed_employer, item.proposed_by_id, item.proposed_at = employer, actor.user_id, timezone.now()
        transition(SUSPENSE, item, "propose", actor=actor, note=note,
                   fields=["proposed_employer", "proposed_by", "proposed_at"])
        return item
    item.application = _apply(item, employer_id=employer.pk, actor=actor)
    item.decided_at, item.decided_by_id, item.note = timezone.now(), actor.user_id, note
    transition(SUSPENSE, item, "assign", actor=actor, note=note,
               fields=["application", "decided_at", "decided_by", "note"])
    return item


suspense_assign = entry(suspense_assign, callers=STAFF, permission=WORK_PERMISSION, refusal=_REFUSAL)


def suspense_approve(*, item: SuspenseItem, actor: Viewer, note: str = "") -> SuspenseItem:
    """The second clerk approves a proposed assignment: never the clerk who proposed it."""
    item = _item_lock(item, actor)
    SUSPENSE.step(item.state, "approve")  # the one conflict wording before any other check
    if actor.user_id is not None and actor.user_id == item.proposed_by_id:
        raise ApplicationError(_("You proposed this assignment; another clerk must approve it."), status=403,
                               type_slug="suspense-four-eyes", rule="four eyes")
    employer = _employer_check(item, item.proposed_employer, actor)
    item.application = _apply(item, employer_id=employer.pk, actor=actor)
    item.decided_at, item.decided_by_id, item.note = timezone.now(), actor.user_id, note
    transition(SUSPENSE, item, "approve", actor=actor, note=note, proposed_by=item.proposed_by_id,
               fields=["application", "decided_at", "decided_by", "note"])
    return item


suspense_approve = entry(suspense_approve, callers=STAFF, permission=APPROVE_PERMISSION, refusal=_REFUSAL)


def suspense_refuse(*, item: SuspenseItem, actor: Viewer, note: str) -> SuspenseItem:
    """A second clerk refuses a proposed assignment (with the reason): the item waits again."""
    item = _item_lock(item, actor)
    if not (note or "").strip():
        raise ValidationFailed.field("note", "required", _("Say why the assignment is refused."))
    employer_id = item.proposed_employer_id
    item.proposed_employer, item.proposed_by, item.proposed_at = None, None, None
    transition(SUSPENSE, item, "refuse", actor=actor, employer_id=employer_id, note=note.strip(),
               fields=["proposed_employer", "proposed_by", "proposed_at"])
    return item


suspense_refuse = entry(suspense_refuse, callers=STAFF, permission=APPROVE_PERMISSION, refusal=_REFUSAL)


def suspense_return(*, item: SuspenseItem, return_reference: str, actor: Viewer, note: str = "") -> SuspenseItem:
    """The money goes back to the payer's account the collector reported: recorded with the bank's
    reference of the transfer back. The item stays, returned."""
    item = _item_lock(item, actor)
    SUSPENSE.step(item.state, "return")
    reference = (return_reference or "").strip()
    if not reference:
        raise ValidationFailed.field("return_reference", "required",
                                     _("Give the bank's reference of the transfer back to the payer."))
    if not item.record.payer_account and item.reason != SuspenseReason.REVERSAL_UNAPPLIED:
        raise ValidationFailed.field("return_reference", "no_payer_account",
                                     _("The collector reported no payer's account: the money cannot be returned; "
                                       "assign it or ask the collector."))
    item.return_reference, item.note = reference[:64], note
    item.decided_at, item.decided_by_id = timezone.now(), actor.user_id
    transition(SUSPENSE, item, "return", actor=actor,
               fields=["return_reference", "note", "decided_at", "decided_by"])
    return item


suspense_return = entry(suspense_return, callers=STAFF, permission=WORK_PERMISSION, refusal=_REFUSAL)


