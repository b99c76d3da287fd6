"""The portal's receipts and arrears over HTTP with a real token; scoping; the removed way to pay."""

from datetime import date
from decimal import Decimal as D

import pytest

from common.access import Viewer
from contributions.models import Payment
from contributions.payments import payment_record
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal():
    employer = EmployerFactory()
    charge(employer, date(2026, 1, 1), "1000.00")
    charge(employer, date(2026, 2, 1), "1000.00")
    return Portal(employer)


def _collected(portal, reference: str, amount: str, paid_on: str):
    """Money the collector reported for the portal's employer (the one way a payment is recorded)."""
    return payment_record(employer_id=portal.employer.pk, bank_reference=reference, amount=D(amount),
                          paid_on=date.fromisoformat(paid_on), actor=Viewer.system())[0]


def test_a_collected_payment_is_allocated_and_its_receipt_shows_it(portal):
    paid = _collected(portal, "ICBC-0001", "1500.00", "2026-01-20")
    body = portal.get(f"/api/v1/employer/payments/{paid.pk}").json()
    assert body["amount"] == "1500.00" and body["allocated"] == "1500.00" and body["unallocated"] == "0.00"
    assert body["paid_on"] == "2026-01-20" and body["channel"] == "collector"
    assert [(a["period"], a["amount"]) for a in body["allocations"]] == [("2026-01", "1000.00"), ("2026-02", "500.00")]
    listed = portal.get("/api/v1/employer/payments").json()["results"]
    assert [p["bank_reference"] for p in listed] == ["ICBC-0001"]


def test_a_portal_can_no_longer_record_a_payment_it_says_it_made(portal):
    body = {"bank_reference": "ICBC-0002", "amount": "2000.00", "paid_on": "2026-01-10"}
    response = portal.post("/api/v1/employer/payments", body, key="k-1")
    assert response.status_code == 410 and response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/payments-from-collector"
    assert problem["payment_orders"] == "/api/v1/employer/payment-orders"
    assert not Payment.objects.exists()
    assert portal.get("/api/v1/employer/arrears", {"on": "2026-03-01"}).json()["principal"] == "2000.00"
    assert "/employer/payments" not in portal.get("/api/schema/?format=json").json()["paths"] or \
        "post" not in portal.get("/api/schema/?format=json").json()["paths"]["/api/v1/employer/payments"]


def test_another_employer_sees_neither_the_receipt_nor_the_arrears(portal):
    paid = _collected(portal, "ICBC-9", "10.00", "2026-01-10")
    other = Portal(EmployerFactory())
    assert other.get(f"/api/v1/employer/payments/{paid.pk}").status_code == 404
    assert other.get("/api/v1/employer/payments").json()["results"] == []
    assert other.get("/api/v1/employer/arrears", {"on": "2026-03-01"}).json()["periods"] == []


def test_arrears_on_a_day_and_a_future_day(portal):
    today = portal.get("/api/v1/employer/arrears", {"on": "2026-01-16"}).json()
    assert today["periods"][0] == {"period": "2026-01", "due_on": "2026-01-15", "principal": "1000.00", "days": 1,
                                   "late_fee": "0.50", "total": "1000.50", "provisional": False}
    later = portal.get("/api/v1/employer/arrears", {"on": "2026-03-17"}).json()
    # jan: 61 days (01-16 .. 03-17) on 1000 = 30.50; feb: 30 days on 1000 = 15.00
    assert [p["days"] for p in later["periods"]] == [61, 30]
    assert later["principal"] == "2000.00" and later["late_fee"] == "45.50" and later["total"] == "2045.50"
    assert portal.get("/api/v1/employer/arrears", {"on": "2026-13-01"}).status_code == 400
    assert portal.get("/api/v1/employer/arrears").status_code == 200
