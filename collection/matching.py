"""Matching a collector's credit to an employer (issue 22, item 3): by the payment reference of an
order first, then by the employer's USCC in the reference text, else suspense.

Only orders and employers of the collection account's region are looked at: money that landed on one
region's account and names another region's employer waits for a clerk. Text that names two
employers is ambiguous: suspense, never a guess."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models.functions import Coalesce

from collection.models import CollectorRecord, MatchedBy, PaymentOrder, SuspenseReason
from collection.references import references_in
from employers.models import Employer

# A run of 18 characters of the USCC alphabet standing alone in the text (no I, O, S, V, Z).
_USCC = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUW-Y]{18}(?![0-9A-Z])")


@dataclass(frozen=True)
class Match:
    employer_id: int | None = None
    order_id: int | None = None
    matched_by: str | None = None
    suspense_reason: str | None = None  # when no employer: why it waits
    person_id: int | None = None  # issue 28: the order of a flexible worker, who pays for themselves

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
    return records_match([(record.pk, record.reference_text, region_id)])[record.pk]


def records_match(records: list[tuple[int, str, int]]) -> dict[int, Match]:
    """Whose money each of `records` (id, reference text, the collection account's region) is: the
    references and USCCs of all of them looked up in two queries."""
    texts = {pk: (references_in(text), usccs_in(text), region_id) for pk, text, region_id in records}
    references = {r for refs, _codes, _region in texts.values() for r in refs}
    codes = {c for _refs, found, _region in texts.values() for c in found}
    orders: dict[str, tuple[int, int, int]] = {}  # reference: (order id, employer id, region id)
    person_orders: dict[str, tuple[int, int, int]] = {}  # issue 28: reference: (order id, person id, region id)
    if references:
        for ref, pk, employer_id, person_id, region_id in PaymentOrder.objects.filter(
                reference__in=references).annotate(payer_region=Coalesce("employer__region_id", "person__region_id")
                                                   ).values_list("reference", "pk", "employer_id", "person_id",
                                                                 "payer_region"):
            if employer_id is not None:
                orders[ref] = (pk, employer_id, region_id)
            else:
                person_orders[ref] = (pk, person_id, region_id)
    employers: dict[str, list[tuple[int, int]]] = {}  # uscc: [(employer id, region id)]
    if codes:
        for uscc, pk, region_id in Employer.objects.filter(uscc__in=codes).values_list("uscc", "pk", "region_id"):
            employers.setdefault(uscc, []).append((pk, region_id))
    return {pk: _person_match(refs, region_id, person_orders, orders) or _match(refs, found, region_id, orders, employers)
            for pk, (refs, found, region_id) in texts.items()}


def _person_match(references: list[str], region_id: int, person_orders: dict, orders: dict) -> Match | None:
    """A flexible worker's order quoted alone (issue 28); with an employer's reference too: suspense."""
    quoted = [person_orders[ref] for ref in references if ref in person_orders and person_orders[ref][2] == region_id]
    if not quoted:
        return None
    if len({person_id for _pk, person_id, _region in quoted}) > 1 or any(ref in orders for ref in references):
        return Match(suspense_reason=SuspenseReason.AMBIGUOUS)
    order_id, person_id, _region = quoted[0]
    return Match(person_id=person_id, order_id=order_id, matched_by=MatchedBy.ORDER)


def _match(references: list[str], codes: list[str], region_id: int, orders: dict, employers: dict) -> Match:
    if references:
        quoted = [(ref, orders[ref]) for ref in references if ref in orders and orders[ref][2] == region_id]
        if len({employer_id for _ref, (_pk, employer_id, _region) in quoted}) > 1:
            return Match(suspense_reason=SuspenseReason.AMBIGUOUS)
        if quoted:
            order_id, employer_id, _region = quoted[0][1]
            return Match(employer_id=employer_id, order_id=order_id, matched_by=MatchedBy.ORDER)
    if codes:
        found = {pk for code in codes for pk, region in employers.get(code, ()) if region == region_id}
        if len(found) > 1:
            return Match(suspense_reason=SuspenseReason.AMBIGUOUS)
        if found:
            return Match(employer_id=found.pop(), matched_by=MatchedBy.USCC)
    return Match(suspense_reason=SuspenseReason.UNMATCHED)
