"""Matching a collector's credit to an employer (issue 22, item 3): by the payment reference of an
order first, then by the employer's USCC in the reference text, else suspense.

Only orders and employers of the collection account's region are looked at: money that landed on one
region's account and names another region's employer waits for a clerk. Text that names two
employers is ambiguous: suspense, never a guess."""

from __future__ import annotations

import re
from dataclasses import dataclass

from collection.models import CollectorRecord, MatchedBy, PaymentOrder, SuspenseReason
from collection.references import references_in
from employers.models import Employer

# A run of 18 characters of the USCC alphabet standing alone in the text (no I, O, S, V, Z).
_USCC = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUW-Y]{18}(?![0-9A-Z])")


@dataclass(frozen=True)
class Match:
    employer_id: int | None = None
    order: PaymentOrder | None = None
    matched_by: str | None = None
    suspense_reason: str | None = None  # when no employer: why it waits

    @property
    def found(self) -> bool:
        return self.employer_id is not None


def usccs_in(text: str) -> list[str]:
    found = []
    for code in _USCC.findall((text or "").upper()):
        if code not in found:
            found.append(code)
    return found


def record_match(record: CollectorRecord, *, region_id: int) -> Match:
    """Whose money `record` is, read from its reference text."""
    references = references_in(record.reference_text)
    if references:
        orders = {o.reference: o for o in PaymentOrder.objects.filter(reference__in=references,
                                                                     employer__region_id=region_id)}
        employers = {o.employer_id for o in orders.values()}
        if len(employers) > 1:
            return Match(suspense_reason=SuspenseReason.AMBIGUOUS)
        if employers:
            order = next(orders[r] for r in references if r in orders)
            return Match(employer_id=order.employer_id, order=order, matched_by=MatchedBy.ORDER)
    codes = usccs_in(record.reference_text)
    if codes:
        employers = list(Employer.objects.filter(uscc__in=codes, region_id=region_id).values_list("pk", flat=True))
        if len(employers) > 1:
            return Match(suspense_reason=SuspenseReason.AMBIGUOUS)
        if employers:
            return Match(employer_id=employers[0], matched_by=MatchedBy.USCC)
    return Match(suspense_reason=SuspenseReason.UNMATCHED)
