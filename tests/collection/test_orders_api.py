"""The portal's payment orders over HTTP with a real token: ask, replay with the same key, read,
the Chinese PDF, withdraw; bad months and another employer's order; the receipt of collected money."""

import os
from datetime import date

import pytest

from agency.deadlines import today_in_shanghai
from collection.models import PaymentOrder
from tests.collection.orders_helpers import collected, collection_account
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal():
    employer = EmployerFactory(name="上海浦江精密机械有限公司")
    collection_account(employer.region)
    charge(employer, date(2026, 1, 1), "1000.00")
    charge(employer, date(2026, 2, 1), "2345.67")
    return Portal(employer)


def test_an_order_is_asked_for_read_and_replayed_with_its_key(portal):
    response = portal.post("/api/v1/employer/payment-orders", {"periods": ["2026-01", "2026-02"]}, key="order-1")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "open" and body["reference"].startswith("SP") and len(body["reference"]) == 16
    assert [(line["period"], line["amount"]) for line in body["lines"]] == [("2026-01", "1000.00"),
                                                                           ("2026-02", "2345.67")]
    assert body["pay_to"]["account_number"] == portal.employer.region.collection_accounts.get().account_number
    assert body["valid_until"] > body["issued_on"] == today_in_shanghai().isoformat()
    assert response["Location"] == f"/api/v1/employer/payment-orders/{body['id']}"
    replay = portal.post("/api/v1/employer/payment-orders", {"periods": ["2026-01", "2026-02"]}, key="order-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true" and replay.json() == body
    assert PaymentOrder.objects.count() == 1
    assert portal.get(f"/api/v1/employer/payment-orders/{body['id']}").json() == body
    assert [o["id"] for o in portal.get("/api/v1/employer/payment-orders").json()["results"]] == [body["id"]]


def test_the_order_pdf_is_a_chinese_document_with_the_reference_and_the_account(portal, tmp_path):
    body = portal.post("/api/v1/employer/payment-orders", {}).json()
    response = portal.get(body["pdf"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF")
    keep = os.environ.get("ORDER_PDF_OUT")  # to look at it: ORDER_PDF_OUT=/tmp/order.pdf pytest ...
    if keep:
        with open(keep, "wb") as out:
            out.write(data)
    text = _pdf_text(data, tmp_path)
    if text is not None:  # pdftotext present: what a reader sees
        assert "社会保险费缴费通知单" in text and body["reference"] in text
        assert body["pay_to"]["account_number"][:4] in text and "上海浦江精密机械有限公司" in text


def _pdf_text(data: bytes, tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "order.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("periods,code", [(["2026-13"], "invalid"), (["2025-12"], "nothing_open"),
                                          (["1900-01"], "out_of_range")])
def test_bad_months_are_refused_with_a_problem_naming_them(portal, periods, code):
    response = portal.post("/api/v1/employer/payment-orders", {"periods": periods})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]][0][1] == code
    assert response.json()["errors"][0]["field"].startswith("periods")
    assert not PaymentOrder.objects.exists()


def test_nothing_to_pay_is_a_conflict_in_the_callers_language():
    employer = EmployerFactory()
    collection_account(employer.region)
    response = Portal(employer).post("/api/v1/employer/payment-orders", {}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/problems/nothing-to-pay")


def test_another_employers_order_is_not_found_and_a_withdrawn_one_is_a_conflict(portal):
    body = portal.post("/api/v1/employer/payment-orders", {}).json()
    stranger = Portal(EmployerFactory(region=portal.employer.region))
    for path in (f"/api/v1/employer/payment-orders/{body['id']}", f"/api/v1/employer/payment-orders/{body['id']}/pdf"):
        assert stranger.get(path).status_code == 404
    assert stranger.post(f"/api/v1/employer/payment-orders/{body['id']}/cancel", {}).status_code == 404
    done = portal.post(f"/api/v1/employer/payment-orders/{body['id']}/cancel", {"note": "wrong"})
    assert done.status_code == 200 and done.json()["state"] == "cancelled"
    again = portal.post(f"/api/v1/employer/payment-orders/{body['id']}/cancel", {})
    assert again.status_code == 409 and again.json()["type"].endswith("/problems/already-decided")


def test_the_receipt_of_collected_money_names_the_collectors_record_and_the_order(portal):
    body = portal.post("/api/v1/employer/payment-orders", {"periods": ["2026-01"]}).json()
    order = PaymentOrder.objects.get(pk=body["id"])
    application = collected(portal.employer, order.account, body["amount"], date(2026, 5, 20), order=order,
                            transaction_id="CCB20260520000123")
    receipt = portal.get(f"/api/v1/employer/payments/{application.payment_id}").json()
    assert receipt["paid_on"] == "2026-05-20"
    assert receipt["collected"] == {
        "transaction_id": "CCB20260520000123", "value_date": "2026-05-20",
        "collection_account": order.account.account_number, "bank_name": order.account.bank_name,
        "payer_name": "上海浦江精密机械有限公司", "payment_reference": body["reference"], "matched_by": "order"}
    assert portal.get(f"/api/v1/employer/payment-orders/{body['id']}").json()["state"] == "paid"
