import pytest
from django.contrib.auth.models import User
from django.test import Client

from insured.models import PersonLogin
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person_client():
    person = PersonFactory()
    PersonFactory()  # someone else
    user = User.objects.create_user(person.document_number, password="a-long-demo-pass")
    PersonLogin.objects.create(user=user, person=person)
    client = Client()
    response = client.post("/accounts/login/", {"username": person.document_number, "password": "a-long-demo-pass"})
    assert response.status_code == 302
    return client, person


def test_a_person_reads_their_own_entry_with_the_full_number(person_client):
    client, person = person_client
    body = client.get("/api/v1/me").json()
    assert body["id"] == person.pk
    assert body["document_number"] == person.document_number


def test_a_person_cannot_use_the_clerks_lookup(person_client):
    client, person = person_client
    response = client.get("/api/v1/agency/persons", {"document": person.document_number})
    assert response.status_code == 403


def test_login_page_renders():
    assert "password" in Client().get("/accounts/login/").content.decode()
