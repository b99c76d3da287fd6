"""A person who moved from one region to another, built through the staffing services as in life: enrolled
in the old region, taken off the roll there (suspended), enrolled in the new region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accounts.models import PensionAccount
from agency.models import InterestRate, Region
from employers.models import Employer
from insured.models import InsuredPerson, StaffingTerms
from insured.services.staffing import enrolment_submit, staff_reduction_submit
from tests.accounts.factories import account_for, credit
from tests.agency.factories import OfficeFactory, RegionFactory, terms_set
from tests.builders import portal
from tests.contributions.charges import bare_declaration, line
from tests.employers.factories import EmployerFactory
from tests.ids import resident_id


def region(code: str, name: str, province: str, **fields) -> Region:
    r = RegionFactory(code=code, name=name, province=province, **fields)
    terms_set(r, StaffingTerms, reduction_needs_confirmation=False)
    OfficeFactory(region=r)
    return r


def enrol(employer: Employer, number: str, name: str, start: date):
    return enrolment_submit(employer=employer, document_number=number, name=name, start_date=start,
                            monthly_wage=Decimal("9000.00"), actor=portal(employer), channel="api")


def reduce(employer: Employer, number: str, last_day: date):
    return staff_reduction_submit(employer=employer, document_number=number, last_day=last_day,
                                  reason="resignation", actor=portal(employer), channel="api")


@dataclass
class Mover:
    person: InsuredPerson
    old: Region
    new: Region
    old_employer: Employer
    new_employer: Employer
    number: str


def mover(old: Region, new: Region, *, born=date(1990, 5, 17), seq=123, name="李明", enrol_new=True,
          left=date(2026, 6, 30), started=date(2026, 7, 1)) -> Mover:
    number = resident_id(region=old.code, born=born, seq=seq)
    old_employer, new_employer = EmployerFactory(region=old), EmployerFactory(region=new)
    enrol(old_employer, number, name, date(2020, 1, 6))
    reduce(old_employer, number, left)
    if enrol_new:
        enrol(new_employer, number, name, started)
    person = InsuredPerson.objects.get(document_number=number)
    return Mover(person, old, new, old_employer, new_employer, number)


def paid_months(person: InsuredPerson, employer: Employer, months: list[date], base="5000.00",
                credit_amount="400.00") -> PensionAccount:
    """Declared lines with their base and the account credit of each month (a paid month in the ledger)."""
    account = account_for(person)
    for month in months:
        declaration = bare_declaration(employer, month, Decimal(base))
        line(declaration, person, base=base)
        credit(account, credit_amount, posted_on=month.replace(day=20), month=month, key=f"t:{person.pk}:{month}")
    return account


def rates(*years_percent):
    for year, percent in years_percent:
        InterestRate.objects.get_or_create(year=year, effective_from=date(year, 12, 31),
                                           defaults={"percent": Decimal(percent)})


def months_between(first: date, last: date) -> list[date]:
    out, current = [], first
    while current <= last:
        out.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return out
