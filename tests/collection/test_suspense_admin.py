"""The clerks' screens of suspense and reconciliation: the home page's figures of the clerk's region,
the suspense list scoped by region, the decision form on an item (through the services), and the
supervisor's alarm when a day does not reconcile."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from collection.models import SuspenseItem, SuspenseState
from collection.services.reconciliation import collection_reconcile
from common.access import Viewer
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.collection.factories import CollectionAccountFactory, CollectorRecordFactory, record_in_suspense
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _aged(item, days):
    """An item that entered suspense `days` ago (as the feed would have put it there then)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE collection_suspenseitem SET entered_on = %s WHERE id = %s",
                       [timezone.localdate() - timedelta(days=days), item.pk])


@pytest.fixture
def desk():
    region = RegionFactory()
    office = OfficeFactory(region=region)
    return {"region": region, "account": CollectionAccountFactory(region=region),
            "clerk": clerk_user(office, groups=("clerk",)), "reviewer": clerk_user(office, groups=("reviewer",)),
            "supervisor": clerk_user(office, groups=("supervisor",))}


def test_the_home_page_shows_the_count_the_oldest_age_and_the_sum_of_the_clerks_region(desk):
    _aged(record_in_suspense(CollectorRecordFactory(account=desk["account"], amount=Decimal("1200.50"))), 9)
    record_in_suspense(CollectorRecordFactory(account=desk["account"], amount=Decimal("300.00")))
    elsewhere = CollectionAccountFactory(region=RegionFactory())
    _aged(record_in_suspense(CollectorRecordFactory(account=elsewhere, amount=Decimal("99999.00"))), 40)

    page = _client(desk["clerk"]).get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    panel = page[page.index("Money in suspense"):][:800]
    assert ">2<" in panel and "9 days" in panel and "1,500.50" in panel
    assert "99,999.00" not in page and "40 days" not in page


def test_the_suspense_list_shows_only_the_region_of_the_clerk(desk):
    mine = record_in_suspense(CollectorRecordFactory(account=desk["account"], payer_name="本区付款人"))
    record_in_suspense(CollectorRecordFactory(account=CollectionAccountFactory(region=RegionFactory()),
                                              payer_name="外区付款人"))
    page = _client(desk["clerk"]).get("/admin/collection/suspenseitem/").content.decode()
    assert "本区付款人" in page and "外区付款人" not in page
    assert _client(desk["clerk"]).get(f"/admin/collection/suspenseitem/{mine.pk}/change/").status_code == 200


def test_a_clerk_assigns_an_item_on_its_page_and_a_refusal_lands_on_the_field(desk):
    item = record_in_suspense(CollectorRecordFactory(account=desk["account"], amount=Decimal("500.00")))
    url = f"/admin/collection/suspenseitem/{item.pk}/change/"
    clerk = _client(desk["clerk"])
    stranger = EmployerFactory(region=RegionFactory())
    response = clerk.post(url, {"decision": "assign", "employer_uscc": stranger.uscc}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "No such employer in your region." in response.content.decode()
    assert SuspenseItem.objects.get(pk=item.pk).state == SuspenseState.WAITING

    employer = EmployerFactory(region=desk["region"])
    response = clerk.post(url, {"decision": "assign", "employer_uscc": employer.uscc})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == SuspenseState.ASSIGNED and item.application.employer == employer


def test_a_return_without_the_banks_reference_is_refused_on_the_form(desk):
    item = record_in_suspense(CollectorRecordFactory(account=desk["account"]))
    url = f"/admin/collection/suspenseitem/{item.pk}/change/"
    response = _client(desk["clerk"]).post(url, {"decision": "return"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Give the bank&#x27;s reference of the transfer back to the payer." in response.content.decode()
    response = _client(desk["clerk"]).post(url, {"decision": "return", "return_transfer": "RT-77"})
    assert response.status_code == 302
    assert SuspenseItem.objects.get(pk=item.pk).state == SuspenseState.RETURNED


def test_a_day_that_does_not_reconcile_alarms_the_supervisor_and_shows_its_figures(desk):
    account = desk["account"]
    record = CollectorRecordFactory(account=account, amount=Decimal("700.00"), value_date=timezone.localdate())
    record_in_suspense(record)
    collection_reconcile(actor=Viewer.system())
    supervisor = _client(desk["supervisor"])
    assert "do not reconcile" not in supervisor.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # Money dropped, as a bug's SQL would drop it: collected and no longer anywhere.
    lost = CollectorRecordFactory(account=account, amount=Decimal("45.00"), value_date=timezone.localdate())
    checked = collection_reconcile(actor=Viewer.system())
    assert checked.differences == 1
    page = supervisor.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Collection days that do not reconcile" in page
    listing = supervisor.get("/admin/collection/reconciliationday/?check=difference").content.decode()
    assert "745.00" in listing and "45.00" in listing

    # put right (the record goes to suspense, as the feed should have done): the next check clears it
    record_in_suspense(lost)
    assert collection_reconcile(actor=Viewer.system()).differences == 0
    assert "do not reconcile" not in supervisor.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
