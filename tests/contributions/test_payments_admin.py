"""Clerks record payments from bank vouchers, print receipts, read the employers in arrears of
their own region (largest first) and an employer's arrears page."""

import hashlib
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from agency.models import Document
from contributions.models import Allocation, Payment
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import logged_in
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
    client = logged_in(clerk_user(region.offices.first(), groups=("clerk",)))
    return client


def record(client, employer, reference="ABC-1", amount="1000.00", paid_on="2026-01-15"):
    return client.post("/admin/contributions/payment/add/", {
        "employer": employer.pk, "bank_reference": reference, "amount": amount, "paid_on": paid_on, "note": "",
        "voucher_file": SimpleUploadedFile("voucher.pdf", PDF, content_type="application/pdf")})


def test_clerk_records_a_payment_from_a_voucher_and_prints_its_receipt(region):
    employer = EmployerFactory(region=region)
    charge(employer, date(2026, 1, 1), "800.00")
    client = login(region)
    response = record(client, employer)
    assert response.status_code == 302, response.content.decode()[:2000]
    payment = Payment.objects.get()
    assert payment.channel == "admin" and payment.voucher.kind == "payment_voucher"
    assert payment.voucher.sha256 and Document.objects.count() == 1
    assert Allocation.objects.get().amount == D("800.00")
    receipt = client.get(f"/admin/contributions/payment/{payment.pk}/receipt/")
    assert receipt.status_code == 200
    assert b"ABC-1" in receipt.content and b"800.00" in receipt.content and b"200.00" in receipt.content
    again = record(client, employer, amount="5.00")  # same reference: nothing changes
    assert again.status_code == 302 and Payment.objects.count() == 1 and Document.objects.count() == 1


def _voucher_on_disk(content: bytes) -> bool:
    digest = hashlib.sha256(content).hexdigest()
    return default_storage.exists(f"vouchers/{digest[:2]}/{digest}/voucher.pdf")


def test_bad_payment_in_the_admin_shows_the_error_and_stores_nothing(region):
    employer = EmployerFactory(region=region)
    response = record(login(region), employer, amount="-1.00")
    assert response.status_code == 200 and not Payment.objects.exists()
    assert "A payment is a positive amount." in response.content.decode()  # at the amount field
    assert not Document.objects.exists()


def test_a_refused_payment_leaves_no_voucher_row_and_no_file(region):
    """The voucher is stored before payment_record runs; when the service refuses (here: dated in
    the future), the immutable Document row and its file are gone again, and the form shows why at
    the field. (Bank references are unique per employer: another employer's is no refusal.)"""
    employer = EmployerFactory(region=region)
    client = login(region)
    content = PDF + b"% refused\n"
    future = client.post("/admin/contributions/payment/add/", {
        "employer": employer.pk, "bank_reference": "F-1", "amount": "10.00", "paid_on": "2099-01-01", "note": "",
        "voucher_file": SimpleUploadedFile("voucher.pdf", content, content_type="application/pdf")})
    assert future.status_code == 200 and "A payment cannot be dated in the future." in future.content.decode()
    assert not Document.objects.exists() and not _voucher_on_disk(content)
    assert Payment.objects.count() == 0


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
    assert record(outsider, big).status_code == 200 and not Payment.objects.exists()
    record(client, big)
    payment = Payment.objects.get()
    assert outsider.get(f"/admin/contributions/payment/{payment.pk}/receipt/").status_code == 404
