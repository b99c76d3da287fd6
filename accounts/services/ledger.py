"""A clerk's correction of an individual account (Art. 74): a new entry, never an edit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AccountEntry, EntryKind, PensionAccount
from accounts.postings import FEN
from common.access import Viewer
from common.problems import ValidationFailed
from common.services import STAFF, entry, row_lock

PERMISSION = "accounts.add_accountentry"  # the reviewers' group holds it
_REFUSAL = gettext_lazy("Only agency staff allowed to correct accounts may do this.")


def account_correction_post(*, account: PensionAccount, amount: Decimal, reason: str, actor: Viewer,
                            contribution_month: date | None = None, cause_id: int | None = None) -> AccountEntry:
    """A clerk's correction (Art. 74: a disputed record is corrected by a new entry, never an edit).
    `cause_id` names the correction it carries out (disputes.Correction): posted once per correction."""
    amount = Decimal(amount).quantize(FEN)
    if amount == 0:
        raise ValidationFailed.field("amount", "zero", _("A correction moves the balance by at least 0.01."))
    if not reason.strip():
        raise ValidationFailed.field("note", "required", _("A correction needs its reason."))
    account = row_lock(PensionAccount.objects.all(), account.pk, actor=actor, missing=_("No such account in your region."))
    posted = AccountEntry(account=account, kind=EntryKind.CORRECTION, amount=amount,
                         contribution_month=contribution_month, posted_on=timezone.localdate(),
                         cause_type="correction", cause_id=cause_id,
                         source_key=f"correction:{cause_id}" if cause_id is not None else None, actor=actor.label(), actor_user_id=actor.user_id,
                         note=reason.strip()[:300])
    posted.save(force_insert=True)
    return posted


account_correction_post = entry(account_correction_post, callers=STAFF, permission=PERMISSION, refusal=_REFUSAL)
