"""What a statement holds (domain.md, "What a personal-rights statement holds"), read for a range
of persons at once from the ledger, and written down as canonical JSON text.

The snapshot keeps the figures as they were when generated; the PDF is rendered from it alone, so
the same snapshot gives the same bytes years later. Money is kept as text with two decimals.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accounts.selectors import AccountYear, account_years_of_persons
from agency.models import Office, Region
from common.identifiers import mask_document
from contributions.models import AMOUNT_COLUMNS
from contributions.selectors.lines import SOURCE_DETERMINED, Month, months_of_persons
from insured.models import InsuranceRelationship, InsuredPerson, StatementDelivery

VERSION = 1
ZERO = Decimal("0.00")
# The verification code: 20 characters of Crockford's base32 (100 bits), shown in groups of four.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_POSTCODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def money(value: Decimal | None) -> str:
    return f"{(value or ZERO):.2f}"


def canonical(data: dict) -> str:
    """The one text of a snapshot: sorted keys, no spaces, Chinese as is."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def verification_code_new() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(20))


def verification_code_normal(text: str) -> str:
    """What a person typed (any case, spaces or dashes, O for 0, I/L for 1) as stored."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper()
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def verification_code_display(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def postal_code_of(address: str) -> str:
    found = _POSTCODE.search(address or "")
    return found.group(1) if found else ""


@dataclass(frozen=True)
class Agency:
    name: str
    address: str
    region_label: str


def agencies() -> dict[int, Agency]:
    """Each region's agency as the statement names it: its first office, where a person disputes."""
    offices: dict[int, Office] = {}
    for office in Office.objects.order_by("region_id", "id"):
        offices.setdefault(office.region_id, office)
    found = {}
    for region in Region.objects.all():
        office = offices.get(region.pk)
        found[region.pk] = Agency(
            name=office.name if office else f"{region.name}社会保险经办机构",
            address=office.address if office else "", region_label=f"{region.province}{region.name}（{region.code}）")
    return found


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    document_number: str
    region_id: int
    statement_delivery: str
    email: str
    postal_address: str

    @property
    def channel(self) -> str:
        """The chosen channel, online when the chosen one lacks its address."""
        if self.statement_delivery == StatementDelivery.EMAIL and self.email:
            return StatementDelivery.EMAIL
        if self.statement_delivery == StatementDelivery.POST and self.postal_address:
            return StatementDelivery.POST
        return StatementDelivery.ONLINE


def persons_in_range(*, first_person_id: int, last_person_id: int, region_id: int | None) -> list[PersonRow]:
    persons = InsuredPerson.objects.filter(pk__range=(first_person_id, last_person_id))
    if region_id is not None:
        persons = persons.filter(region_id=region_id)
    return [PersonRow(*row) for row in persons.order_by("pk").values_list(
        "pk", "name", "document_number", "region_id", "statement_delivery", "email", "postal_address")]


def _states(first: int, last: int) -> dict[tuple[int, int], str]:
    rows = (InsuranceRelationship.objects.filter(person_id__gte=first, person_id__lte=last)
            .order_by("person_id", "region_id", "opened_on", "pk").values_list("person_id", "region_id", "state"))
    return {(p, r): s for p, r, s in rows}  # the latest relationship per person and region wins


def _month_row(month: Month, employer_index: int) -> list:
    f = month.figures
    return [f"{month.period:%Y-%m}", employer_index, money(f.base), [money(f.amounts[c]) for c in AMOUNT_COLUMNS],
            1 if month.paid else 0, "d" if month.source == SOURCE_DETERMINED else "l"]


def snapshot_build(*, person: PersonRow, year: int, months: list[Month], account: AccountYear | None,
                   state: str | None, agency: Agency, generated_on: date, code: str) -> dict:
    employers: list[list[str]] = []
    index: dict[int, int] = {}
    rows = []
    totals = {c: ZERO for c in AMOUNT_COLUMNS}
    arrears_months, arrears_amount = set(), ZERO
    for month in months:
        if month.employer_id not in index:
            index[month.employer_id] = len(employers) + 1
            employers.append([month.employer_uscc, month.employer_name])
        rows.append(_month_row(month, index[month.employer_id]))
        for c in AMOUNT_COLUMNS:
            totals[c] += month.figures.amounts[c]
        if not month.paid:
            arrears_months.add(month.period)
            arrears_amount += month.figures.total
    a = account
    return {
        "v": VERSION,
        "year": year,
        "generated_on": generated_on.isoformat(),
        "agency": {"name": agency.name, "address": agency.address},
        "person": {"name": person.name, "document": mask_document(person.document_number),
                   "status": state or "",
                   "region": agency.region_label},
        "employers": employers,
        "months": rows,
        "totals": [money(totals[c]) for c in AMOUNT_COLUMNS],
        "months_in_year": a.months_in_year if a else 0,
        "months_total": a.months_total if a else 0,
        "arrears": {"months": len(arrears_months), "amount": money(arrears_amount)},
        "account": {
            "opening": money(a.opening if a else ZERO), "credits": money(a.credits if a else ZERO),
            "interest": money(a.interest if a else ZERO), "transfers_in": money(a.transfers_in if a else ZERO),
            "transfers_out": money(a.transfers_out if a else ZERO), "payouts": money(a.payouts if a else ZERO),
            "corrections": money(a.corrections if a else ZERO), "closing": money(a.closing if a else ZERO),
        },
        "channel": person.channel,
        "code": code,
    }


def snapshots_for_range(*, persons: list[PersonRow], year: int, generated_on: date,
                        agency_by_region: dict[int, Agency]) -> list[tuple[PersonRow, dict]]:
    """The snapshots of these persons (sorted by id, one range), in three queries over the ledger."""
    if not persons:
        return []
    first, last = persons[0].id, persons[-1].id
    months = months_of_persons(first_person_id=first, last_person_id=last, date_from=date(year, 1, 1),
                               date_to=date(year, 12, 1))
    accounts = account_years_of_persons(first_person_id=first, last_person_id=last, year=year)
    states = _states(first, last)
    return [(p, snapshot_build(person=p, year=year, months=months.get(p.id, []), account=accounts.get(p.id),
                               state=states.get((p.id, p.region_id)), agency=agency_by_region[p.region_id],
                               generated_on=generated_on, code=verification_code_new()))
            for p in persons]
