"""The nightly reconciliation records every difference; persons read their own account only."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from accounts.models import DifferenceKind, ReconciliationDifference
from accounts.services.reconciliation import reconciliation_run
from common.access import Viewer
from tests.accounts.factories import account_for, credit
from tests.builders import logged_in, person_client
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _tamper(account, balance):
    """What a bug or a hand-made fix in the database would do: the guard trigger disabled for once."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('accounts.posting', 'on', true)")
        cursor.execute("UPDATE accounts_pensionaccount SET balance = %s WHERE id = %s", [balance, account.pk])
        cursor.execute("SELECT set_config('accounts.posting', '', true)")


def test_a_difference_is_recorded_not_corrected_and_the_nightly_run_checks_only_what_moved(settings):
    settings.ACCOUNTS_RECONCILE_OVERLAP_MINUTES = 0  # the test's entries are seconds apart
    good, bad = account_for(PersonFactory()), account_for(PersonFactory())
    credit(good, "100.00", date(2025, 1, 20))
    credit(bad, "100.00", date(2025, 1, 20))
    first = reconciliation_run(full=True, actor=Viewer.system())
    assert first.differences_found == 0 and first.accounts_checked == 2

    _tamper(bad, Decimal("150.00"))
    credit(bad, "1.00", date(2025, 2, 20))  # touched since the first run
    nightly = reconciliation_run(actor=Viewer.system())
    assert nightly.full is False and nightly.accounts_checked == 1
    difference = ReconciliationDifference.objects.get(run=nightly)
    assert (difference.account_id, difference.kind) == (bad.pk, DifferenceKind.BALANCE)
    assert (difference.expected, difference.found) == (Decimal("101.00"), Decimal("151.00"))
    bad.refresh_from_db()
    assert bad.balance == Decimal("151.00")  # nothing corrected silently


def test_a_full_run_finds_what_no_entry_touched(settings):
    settings.ACCOUNTS_RECONCILE_OVERLAP_MINUTES = 0
    account = account_for(PersonFactory())
    credit(account, "10.00", date(2025, 1, 20))
    reconciliation_run(full=True, actor=Viewer.system())
    with connection.cursor() as cursor:  # touched_at not moved: only a full run sees it
        cursor.execute("SELECT set_config('accounts.posting', 'on', true)")
        cursor.execute("UPDATE accounts_pensionaccount SET balance = 0, touched_at = '2000-01-01' WHERE id = %s",
                       [account.pk])
    assert reconciliation_run(actor=Viewer.system()).differences_found == 0
    assert reconciliation_run(full=True, actor=Viewer.system()).differences_found == 1


@pytest.fixture
def me():
    person = PersonFactory()
    return person_client(person, login_page=True), person


def test_a_person_without_an_account_reads_an_empty_one(me):
    client, _person = me
    body = client.get("/api/v1/me/account").json()
    assert body["balance"] == "0.00" and body["months_of_contribution"] == 0 and body["results"] == []


def test_a_person_reads_balance_months_and_entries_of_their_own_account_only(me):
    client, person = me
    account = account_for(person)
    for m in range(1, 13):
        credit(account, "800.00", date(2024, m, 20))
    credit(account, "800.00", date(2025, 1, 20))
    credit(account, "800.00", date(2025, 1, 21), month=date(2025, 1, 1))  # a second employer, same month
    other = account_for(PersonFactory())
    credit(other, "5.00", date(2025, 1, 20))

    body = client.get("/api/v1/me/account").json()
    assert body["balance"] == "11200.00"
    assert body["months_of_contribution"] == 13 and (body["years"], body["months"]) == (1, 1)
    assert len(body["results"]) == 14 and all(e["amount"] != "5.00" for e in body["results"])
    only_2025 = client.get("/api/v1/me/account", {"year": 2025}).json()["results"]
    assert {e["contribution_month"] for e in only_2025} == {"2025-01"}
    page = client.get("/api/v1/me/account", {"page_size": 5}).json()
    assert len(page["results"]) == 5 and page["next"]
    assert client.get("/api/v1/me/account", {"year": "20x5"}).json()["errors"][0]["field"] == "year"


def test_a_year_end_balance_counts_the_year_as_its_statement_does(me):
    from accounts.models import AccountEntry, EntryKind
    from accounts.postings import entries_post

    client, person = me
    account = account_for(person)
    credit(account, "500.00", date(2023, 6, 20))
    credit(account, "800.00", date(2024, 3, 20))
    credit(account, "800.00", date(2025, 1, 15), month=date(2024, 12, 1))  # December's, posted in January
    # 2024's interest is posted in 2025 but counts at 31 December 2024.
    entries_post([AccountEntry(account=account, kind=EntryKind.INTEREST, amount=Decimal("31.20"),
                               posted_on=date(2025, 2, 1), interest_year=2024, interest_until_month=12,
                               cause_type="test", actor="test"),
                  AccountEntry(account=account, kind=EntryKind.CORRECTION, amount=Decimal("-100.00"),
                               contribution_month=date(2024, 3, 1), posted_on=date(2024, 9, 1),
                               cause_type="test", actor="test")])
    credit(account, "900.00", date(2025, 5, 20))
    credit(account_for(PersonFactory()), "7.00", date(2024, 5, 20))  # another person's

    body = client.get("/api/v1/me/account", {"year": 2024}).json()
    assert body["balance"] == "2931.20"  # today's, as without a year
    assert body["year_end"] == {"year": 2024, "on": "2024-12-31", "opening_balance": "500.00", "credits": "800.00",
                                "interest": "31.20", "transfers_in": "0.00", "transfers_out": "0.00",
                                "payouts": "0.00", "corrections": "-100.00", "balance": "1231.20"}
    assert client.get("/api/v1/me/account", {"year": 2025}).json()["year_end"]["opening_balance"] == "1231.20"
    assert client.get("/api/v1/me/account", {"year": 2022}).json()["year_end"]["balance"] == "0.00"
    assert client.get("/api/v1/me/account").json()["year_end"] is None


def test_employers_and_anonymous_callers_do_not_see_accounts():
    assert Client().get("/api/v1/me/account").status_code in (401, 403)


def test_a_clerk_reads_an_account_of_the_region_with_its_entries_in_the_admin():
    from agency.models import Office
    from tests.agency.factories import OfficeFactory, clerk_user

    person = PersonFactory()
    account = account_for(person)
    credit(account, "848.00", date(2025, 3, 20))
    credit(account, "853.30", date(2025, 4, 20))
    client = Client()
    client.force_login(clerk_user(Office.objects.filter(region_id=person.region_id).first()
                                  or OfficeFactory(region_id=person.region_id)))
    page = client.get(f"/admin/accounts/pensionaccount/{account.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    body = page.content.decode()
    assert "848.00" in body and "853.30" in body  # the entries, not only the balance

    elsewhere = logged_in(clerk_user(OfficeFactory()))
    assert elsewhere.get(f"/admin/accounts/pensionaccount/{account.pk}/change/").status_code in (302, 404)


def test_the_interest_run_and_the_art62_job_are_shown_by_name_not_by_code():
    from django.utils import translation

    from common.display import actor_text

    with translation.override("zh-hans"):
        assert actor_text("interest-run:2024") == "2024 年度计息"
        assert actor_text("system:art62") == "系统（第六十二条暂按核定）"
        assert actor_text("system:elsewhere").startswith("未知")
