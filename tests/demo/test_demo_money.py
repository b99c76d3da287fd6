"""demo_accounts plays a contribution history (demo/money.py): what a portal, a clerk and the demo
person then see over the API, and that it is played once."""

import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import AccountEntry, InterestRun
from agency.models import Region
from contributions.models import Charge, ChargeKind, ContributionLine, Declaration, Payment
from demo import money
from demo.data import HISTORY_FROM
from employers.models import EmployerClient
from insured.models import Employment, PersonLogin
from tests.demo.test_seed_demo import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    seed(employers=80, persons=500)
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    region = Region.objects.get(code="310101")
    portals = [EmployerClient.objects.get(application__client_id=c).employer for c in ("demo-portal", "demo-portal-2")]
    return out.getvalue(), region, money.history_employers(region, portals)


def portal_get(client_id: str, path: str) -> dict:
    client = Client()
    token = client.post("/o/token/", urlencode({
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": f"{client_id}-secret",
        "scope": "read write"}), content_type="application/x-www-form-urlencoded").json()["access_token"]
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_history_runs_from_july_2024_to_the_latest_month_at_every_employer(demo):
    output, region, employers = demo
    assert "demo money:" in output
    assert len(employers) == money.EMPLOYERS
    latest = money.latest_month(timezone.localdate(), region.pk)
    clean = employers[money.CLEAN]
    declared = list(Declaration.objects.filter(employer=clean).order_by("period").values_list("period", flat=True))
    assert declared[0] == max(HISTORY_FROM, clean.established_on.replace(day=1))
    assert declared[-1] == latest
    assert not Declaration.objects.filter(employer__in=employers, late=True).exists()  # declared in time
    assert not Employment.objects.filter(employer__in=employers, enrolled_late=True).exists()  # enrolled in time


def test_the_first_portal_employer_owes_nothing(demo):
    _output, _region, employers = demo
    arrears = portal_get("demo-portal", "/api/v1/employer/arrears")
    assert arrears["periods"] == [] and Decimal(arrears["total"]) == 0
    assert Payment.objects.filter(employer=employers[money.CLEAN]).count() == \
        Declaration.objects.filter(employer=employers[money.CLEAN]).count()


def test_the_arrears_employer_owes_principal_and_a_late_fee_and_paid_one_late_fee(demo):
    _output, region, employers = demo
    employer = employers[money.ARREARS]
    from contributions.selectors.arrears import employer_arrears

    arrears = employer_arrears(employer_id=employer.pk, region_id=region.pk, on=timezone.localdate())
    assert len(arrears.periods) == money.ARREARS_MONTHS
    assert arrears.principal > 0 and arrears.late_fee > 0
    assert arrears.periods[0].days > 0
    # the month paid 20 days late (the bounced month's fee, item 9, is later and unpaid)
    fee = Charge.objects.filter(employer=employer, kind=ChargeKind.LATE_FEE).order_by("period").first()
    parent = Charge.objects.get(pk=fee.parent_id)
    assert fee.amount == (parent.amount * Decimal("0.0005") * money.LATE_DAYS).quantize(Decimal("0.01"))
    assert sum(a.amount for a in fee.allocations.all()) == fee.amount  # and its fee was paid


def test_the_second_portal_employer_has_a_provisional_charge_of_110_percent(demo):
    _output, region, employers = demo
    employer = employers[money.PROVISIONAL]
    latest = money.latest_month(timezone.localdate(), region.pk)
    provisional = Charge.objects.get(employer=employer, kind=ChargeKind.PROVISIONAL)
    assert provisional.period == latest
    previous = Declaration.objects.filter(employer=employer).order_by("-period").first()
    previous_total = sum(c.amount for c in Charge.objects.filter(employer=employer, period=previous.period,
                                                                 kind=ChargeKind.DECLARED))
    assert provisional.amount == (previous_total * Decimal("1.10")).quantize(Decimal("0.01"))
    arrears = portal_get("demo-portal-2", "/api/v1/employer/arrears")
    assert [(p["period"], p["provisional"]) for p in arrears["periods"]] == [(f"{latest:%Y-%m}", True)]


def test_one_month_was_corrected_upwards(demo):
    _output, _region, employers = demo
    correction = Declaration.objects.get(sequence=2)
    assert correction.employer == employers[money.CORRECTED]
    line = ContributionLine.objects.get(declaration=correction)
    assert line.wage == money.CORRECTION_RAISE and line.pension_individual > 0


def test_the_demo_person_sees_monthly_credits_and_the_2024_interest(demo):
    _output, _region, employers = demo
    login = PersonLogin.objects.order_by("id").first()
    assert Employment.objects.get(person=login.person).employer == employers[money.CLEAN]
    client = Client()
    client.force_login(login.user)
    response = client.get("/api/v1/me/account?page_size=100")
    assert response.status_code == 200
    body = response.json()
    credits = [e for e in body["results"] if e["kind"] == "credit"]
    months = {e["contribution_month"][:7] for e in credits}
    assert {"2024-07", "2024-12", "2025-06"} <= months
    interest = [e for e in body["results"] if e["kind"] == "interest"]
    assert [e["interest_year"] for e in interest] == [2024] and Decimal(interest[0]["amount"]) > 0
    assert Decimal(body["balance"]) == sum(Decimal(e["amount"]) for e in body["results"])
    assert ContributionLine.objects.filter(person=login.person).count() == len(credits)


def test_running_it_again_changes_nothing(demo):
    def counts():
        return (Declaration.objects.count(), Payment.objects.count(), Charge.objects.count(),
                AccountEntry.objects.count(), InterestRun.objects.count(), Employment.objects.count())

    before = counts()
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert "demo money:" not in out.getvalue()
    assert counts() == before


def test_roll_prints_the_csv_a_declaration_takes(demo):
    _output, region, employers = demo
    out = io.StringIO()
    call_command("demo_accounts", "--roll", "demo-portal", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "document_number,wage"
    latest = money.latest_month(timezone.localdate(), region.pk)
    assert len(lines) - 1 == Declaration.objects.get(employer=employers[money.CLEAN], period=latest).rows
    assert PersonLogin.objects.order_by("id").first().person.document_number in out.getvalue()


def test_the_demos_money_came_from_collector_files_with_one_record_in_suspense_and_one_reversal(demo):
    """Issue 22, item 9: no payment of the demo was recorded from a payer's word."""
    from collection.models import Application, CollectorFile, CollectorRecord, SuspenseItem

    output, _region, employers = demo
    assert "collector files" in output
    payments = Payment.objects.filter(employer__in=employers)
    assert payments.exists() and set(payments.values_list("channel", flat=True)) == {"collector"}
    assert Application.objects.filter(payment__in=payments).count() == payments.count()
    for payment in payments.select_related("collected_by__record"):
        assert payment.paid_on == payment.collected_by.record.value_date
    waiting = SuspenseItem.objects.get()
    assert waiting.reason == "unmatched" and waiting.state == "waiting"
    reversal = CollectorRecord.objects.get(kind="reversal")
    assert reversal.file.format == "camt053" and reversal.reverses.applications.get().employer == employers[money.ARREARS]
    assert set(CollectorFile.objects.values_list("format", flat=True)) == {"csv", "camt053"}


def test_the_demo_has_monthly_notices_an_alert_and_a_person_free_to_enrol_as_a_flexible_worker(demo):
    from notices.models import Alert, AlertKind, MonthlyNotice

    out, region, employers = demo
    latest = money.latest_month(timezone.localdate(), region.pk)
    assert "demo notices:" in out, out
    assert MonthlyNotice.objects.filter(month=latest).exists()
    # the employer that did not declare the latest month: its staff are told, through the notices job
    alerts = Alert.objects.filter(kind=AlertKind.PROVISIONAL, month=latest, employer=employers[1])
    assert alerts.exists(), list(Alert.objects.values_list("kind", "month", "employer_id"))
    printed = io.StringIO()
    call_command("demo_accounts", "--person", "alerted", stdout=printed)
    assert Alert.objects.filter(kind=AlertKind.PROVISIONAL, person__document_number=printed.getvalue().strip()).exists()
    printed = io.StringIO()
    call_command("demo_accounts", "--person", "flexible", stdout=printed)
    person = PersonLogin.objects.get(user__username=printed.getvalue().strip()).person
    this_month = timezone.localdate().replace(day=1)
    assert not Employment.objects.filter(person=person, end_date__isnull=True).exists()
    assert not Employment.objects.filter(person=person, end_date__gte=this_month).exists()
