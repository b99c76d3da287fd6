import pytest
from django.test import Client

from tests.builders import person_client
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me():
    person = PersonFactory()
    PersonFactory()  # someone else
    return person_client(person, login_page=True), person


def test_a_person_reads_their_own_entry_with_the_full_number(me):
    client, person = me
    body = client.get("/api/v1/me").json()
    assert body["id"] == person.pk
    assert body["document_number"] == person.document_number


def test_a_person_cannot_use_the_clerks_lookup(me):
    client, person = me
    response = client.get("/api/v1/agency/persons", {"document": person.document_number})
    assert response.status_code == 403


def test_login_page_renders():
    assert "password" in Client().get("/accounts/login/").content.decode()
