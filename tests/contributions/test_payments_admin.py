"""Clerks no longer record payments (issue 22); they print receipts of collected money, read the employers in arrears of
their own region (largest first) and an employer's arrears page."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agency.models import Document
from common.access import Viewer
from contributions.models import Allocation, Payment
from contributions.payments import payment_record
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% bank voucher for tests\n%%EOF\n"


@pytest.fixture
def region():
    region = RegionFactory(code="310101", name="黄浦区")
    OfficeFactory(region=region)
    return region


def login(region):
    client = Client()
    client.force_login(clerk_user(region.offices.first(), groups=("clerk",)))
    return client


def record(client, employer, reference="ABC-1", amount="1000.00", paid_on="2026-01-15"):
    return client.post("/admin/contributions/payment/add/", {
        "employer": employer.pk, "bank_reference": reference, "amount": amount, "paid_on": paid_on, "note": "",
        "voucher_file": SimpleUploadedFile("voucher.pdf", PDF, content_type="application/pdf")})


def _collected(employer, reference="ABC-1", amount="1000.00", paid_on="2026-01-15"):
    return payment_record(employer_id=employer.pk, bank_reference=reference, amount=D(amount),
                          paid_on=date.fromisoformat(paid_on), actor=Viewer.system())[0]


def test_a_clerk_can_no_longer_record_a_payment_and_prints_the_receipt_of_collected_money(region):
    """Issue 22: money counts when the collector reports it; the payment form is gone."""
    employer = EmployerFactory(region=region)
    charge(employer, date(2026, 1, 1), "800.00")
    client = login(region)
    assert record(client, employer).status_code == 403
    assert not Payment.objects.exists() and not Document.objects.exists()
    assert "/admin/contributions/payment/add/" not in client.get("/admin/contributions/payment/").content.decode()
    payment = _collected(employer)
    assert Allocation.objects.get().amount == D("800.00")
    receipt = client.get(f"/admin/contributions/payment/{payment.pk}/receipt/")
    assert receipt.status_code == 200
    assert b"ABC-1" in receipt.content and b"800.00" in receipt.content and b"200.00" in receipt.content


def test_clerk_sees_employers_in_arrears_of_their_region_largest_first(region):
    big, small = EmployerFactory(region=region, name="大户公司"), EmployerFactory(region=region, name="小户公司")
    charge(big, date(2026, 1, 1), "9000.00")
    charge(small, date(2026, 1, 1), "10.00")
    elsewhere = EmployerFactory(name="外区公司")
    charge(elsewhere, date(2026, 1, 1), "99999.00")
    client = login(region)
    page = client.get("/admin/contributions/employerarrears/", {"on": "2026-02-01"}).content.decode()
    assert page.index("大户公司") < page.index("小户公司") and "外区公司" not in page
    detail = client.get(f"/admin/contributions/employerarrears/{big.pk}/change/", {"on": "2026-02-01"})
    assert detail.status_code == 200 and "9000.00" in detail.content.decode()
    assert client.get(f"/admin/contributions/employerarrears/{elsewhere.pk}/change/").status_code == 404
    # another region's clerk cannot record a payment for this employer, nor print its receipts
    other_region = RegionFactory(code="110105")
    OfficeFactory(region=other_region)
    outsider = login(other_region)
    payment = _collected(big)
    assert outsider.get(f"/admin/contributions/payment/{payment.pk}/receipt/").status_code == 404
