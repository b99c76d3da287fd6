"""From payment order to receipt through the real feed: the portal asks for an order, the
collector's CSV file quotes its reference, the order is paid, the receipt names the collector's
record, and the arrears are empty. And the backdating of issue 22 cannot be done through an order:
the day that counts is the collector's value date, whatever the payer says."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.test import TestCase

from agency.deadlines import today_in_shanghai
from collection.models import FeedFormat, OrderState, PaymentOrder
from collection.services.feed import feed_import
from common.access import Viewer
from tests.collection.orders_helpers import collection_account
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal

pytestmark = pytest.mark.django_db


def month_first(day):
    return day.replace(day=1)


def _csv(account, rows) -> bytes:
    lines = ["account,transaction_id,value_date,amount,payer_name,reference"]
    lines += [f"{account.account_number},{tid},{day},{amount},{name},{text}" for tid, day, amount, name, text in rows]
    return ("\n".join(lines) + "\n").encode()


def test_order_then_collector_file_then_receipt_and_no_arrears():
    today = today_in_shanghai()
    period = month_first(today - timedelta(days=70))
    employer = EmployerFactory(name="上海浦江精密机械有限公司")
    account = collection_account(employer.region)
    charge(employer, period, "5000.00")
    portal = Portal(employer)
    order = portal.post("/api/v1/employer/payment-orders", {}, key="o-1").json()
    assert D(order["amount"]) > D("5000.00")  # the late fee to today
    day = today - timedelta(days=1)  # the collector's value date: yesterday
    content = _csv(account, [("CCB-0001", day.isoformat(), order["amount"], employer.name,
                              f"社保费 {order['reference']}")])
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = feed_import(content=content, format=FeedFormat.CSV, name="ccb.csv", actor=Viewer.system())
    assert result.applied == 1
    assert PaymentOrder.objects.get(pk=order["id"]).state == OrderState.PAID
    receipts = portal.get("/api/v1/employer/payments").json()["results"]
    receipt = portal.get(f"/api/v1/employer/payments/{receipts[0]['id']}").json()
    assert receipt["paid_on"] == day.isoformat()
    assert receipt["collected"]["transaction_id"] == "CCB-0001"
    assert receipt["collected"]["payment_reference"] == order["reference"]
    # Paid a day before the order's day: one day less of late fee, so a little is left as credit.
    arrears = portal.get("/api/v1/employer/arrears").json()
    assert arrears["principal"] == "0.00" and arrears["late_fee"] == "0.00" and D(arrears["credit"]) > 0


def test_a_payer_cannot_record_money_or_backdate_it_through_an_order():
    employer = EmployerFactory()
    collection_account(employer.region)
    charge(employer, month_first(today_in_shanghai() - timedelta(days=100)), "3000.00")
    portal = Portal(employer)
    refused = portal.post("/api/v1/employer/payments",
                          {"bank_reference": "MADE-UP", "amount": "9000.00", "paid_on": "1900-01-01"})
    assert refused.status_code in (404, 405, 410) and "payment-orders" in refused.content.decode()
    order = portal.post("/api/v1/employer/payment-orders", {"paid_on": "1900-01-01"}).json()
    assert order["issued_on"] == today_in_shanghai().isoformat()  # no field of the payer dates anything
    arrears = portal.get("/api/v1/employer/arrears").json()
    assert arrears["principal"] == "3000.00" and D(arrears["late_fee"]) > 0
