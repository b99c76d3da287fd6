"""Item 8: an employer's cancellation needs its charges and late fees settled (the check that
contributions registers with employers.hooks)."""

from datetime import date
from decimal import Decimal as D

import pytest

from agency.deadlines import today_in_shanghai
from common.access import Kind, Viewer
from common.problems import Conflict
from contributions.models import Charge, ChargeKind
from contributions.payments import payment_record
from employers.services.registrations import registration_approve, registration_submit
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.contributions.charges import charge, portal_viewer
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def test_cancellation_waits_until_charges_and_late_fees_are_paid():
    region = RegionFactory(code="310101")
    office = OfficeFactory(region=region)
    reviewer = clerk_user(office, groups=("reviewer",))
    viewer = Viewer(Kind.CLERK, user_id=reviewer.pk, region_id=region.pk, office_id=office.pk)
    employer = EmployerFactory(region=region)
    charge(employer, date(2026, 1, 1), "1000.00")
    application, _token = registration_submit(kind="cancellation", actor=portal_viewer(employer), uscc=employer.uscc,
                                              changed_on=today_in_shanghai(), reason="公司解散")
    with pytest.raises(Conflict) as refused:
        registration_approve(application=application, actor=viewer)
    assert refused.value.extra["unpaid_charges"] == 1
    payment_record(employer_id=employer.pk, bank_reference="C-1", amount=D("1000.00"), paid_on=date(2026, 1, 25),
                   actor=portal_viewer(employer))  # 10 days late: the late fee is still open
    fee = Charge.objects.get(kind=ChargeKind.LATE_FEE)
    with pytest.raises(Conflict):
        registration_approve(application=application, actor=viewer)
    payment_record(employer_id=employer.pk, bank_reference="C-2", amount=fee.amount, paid_on=date(2026, 1, 26),
                   actor=portal_viewer(employer))
    registration_approve(application=application, actor=viewer)
    employer.refresh_from_db()
    assert employer.registration_status == "cancelled"
