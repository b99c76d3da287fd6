"""Individual accounts in the clerks' admin: on the home page for clerks (read) and supervisors
(interest runs, reconciliation); an account panel on the person's file, logged in the person's
access log; a clerk of another region sees neither."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import AccountEntry, EntryKind
from accounts.postings import entries_post
from agency.deadlines import today_in_shanghai
from insured.models import RecordAccess
from tests.accounts.factories import account_for, credit
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import logged_in, supervisor
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    home, away = RegionFactory(code="310101", name="黄浦区"), RegionFactory(code="110105", name="朝阳区")
    office = OfficeFactory(region=home)
    OfficeFactory(region=away)
    person = PersonFactory(region=home, name="陈明")
    this_year = today_in_shanghai().year
    with transaction.atomic():
        account = account_for(person)
        credit(account, "800.00", date(this_year - 1, 12, 20))
        credit(account, "960.00", date(this_year, 1, 20))
        credit(account, "960.00", date(this_year, 2, 20))
        entries_post([AccountEntry(account=account, kind=EntryKind.INTEREST, amount=Decimal("21.00"),
                                   posted_on=date(this_year, 1, 1), interest_year=this_year - 1,
                                   interest_until_month=12, cause_type="test", actor="test")])
    return {"home": home, "away": away, "office": office, "person": person, "account": account}


def test_a_clerk_finds_accounts_on_the_home_page_and_reads_one(world):
    client = logged_in(clerk_user(world["office"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    home = client.get("/admin/").content.decode()
    assert reverse("admin:accounts_pensionaccount_changelist") in home
    assert reverse("admin:accounts_interestrun_changelist") not in home  # runs are the supervisors'
    listed = client.get(reverse("admin:accounts_pensionaccount_changelist")).content.decode()
    assert "陈明" in listed and "2741.00" in listed


def test_a_supervisor_finds_interest_runs_and_reconciliation(world):
    client = logged_in(supervisor(world["home"], office=world["office"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    home = client.get("/admin/").content.decode()
    for name in ("accounts_pensionaccount", "accounts_interestrun", "accounts_reconciliationrun",
                 "accounts_reconciliationdifference"):
        url = reverse(f"admin:{name}_changelist")
        assert url in home, name
        assert client.get(url).status_code == 200, name


def test_the_persons_file_shows_the_account_panel_and_logs_the_file_once(world):
    clerk = clerk_user(world["office"])
    client = logged_in(clerk, HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get(reverse("admin:insured_insuredperson_file", args=[world["person"].pk])).content.decode()
    this_year = today_in_shanghai().year
    assert 'data-figure="balance">2741.00' in page
    assert 'data-figure="credits">1920.00' in page  # this year's two credits, not last year's
    assert 'data-figure="interest">21.00' in page
    assert f"{this_year} 年记入" in page and "最近一次利息" in page
    assert reverse("admin:accounts_pensionaccount_change", args=[world["account"].pk]) in page
    # The panel is part of the file: opening the file is logged once, the panel adds no second row.
    logged = RecordAccess.objects.filter(person=world["person"], actor_user=clerk)
    assert list(logged.values_list("kind", flat=True)) == ["person_file"]


def test_opening_the_accounts_entries_is_logged(world):
    clerk = clerk_user(world["office"])
    client = logged_in(clerk, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.get(reverse("admin:accounts_pensionaccount_change", args=[world["account"].pk]))
    assert response.status_code == 200
    assert RecordAccess.objects.filter(person=world["person"], actor_user=clerk,
                                       detail="individual account entries").exists()


def test_a_clerk_of_another_region_sees_no_account(world):
    other = clerk_user(world["away"].offices.first())
    client = logged_in(other, HTTP_ACCEPT_LANGUAGE="zh-hans")
    listed = client.get(reverse("admin:accounts_pensionaccount_changelist")).content.decode()
    assert "陈明" not in listed
    response = client.get(reverse("admin:accounts_pensionaccount_change", args=[world["account"].pk]))
    assert response.status_code in (302, 404)
    assert not RecordAccess.objects.filter(person=world["person"]).exists()
