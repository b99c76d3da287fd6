"""A person on an employer's staff with months declared, paid or not: what notices and alerts read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from common.access import Viewer
from contributions.models import Payment
from contributions.payments import payment_record
from notices.tasks import monthly_notices_generate
from tests.builders import portal
from tests.contributions.factories import EmploymentFactory
from tests.contributions.reads import amounts

OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
TODAY = date(2026, 12, 7)  # November's declaration (10th) and payment (15th) days are past, December's are not
BASE = D("8000.00")
SYSTEM = Viewer.system()


def month_total(base=BASE) -> D:
    return sum(amounts(base).values())


def pay(employer, amount, paid_on=date(2026, 11, 20)):
    return payment_record(employer_id=employer.pk, bank_reference=f"N-{employer.pk}-{Payment.objects.count() + 1}",
                          amount=D(str(amount)), paid_on=paid_on, actor=portal(employer))[0]


def on_staff(employer, person, start=OCT):
    return EmploymentFactory(employer=employer, person=person, start_date=start)


def generate(month) -> int:
    return monthly_notices_generate(month)
