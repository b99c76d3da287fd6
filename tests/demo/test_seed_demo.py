"""seed_demo and demo_accounts: realistic, valid, reproducible demo data and working demo logins."""

import csv
import io
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import Application

from agency.models import AverageWage, ClerkProfile, Deadline, Office, Region
from common.identifiers import resident_id_parse, uscc_normalise
from demo import data as demo_data
from employers.models import Employer, EmployerClient, EmployerKind, RegistrationApplication
from insured.models import InsuredPerson, PersonLogin, RelationshipEvent, StaffReduction

pytestmark = pytest.mark.django_db

SEED = 7


def seed(employers=20, persons=300, seed=SEED, **options) -> str:
    out = io.StringIO()
    call_command("seed_demo", employers=employers, persons=persons, seed=seed, stdout=out, **options)
    return out.getvalue()


def test_seeding_gives_the_counts_asked_for_and_says_so():
    output = seed()
    assert Employer.objects.count() == 20
    assert InsuredPerson.objects.count() == 300
    assert "20 employers, 300 persons loaded" in output
    assert output.rstrip().endswith(" s")


def test_every_identifier_passes_the_national_checks():
    seed()
    for person in InsuredPerson.objects.all():
        parsed = resident_id_parse(person.document_number)  # raises on a wrong check character
        assert person.document_type == "resident_id"
        assert (parsed.birth_date, parsed.sex) == (person.birth_date, person.sex)
        assert person.hukou_region_code == person.document_number[:6]
    for employer in Employer.objects.all():
        assert uscc_normalise(employer.uscc) == employer.uscc
        assert employer.uscc[2:8] == employer.region.code
        organisation = employer.uscc[8:16]
        assert demo_data._org_code_check(organisation) == employer.uscc[16]  # GB 11714


def test_data_is_plausible_and_respects_the_constraints():
    seed()
    today = timezone.localdate()
    assert set(Employer.objects.values_list("kind", flat=True)) == set(EmployerKind.values)
    assert all(16 <= demo_data.age_on(b, today) <= 65 for b in InsuredPerson.objects.values_list("birth_date", flat=True))
    for employer in Employer.objects.all():
        assert 1 <= employer.risk_class <= 8 and 50 <= employer.risk_float_percent <= 150
        if employer.registration_status == "registered":
            assert employer.registered_on >= employer.established_on
            assert re.fullmatch(rf"{employer.region.code}{employer.registered_on.year}\d{{6}}",
                                employer.registration_number)
        assert employer.established_on <= today
    assert Employer.objects.filter(registration_status="registered").count() > 10
    for person in InsuredPerson.objects.all():
        assert 2 <= len(person.name) <= 4
        if person.statement_delivery == "post":
            assert person.postal_address
        if person.statement_delivery == "email":
            assert person.email
    codes = {r.code for r in demo_data.DEMO_REGIONS}
    assert set(InsuredPerson.objects.values_list("region__code", flat=True)) <= codes
    for code in codes:
        region = Region.objects.get(code=code)
        assert Office.objects.filter(region=region, name=f"{region.name}社会保险事业管理中心").exists()
        years = set(AverageWage.objects.filter(region=region).values_list("year", flat=True))
        assert {today.year - 1, today.year} <= years


def test_the_same_seed_gives_the_same_rows():
    today = timezone.localdate()
    first = demo_data.person_document_numbers(300, seed=SEED, today=today)
    assert first == demo_data.person_document_numbers(300, seed=SEED, today=today)
    assert first != demo_data.person_document_numbers(300, seed=SEED + 1, today=today)
    assert len(set(first)) == 300

    seed()
    loaded = list(InsuredPerson.objects.order_by("id").values_list("document_number", flat=True))
    usccs = list(Employer.objects.order_by("id").values_list("uscc", flat=True))
    assert loaded == first
    # A fresh database (the same tables emptied) seeded again gives the same rows.
    InsuredPerson.objects.all().delete()
    Employer.objects.all().delete()
    seed()
    assert list(InsuredPerson.objects.order_by("id").values_list("document_number", flat=True)) == first
    assert list(Employer.objects.order_by("id").values_list("uscc", flat=True)) == usccs


def test_document_numbers_stay_unique_at_scale():
    numbers = demo_data.person_document_numbers(200_000, seed=1, today=date(2026, 11, 23))
    assert len(set(numbers)) == len(numbers)


@pytest.mark.parametrize("today", [date(2028, 2, 29), date(2026, 3, 1), date(2026, 12, 31), date(2027, 1, 1)])
def test_the_birth_date_range_is_exactly_ages_16_to_65(today):
    earliest, latest = demo_data.birth_date_range(today)
    assert demo_data.age_on(earliest, today) == 65 and demo_data.age_on(earliest - timedelta(days=1), today) == 66
    assert demo_data.age_on(latest, today) == 16 and demo_data.age_on(latest + timedelta(days=1), today) == 15


def test_if_empty_does_nothing_the_second_time():
    seed(if_empty=True)
    output = seed(employers=5, persons=5, if_empty=True)
    assert "nothing to do" in output
    assert (Employer.objects.count(), InsuredPerson.objects.count()) == (20, 300)


def test_seeding_again_without_if_empty_adds_new_rows():
    seed()
    seed()
    assert Employer.objects.count() == 40
    assert InsuredPerson.objects.values("document_number").distinct().count() == 600
    assert Region.objects.filter(code__in=[r.code for r in demo_data.DEMO_REGIONS]).count() == 6
    assert Office.objects.count() == 6


def test_csv_dir_writes_the_same_rows_instead_of_loading(tmp_path):
    output = seed(csv_dir=str(tmp_path))
    assert "written to" in output
    assert InsuredPerson.objects.count() == 0 and Employer.objects.count() == 0
    with open(tmp_path / "insured_insuredperson.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["document_number"] for r in rows] == demo_data.person_document_numbers(
        300, seed=SEED, today=timezone.localdate())
    with open(tmp_path / "employers_employer.csv", encoding="utf-8") as fh:
        employers = list(csv.DictReader(fh))
    assert len(employers) == 20
    assert tuple(employers[0]) == demo_data.EMPLOYER_COLUMNS


def test_demo_accounts_are_idempotent_and_the_printed_client_gets_a_token():
    seed(employers=80)
    first = io.StringIO()
    call_command("demo_accounts", stdout=first)
    second = io.StringIO()
    call_command("demo_accounts", stdout=second)

    assert User.objects.filter(username__in=["clerk", "supervisor"], is_staff=True, is_superuser=False).count() == 2
    assert not User.objects.filter(is_superuser=True).exists()
    for username, groups in (("clerk", {"clerk", "reviewer"}), ("supervisor", {"supervisor"})):
        user = User.objects.get(username=username)
        assert set(user.groups.values_list("name", flat=True)) == groups
        assert ClerkProfile.objects.get(user=user).office.region.code == "310101"
    person = InsuredPerson.objects.filter(region__code="310101").order_by("id").first()
    login = PersonLogin.objects.get(person=person)
    assert login.user.username == person.document_number
    assert Application.objects.filter(client_id__in=["demo-portal", "demo-portal-2"]).count() == 2
    assert EmployerClient.objects.count() == 4  # the two demo portals and the HR systems of employers 3 and 4
    employer = EmployerClient.objects.get(application__client_id="demo-portal").employer
    assert employer.region.code == "310101" and employer.registration_status == "registered"
    other = EmployerClient.objects.get(application__client_id="demo-portal-2").employer
    assert other != employer and other.region.code == "310101" and other.registration_status == "registered"

    text = second.getvalue()
    for expected in ("clerk-demo-2026", "supervisor-demo-2026", "person-demo-2026", "demo-portal-secret",
                     "http://127.0.0.1:8000/admin/", "http://127.0.0.1:8000/api/docs/", "/o/token/",
                     "/api/v1/employer", person.document_number, employer.uscc):
        assert expected in text

    assert Client().login(username="clerk", password="clerk-demo-2026")
    assert Client().login(username=person.document_number, password="person-demo-2026")

    client = Client()
    response = client.post("/o/token/", urlencode({
        "grant_type": "client_credentials", "client_id": "demo-portal", "client_secret": "demo-portal-secret",
        "scope": "read write"}), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    profile = client.get("/api/v1/employer", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert profile.status_code == 200
    assert profile.json()["uscc"] == employer.uscc


def test_demo_accounts_print_the_web_port(monkeypatch):
    seed()
    monkeypatch.setenv("WEB_PORT", "8123")
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert "http://127.0.0.1:8123/o/token/" in out.getvalue()
    assert "http://127.0.0.1:8000" not in out.getvalue()


def test_demo_accounts_play_the_path_once_so_the_queue_and_the_person_have_something_to_show():
    seed(employers=80)
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert "demo activity:" in out.getvalue()
    counts = (RelationshipEvent.objects.count(), StaffReduction.objects.count(),
              RegistrationApplication.objects.count(), Deadline.objects.count())
    call_command("demo_accounts", stdout=io.StringIO())
    assert (RelationshipEvent.objects.count(), StaffReduction.objects.count(),
            RegistrationApplication.objects.count(), Deadline.objects.count()) == counts  # once only

    person = PersonLogin.objects.order_by("id").first().person
    assert person.relationships.get().state == "active"
    assert StaffReduction.objects.filter(state="pending").count() == 3
    today = timezone.localdate()
    open_items = Deadline.objects.filter(state="open", region__code="310101")
    assert open_items.filter(due_on__lt=today).exists()  # the queue shows an overdue item
    assert open_items.filter(due_on__gte=today).exists()

    clerk = Client()
    assert clerk.login(username="clerk", password="clerk-demo-2026")
    page = clerk.get("/admin/agency/deadline/").content.decode()
    assert "deadline-overdue" in page


def test_the_demo_clerk_logs_in_to_the_admin_with_the_demo_authenticator(settings):
    """make run (DJANGO_DEBUG off) needs the second factor: the demo clerk's device is enrolled and
    `demo_accounts --code clerk` prints the code an app enrolled with the printed otpauth URL shows."""
    settings.STAFF_OTP_REQUIRED = True
    seed()
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert "otpauth://totp/" in out.getvalue() and "make totp" in out.getvalue()
    code = io.StringIO()
    call_command("demo_accounts", "--code", "clerk", stdout=code)
    client = Client()
    refused = client.post("/admin/login/?next=/admin/", {"username": "clerk", "password": "clerk-demo-2026"})
    assert refused.status_code == 200
    response = client.post("/admin/login/?next=/admin/", {"username": "clerk", "password": "clerk-demo-2026",
                                                          "otp_token": code.getvalue().strip()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
