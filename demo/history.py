"""Months the demo writes directly (the movers' months in Beijing, the retiring man's years with his employer):
each a declaration line with the region's rate card's amounts and the account credit of its individual pension
part, as the declaration and payment services would have left them when filed and paid on time. The services
cannot write them: `declaration_file` files a month today, late and with late fees."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from accounts.models import AccountEntry, EntryKind
from accounts.postings import account_lock_or_open, entries_post
from common.dates import month_next
from contributions.models import AMOUNT_COLUMNS, ContributionLine, Declaration
from contributions.rates import rate_card
from employers.models import Employer
from insured.models import InsuredPerson


def paid_months_write(*, person: InsuredPerson, employer: Employer, first: date, last: date, wage: Decimal,
                      sequence: int, key: str, account_on: date) -> int:
    """The months `first`..`last` (first days) of `person` at `employer`, on `wage`; the declaration of each
    month is the employer's `sequence` (one per demo story); `key` names the account entries' source.
    Returns the number of months written."""
    from contributions.partitions import line_partitions_ensure

    line_partitions_ensure(range(first.year, last.year + 1))
    account = account_lock_or_open(person_id=person.pk, on=account_on)
    entries, month, written = [], first, 0
    while month <= last:
        declaration, _created = Declaration.objects.get_or_create(
            employer=employer, period=month, sequence=sequence,
            defaults={"kind": "declared", "source": "system", "rows": 1, "lines_written": 1, "total": 0,
                      "difference": 0, "due_on": month + timedelta(days=14), "declared_on": month + timedelta(days=4),
                      "actor": "system"})
        line_base, _clamp, amounts = rate_card(employer=employer, period=month).figures(wage)
        figures = dict(zip(AMOUNT_COLUMNS, amounts, strict=True))
        ContributionLine.objects.create(period=month, employer=employer, person=person, declaration=declaration,
                                        wage=wage, base=line_base, **figures)
        entries.append(AccountEntry(account=account, kind=EntryKind.CREDIT, amount=figures["pension_individual"],
                                    contribution_month=month, posted_on=month + timedelta(days=19), cause_type="charge",
                                    source_key=f"{key}:{person.pk}:{month:%Y%m}", actor="system"))
        month, written = month_next(month), written + 1
    entries_post(entries)
    return written
