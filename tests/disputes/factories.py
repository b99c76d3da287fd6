"""The disputes tests' world: a region with its clerks, a person with an account, an employer's month."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from agency.models import AverageWage
from contributions.services.declarations import declaration_file
from insured.models import Employment
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import staff_viewer
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory
from tests.refunds.factories import insured_with_account

MONTH = date(2026, 10, 1)  # a past month of the tests' real "today" (December 2026 or later)


class Desk:
    """A region with a clerk who files and proposes, a reviewer (second clerk) and a supervisor."""

    def __init__(self, code: str = "310101"):
        self.region = RegionFactory(code=code)
        self.office = OfficeFactory(region=self.region)
        self.clerk_user = clerk_user(self.office, groups=("clerk",))
        self.reviewer_user = clerk_user(self.office, groups=("clerk", "reviewer"))
        self.other_reviewer_user = clerk_user(self.office, groups=("clerk", "reviewer"))
        self.supervisor_user = clerk_user(self.office, groups=("supervisor",))
        self.clerk = staff_viewer(self.clerk_user)
        self.reviewer = staff_viewer(self.reviewer_user)
        self.other_reviewer = staff_viewer(self.other_reviewer_user)
        self.supervisor = staff_viewer(self.supervisor_user)

    def insured(self, seq: int = 311, **fields):
        return insured_with_account(self.region, seq=seq, months=6, start=date(2025, 1, 1), **fields)

    def employer_month(self, person, *, wage: str = "8000.00", month: date = MONTH):
        """An employer of the region that declared `person` (and a colleague) for `month`."""
        AverageWage.objects.get_or_create(region=self.region, year=month.year,
                                          defaults={"monthly_wage": Decimal("10000.00"),
                                                    "effective_from": date(month.year, 1, 1)})
        employer = EmployerFactory(region=self.region)
        colleague = PersonFactory(region=self.region)
        for someone in (person, colleague):
            Employment.objects.create(person=someone, employer=employer, start_date=date(2025, 6, 1),
                                      monthly_wage=Decimal(wage))
        Employment.objects.filter(employer=employer).update(
            created_at=timezone.make_aware(datetime(2025, 6, 1, 9, 0)))
        declaration_file(employer_id=employer.pk, period=f"{month:%Y-%m}", source="json", actor=self.reviewer,
                         rows=[{"document_number": person.document_number, "wage": wage},
                               {"document_number": colleague.document_number, "wage": "9000.00"}])
        return employer
