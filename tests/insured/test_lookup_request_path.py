"""Issue 21 (the lookup no slower than before one shape): a verified clerk's lookup by document number
is two SQL statements in all, the session with its user and device, and the lookup that writes the
access-log row in the same statement; the log row says who looked, from which office, and when."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insured.models import RecordAccess
from tests.agency.test_staff_request_path import otp_on, verified  # noqa: F401  (fixtures)
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _statements(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def test_a_lookup_is_two_statements_and_logs_who_looked(otp_on, verified):  # noqa: F811
    client, user, _device, query = verified
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/agency/persons", query)
    assert response.status_code == 200
    [found] = response.json()["results"]
    assert len(_statements(captured)) == 2, _statements(captured)
    [logged] = RecordAccess.objects.filter(person_id=found["id"])
    office = user.clerk_profile.office
    assert (logged.kind, logged.actor_user_id, logged.office_id, logged.detail) == (
        "person_lookup",
        user.pk,
        office.pk,
        "",
    )
    assert logged.actor == f"user:{user.pk}" and logged.at is not None


def test_a_lookup_that_finds_nobody_logs_nothing(otp_on, verified):  # noqa: F811
    client, _user, _device, _query = verified
    elsewhere = PersonFactory()  # another region's person: outside the clerk's scope
    for document in (elsewhere.document_number, "110101199001011237"):
        response = client.get("/api/v1/agency/persons", {"document": document})
        assert response.status_code == 200 and response.json()["results"] == []
    assert not RecordAccess.objects.exists()
