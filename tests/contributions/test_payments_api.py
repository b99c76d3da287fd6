"""The portal's payments, receipts and arrears over HTTP with a real token; scoping and bad input."""

from datetime import date, timedelta

import pytest

from agency.deadlines import today_in_shanghai
from contributions.models import Payment
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


def test_payment_is_allocated_and_its_receipt_shows_it(portal):
    response = portal.post("/api/v1/employer/payments",
                           {"bank_reference": "ICBC-0001", "amount": "1500.00", "paid_on": "2026-01-20"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "1500.00" and body["allocated"] == "1500.00" and body["unallocated"] == "0.00"
    assert [(a["period"], a["amount"]) for a in body["allocations"]] == [("2026-01", "1000.00"), ("2026-02", "500.00")]
    receipt = portal.get(f"/api/v1/employer/payments/{body['id']}").json()
    assert receipt == body
    listed = portal.get("/api/v1/employer/payments").json()["results"]
    assert [p["bank_reference"] for p in listed] == ["ICBC-0001"]


def test_same_bank_reference_answers_the_first_and_idempotency_key_replays(portal):
    body = {"bank_reference": "ICBC-0002", "amount": "100.00", "paid_on": "2026-01-10"}
    first = portal.post("/api/v1/employer/payments", body, key="k-1")
    replay = portal.post("/api/v1/employer/payments", body, key="k-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    again = portal.post("/api/v1/employer/payments", dict(body, amount="200.00"), key="k-2")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["amount"] == "100.00"
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("change,field", [
    ({"amount": "0"}, "amount"), ({"amount": "-1.00"}, "amount"), ({"amount": "abc"}, "amount"),
    ({"amount": "1.005"}, "amount"), ({"paid_on": "future"}, "paid_on"), ({"bank_reference": ""}, "bank_reference"),
])
def test_bad_payments_are_refused_with_a_problem(portal, change, field):
    if change.get("paid_on") == "future":
        change = {"paid_on": (today_in_shanghai() + timedelta(days=1)).isoformat()}
    body = dict({"bank_reference": "B-1", "amount": "10.00", "paid_on": "2026-01-10"}, **change)
    response = portal.post("/api/v1/employer/payments", body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Payment.objects.exists()


def test_another_employer_sees_neither_the_receipt_nor_the_arrears(portal):
    paid = portal.post("/api/v1/employer/payments",
                       {"bank_reference": "ICBC-9", "amount": "10.00", "paid_on": "2026-01-10"}).json()
    other = Portal(EmployerFactory())
    assert other.get(f"/api/v1/employer/payments/{paid['id']}").status_code == 404
    assert other.get("/api/v1/employer/payments").json()["results"] == []
    assert other.get("/api/v1/employer/arrears", {"on": "2026-03-01"}).json()["periods"] == []
    clash = other.post("/api/v1/employer/payments",
                       {"bank_reference": "ICBC-9", "amount": "10.00", "paid_on": "2026-01-10"})
    # The same reference is recorded for the other employer as a new one: nothing tells it the first exists.
    assert clash.status_code == 201 and clash.json()["id"] != paid["id"]


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
