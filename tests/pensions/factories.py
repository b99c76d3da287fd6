"""Persons with paid months, wages and the pension's parameters, for hand-computed estimates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from accounts.models import AccountEntry, EntryKind
from accounts.postings import entries_post
from agency.models import AverageWage, Region
from common.access import Viewer
from contributions.models import AMOUNT_COLUMNS, ContributionLine
from employers.models import Employer
from insured.models import InsuredPerson
from pensions.models import AgeMonthsPolicy, BenefitParameter, LocalSupplement
from tests.accounts.factories import account_for
from tests.contributions.charges import bare_declaration
from tests.employers.factories import EmployerFactory
from tests.ids import resident_id
from tests.transfers.factories import months_between

SOURCE = "测试：某市人社局公告"
PUBLISHED = date(2026, 2, 1)


def person(region: Region, *, born: date, sex: str, category: str, seq: int = 11) -> InsuredPerson:
    seq = seq * 2 + (1 if sex == "M" else 0)  # odd: a man, even: a woman (GB 11643)
    return InsuredPerson.objects.create(document_number=resident_id(region=region.code, born=born, seq=seq),
                                        name=f"测算{seq}", sex=sex, birth_date=born, region=region,
                                        original_retirement_age=category)


def paid(person: InsuredPerson, employer: Employer, first: date, last: date, *, base: str, credit: str) -> None:
    """Declared lines with `base` and an individual pension amount of `credit`, each credited to the account."""
    account = account_for(person)
    for month in months_between(first, last):
        declaration = bare_declaration(employer, month, Decimal(base))
        amounts = {c: Decimal("0.00") for c in AMOUNT_COLUMNS}
        amounts["pension_individual"] = Decimal(credit)
        ContributionLine.objects.create(declaration=declaration, person=person, employer_id=employer.pk, period=month,
                                        wage=Decimal(base), base=Decimal(base), **amounts)
        entries_post([AccountEntry(account=account, kind=EntryKind.CREDIT, amount=Decimal(credit),
                                   contribution_month=month, posted_on=month.replace(day=20), cause_type="test",
                                   source_key=f"p:{person.pk}:{month}", actor="test")])


def wage(region: Region, year: int, monthly: str) -> None:
    AverageWage.objects.create(region=region, year=year, monthly_wage=Decimal(monthly),
                               effective_from=date(year, 1, 1))


def benefit(region: Region, year: int, base: str, transitional: str | None = "1.20", effective_from=None):
    return BenefitParameter.objects.create(region=region, year=year, benefit_base=Decimal(base),
                                           transitional_percent=Decimal(transitional) if transitional else None,
                                           source=SOURCE, published_on=PUBLISHED,
                                           effective_from=effective_from or date(year, 1, 1), entered_by="test")


def supplement(region: Region, year: int, name: str, amount: str):
    return LocalSupplement.objects.create(region=region, year=year, name=name, monthly_amount=Decimal(amount),
                                          source=SOURCE, published_on=PUBLISHED, effective_from=date(year, 1, 1),
                                          entered_by="test")


def policy(region: Region, rule: str, rounding: str = "", effective_from=date(2026, 1, 1)):
    return AgeMonthsPolicy.objects.create(region=region, rule=rule, rounding=rounding, source=SOURCE,
                                          published_on=PUBLISHED, effective_from=effective_from, entered_by="test")


def employer(region: Region) -> Employer:
    return EmployerFactory(region=region)


SYSTEM = Viewer.system()
