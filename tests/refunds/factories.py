from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts.models import PensionAccount
from insured.models import InsuranceRelationship, InsuredPerson, RelationshipState
from tests.accounts.factories import account_for, credit
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import staff_viewer
from tests.ids import resident_id
from tests.insured.factories import PersonFactory


class Desk:
    """A region with its office, a clerk who prepares and a reviewer who approves payouts."""

    def __init__(self, code: str = "310101"):
        self.region = RegionFactory(code=code)
        self.office = OfficeFactory(region=self.region)
        self.clerk_user = clerk_user(self.office, groups=("clerk",))
        self.approver_user = clerk_user(self.office, groups=("clerk", "reviewer"))
        self.clerk = staff_viewer(self.clerk_user)
        self.approver = staff_viewer(self.approver_user)


def insured_with_account(region, *, months: int = 24, per_month: str = "100.00", born=date(1960, 3, 10),
                         seq: int = 311, start=date(2024, 1, 1), state=RelationshipState.SUSPENDED,
                         **fields) -> tuple[InsuredPerson, PensionAccount]:
    """A person with `months` monthly credits from `start` and a (by default suspended) relationship."""
    if "document_number" not in fields:
        fields["document_number"] = resident_id(region=region.code, born=born, seq=seq)
    person = PersonFactory(region=region, **fields)
    with transaction.atomic():
        account = account_for(person, opened_on=start)
    for i in range(months):
        month = date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
        credit(account, Decimal(per_month), month.replace(day=15), key=f"t{i}")
    InsuranceRelationship.objects.create(person=person, region=region, state=state, opened_on=start,
                                         state_since=start)
    account.refresh_from_db()
    return person, account
