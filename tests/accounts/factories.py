from datetime import date
from decimal import Decimal

from accounts.models import AccountEntry, EntryKind, PensionAccount
from accounts.postings import account_lock_or_open, entries_post


def account_for(person, opened_on=date(2020, 1, 1)) -> PensionAccount:
    return account_lock_or_open(person_id=person.pk, on=opened_on)


def credit(account, amount, posted_on, month=None, key=None) -> None:
    """A contribution credit posted on `posted_on` for `month` (default: the posting month)."""
    month = month or posted_on.replace(day=1)
    entries_post([AccountEntry(account=account, kind=EntryKind.CREDIT, amount=Decimal(amount),
                               contribution_month=month, posted_on=posted_on, cause_type="test",
                               source_key=key, actor="test")])
