"""The session user is loaded with their office in one statement, fresh on every request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from agency.models import ClerkProfile
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    shanghai, beijing = RegionFactory(code="310101"), RegionFactory(code="110105")
    clerk = clerk_user(OfficeFactory(region=shanghai))
    client = APIClient()
    client.force_login(clerk)
    return clerk, client, shanghai, beijing


def _found(client, person) -> bool:
    response = client.get("/api/v1/agency/persons", {"document": person.document_number})
    assert response.status_code == 200
    return bool(response.json()["results"])


def test_a_clerk_moved_to_another_office_sees_the_new_region_on_the_next_request(setup):
    clerk, client, shanghai, beijing = setup
    in_shanghai, in_beijing = PersonFactory(region=shanghai), PersonFactory(region=beijing)
    assert _found(client, in_shanghai) and not _found(client, in_beijing)
    ClerkProfile.objects.filter(user=clerk).update(office=OfficeFactory(region=beijing))
    assert _found(client, in_beijing) and not _found(client, in_shanghai)


def test_a_deactivated_clerk_is_refused_at_once(setup):
    clerk, client, shanghai, _ = setup
    person = PersonFactory(region=shanghai)
    assert _found(client, person)
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    response = client.get("/api/v1/agency/persons", {"document": person.document_number})
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"


def test_a_lookup_costs_two_statements_the_session_with_user_and_office_then_the_person_with_its_access_log(setup):
    _clerk, client, shanghai, _ = setup
    person = PersonFactory(region=shanghai)
    with CaptureQueriesContext(connection) as captured:
        assert _found(client, person)
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 2, statements  # a staff view of a person's data is logged (Order No. 14)
    assert "agency_clerkprofile" in statements[0] and "insured_insuredperson" in statements[1]
    assert 'INSERT INTO "insured_recordaccess"' in statements[1]  # the log row is written by the lookup itself
