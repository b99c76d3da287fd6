"""An employer's file: registration and applications, portal clients issued and revoked from the
page through the services, current staff and events (insured's sections), within the region."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from employers.models import EmployerClient
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import logged_in
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.ids import resident_id

pytestmark = pytest.mark.django_db

FIND = "/admin/employers/employer/find/"


@pytest.fixture
def world():
    home, away = RegionFactory(code="310101", name="黄浦区"), RegionFactory(code="110105", name="朝阳区")
    OfficeFactory(region=home)
    OfficeFactory(region=away)
    employer = EmployerFactory(region=home, name="上海示例科技有限公司")
    portal = Portal(employer)
    portal.post("/api/v1/employer/enrolments", {"document_number": resident_id(seq=7), "name": "赵六",
                                                "start_date": date(2026, 2, 2), "monthly_wage": "9000.00"})
    reviewer = clerk_user(home.offices.first(), groups=("reviewer",))
    client = Client()
    client.force_login(reviewer)
    return {"home": home, "away": away, "employer": employer, "client": client, "reviewer": reviewer,
            "file": reverse("admin:employers_employer_file", args=[employer.pk])}


def test_the_file_shows_registration_clients_staff_and_events(world):
    page = world["client"].get(world["file"]).content.decode()
    for section in ("registration", "applications", "clients", "staff", "events"):
        assert f'id="panel-{section}"' in page
    assert world["employer"].registration_number in page
    staff = page[page.index('id="panel-staff"'):page.index('id="panel-events"')]
    assert "赵六" in staff and resident_id(seq=7) not in staff  # masked in the list
    assert reverse("admin:insured_insuredperson_file",
                   args=[world["employer"].employments.get().person_id]) in staff


def test_issuing_a_client_shows_the_secret_once_and_it_works(world):
    response = world["client"].post(world["file"] + "act/", {"action": "issue", "label": "人事系统"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    issued = response.context["issued"]
    client = EmployerClient.objects.get(application__client_id=issued["client_id"])
    assert client.label == "人事系统" and client.issued_by == world["reviewer"]
    assert issued["secret"] in response.content.decode()
    assert issued["secret"] not in world["client"].get(world["file"]).content.decode()
    token = APIClient().post("/o/token/", {"grant_type": "client_credentials", "client_id": issued["client_id"],
                                           "client_secret": issued["secret"], "scope": "read"})
    assert token.status_code == 200


def test_revoking_from_the_file(world):
    client = EmployerClient.objects.filter(employer=world["employer"]).first()
    response = world["client"].post(world["file"] + "act/", {"action": "revoke", "client": client.pk})
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.revoked_at is not None and client.revoked_by == world["reviewer"]


def test_a_plain_clerk_may_read_but_not_issue(world):
    clerk = logged_in(clerk_user(world["home"].offices.first(), groups=("clerk",)))
    page = clerk.get(world["file"]).content.decode()
    assert 'value="issue"' not in page and 'value="revoke"' not in page
    before = EmployerClient.objects.count()
    assert clerk.post(world["file"] + "act/", {"action": "issue"}).status_code == 404
    assert EmployerClient.objects.count() == before


def test_an_unregistered_employer_gets_no_issue_button(world):
    pending = EmployerFactory(region=world["home"], registration_status="pending", registration_number="",
                              registered_on=None)
    page = world["client"].get(reverse("admin:employers_employer_file", args=[pending.pk])).content.decode()
    assert 'value="issue"' not in page


def test_find_by_code_or_name_within_the_region(world):
    found = world["client"].get(FIND, {"q": world["employer"].uscc.lower()})
    assert found.status_code == 302 and found["Location"] == world["file"]
    assert world["client"].get(FIND, {"q": "上海示例科技有限公司"})["Location"] == world["file"]
    listed = world["client"].get(FIND, {"q": "示例"})
    assert listed.status_code == 200 and listed.context["employers"] == [world["employer"]]
    theirs = EmployerFactory(region=world["away"], name="北京外区公司")
    assert world["client"].get(FIND, {"q": "北京外区公司"}).context["employers"] == []
    assert world["client"].get(reverse("admin:employers_employer_file", args=[theirs.pk])).status_code == 404
