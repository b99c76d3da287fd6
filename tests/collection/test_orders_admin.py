"""The counter: a clerk issues a payment order for an employer of the region, prints its PDF and
withdraws it; another region's employers and orders are not there; a refusal lands on the form."""

from datetime import date

import pytest
from django.test import Client

from collection.models import OrderState, PaymentOrder
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.collection.orders_helpers import collection_account
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    region = RegionFactory(code="310101", name="黄浦区")
    OfficeFactory(region=region)
    collection_account(region)
    return region


def login(region, groups=("clerk",)):
    client = Client()
    client.force_login(clerk_user(region.offices.first(), groups=groups))
    return client


def test_a_clerk_issues_an_order_at_the_counter_prints_it_and_withdraws_it(region):
    employer = EmployerFactory(region=region)
    charge(employer, date(2026, 1, 1), "800.00")
    charge(employer, date(2026, 2, 1), "900.00")
    client = login(region)
    response = client.post("/admin/collection/paymentorder/add/", {"employer": employer.pk, "periods": "2026-02"})
    assert response.status_code == 302, response.content.decode()[:3000]
    order = PaymentOrder.objects.get()
    assert response["Location"].endswith(f"/admin/collection/paymentorder/{order.pk}/change/")
    assert [line.charge.period for line in order.lines.all()] == [date(2026, 2, 1)]
    assert order.actor.startswith("user:")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and order.reference.encode() in page.content
    text = page.content.decode()
    for label in ("付款参考号", "打印缴费通知单", "滞纳金（计至开具日）"):
        assert label in text, label
    pdf = client.get(f"/admin/collection/paymentorder/{order.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    listed = client.post("/admin/collection/paymentorder/", {"action": "cancel_orders", "_selected_action": [order.pk]})
    assert listed.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED


def test_a_refusal_lands_on_the_form_and_nothing_is_issued(region):
    employer = EmployerFactory(region=region)
    charge(employer, date(2026, 1, 1), "800.00")
    client = login(region)
    response = client.post("/admin/collection/paymentorder/add/", {"employer": employer.pk, "periods": "2025-11"})
    assert response.status_code == 200
    assert "periods" in response.context["adminform"].form.errors
    bad = client.post("/admin/collection/paymentorder/add/", {"employer": employer.pk, "periods": "2025-13"})
    assert bad.status_code == 200 and "periods" in bad.context["adminform"].form.errors
    assert not PaymentOrder.objects.exists()


def test_another_regions_employers_and_orders_are_not_at_this_counter(region):
    elsewhere = RegionFactory()
    OfficeFactory(region=elsewhere)
    collection_account(elsewhere)
    stranger = EmployerFactory(region=elsewhere)
    charge(stranger, date(2026, 1, 1), "800.00")
    theirs = login(elsewhere)
    assert theirs.post("/admin/collection/paymentorder/add/", {"employer": stranger.pk}).status_code == 302
    order = PaymentOrder.objects.get()
    client = login(region)
    response = client.post("/admin/collection/paymentorder/add/", {"employer": stranger.pk})
    assert response.status_code == 200 and "employer" in response.context["adminform"].form.errors
    assert order.reference.encode() not in client.get("/admin/collection/paymentorder/").content
    assert client.get(f"/admin/collection/paymentorder/{order.pk}/pdf/").status_code == 404
    assert client.get(f"/admin/collection/paymentorder/{order.pk}/change/").status_code in (302, 404)
    assert PaymentOrder.objects.count() == 1


def test_an_auditor_reads_orders_but_issues_none(region):
    client = login(region, groups=("auditor",))
    assert client.get("/admin/collection/paymentorder/").status_code == 200
    assert client.get("/admin/collection/paymentorder/add/").status_code == 403


def test_the_counters_receipt_names_the_collectors_record(region):
    from tests.collection.orders_helpers import collected

    employer = EmployerFactory(region=region)
    charge(employer, date(2026, 1, 1), "800.00")
    application = collected(employer, region.collection_accounts.get(), "800.00", date(2026, 1, 20),
                            transaction_id="CCB2026012000042")
    receipt = login(region).get(f"/admin/contributions/payment/{application.payment_id}/receipt/",
                                HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert receipt.status_code == 200
    text = receipt.content.decode()
    assert "CCB2026012000042" in text and "2026-01-20" in text and "征收机构交易流水号" in text
