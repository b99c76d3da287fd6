"""Issue 9 item 7: failed logins are throttled per account and per address, a supervisor lifts a
lock-out, and writes are rate-limited per client with a 429 problem and Retry-After."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from agency.models import LoginThrottle, SecurityEvent, SecurityEventKind
from common.access import Viewer
from employers.services.clients import employer_client_issue
from insured.models import PersonLogin
from tests.agency.factories import OfficeFactory, clerk_user
from tests.builders import logged_in
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

PASSWORD = "the-right-password-1"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_ACCOUNT_FAILURES = 5
    settings.LOGIN_ADDRESS_FAILURES = 12
    settings.LOGIN_LOCKOUT_MINUTES = 30


def _person(region=None):
    person = PersonFactory(**({"region": region} if region else {}))
    user = User.objects.create_user(person.document_number, password=PASSWORD)
    PersonLogin.objects.create(user=user, person=person)
    return person, user


def _person_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_wrong_person_passwords_lock_the_account_and_the_right_one_then_fails():
    person, _ = _person()
    client = Client()
    for _ in range(5):
        response = _person_login(client, person.document_number, "wrong")
        assert response.status_code == 200
    response = _person_login(client, person.document_number, PASSWORD)
    assert response.status_code == 200  # not the 302 of a login
    assert "_auth_user_id" not in client.session
    assert "Too many failed logins" in response.content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED, account=person.document_number).count() == 5
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT).count() == 1
    # Another person from the same address is not locked out by one account's failures.
    other, _ = _person()
    assert _person_login(Client(), other.document_number, PASSWORD).status_code == 302


def test_fewer_failures_then_success_start_the_count_again():
    person, _ = _person()
    client = Client()
    for _ in range(4):
        _person_login(client, person.document_number, "wrong")
    assert _person_login(Client(), person.document_number, PASSWORD).status_code == 302
    for _ in range(4):
        _person_login(client, person.document_number, "wrong")
    assert _person_login(Client(), person.document_number, PASSWORD).status_code == 302


def test_an_address_trying_many_accounts_is_locked_out():
    people = [_person()[0] for _ in range(3)]
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(12):
        _person_login(attacker, people[n % 3].document_number, "wrong")  # 4 per account: none locked
    assert _person_login(attacker, people[0].document_number, PASSWORD).status_code == 200
    assert LoginThrottle.objects.get(key="address:198.51.100.7").locked_at is not None
    # From another address the accounts still work.
    assert _person_login(Client(REMOTE_ADDR="198.51.100.8"), people[0].document_number, PASSWORD).status_code == 302


def test_admin_login_is_throttled_and_a_supervisor_of_the_region_lifts_the_lockout():
    office = OfficeFactory()
    clerk = clerk_user(office, username="clerk-locked")
    clerk.set_password(PASSWORD)
    clerk.save()
    for _ in range(5):
        Client().post("/admin/login/", {"username": "clerk-locked", "password": "wrong"})
    response = Client().post("/admin/login/?next=/admin/", {"username": "clerk-locked", "password": PASSWORD})
    assert response.status_code == 200 and "Too many failed logins" in response.content.decode()

    throttle = LoginThrottle.objects.get(key="account:clerk-locked")
    assert throttle.region_id == office.region_id
    # A supervisor of another region does not see it; a plain clerk may not lift it.
    elsewhere = logged_in(clerk_user(OfficeFactory(), groups=("supervisor",)))
    assert elsewhere.get(f"/admin/agency/loginthrottle/{throttle.pk}/change/").status_code in (302, 404)
    assert "clerk-locked" not in elsewhere.get("/admin/agency/loginthrottle/").content.decode()
    plain = logged_in(clerk_user(office))
    assert plain.get("/admin/agency/loginthrottle/").status_code == 403

    supervisor = Client()
    supervisor_user = clerk_user(office, groups=("supervisor",))
    supervisor.force_login(supervisor_user)
    page = supervisor.get("/admin/agency/loginthrottle/")
    assert page.status_code == 200 and "clerk-locked" in page.content.decode()
    supervisor.post("/admin/agency/loginthrottle/", {"action": "lift", "_selected_action": [throttle.pk]})
    throttle.refresh_from_db()
    assert throttle.locked_at is None
    lifted = SecurityEvent.objects.get(kind=SecurityEventKind.LOCKOUT_LIFTED)
    assert (lifted.account, lifted.actor) == ("clerk-locked", f"user:{supervisor_user.pk}")
    assert Client().post("/admin/login/", {"username": "clerk-locked", "password": PASSWORD}).status_code == 302


def _token(client_id, secret, **extra):
    return APIClient(**extra).post("/o/token/", {"grant_type": "client_credentials", "client_id": client_id,
                                                 "client_secret": secret, "scope": "read"})


def test_wrong_client_secrets_lock_the_client_at_the_token_endpoint():
    employer = EmployerFactory()
    issued, secret = employer_client_issue(employer=employer, actor=Viewer.system(), client_secret="the-real-secret")
    client_id = issued.application.client_id
    statuses = [_token(client_id, f"guess-{n}").status_code for n in range(5)]
    assert statuses[:4] == [401] * 4 and statuses[4] == 429
    locked = _token(client_id, "the-real-secret")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    assert locked.json()["type"] == "/problems/login-locked"
    assert int(locked["Retry-After"]) > 0
    throttle = LoginThrottle.objects.get(key=f"account:client:{client_id}")
    assert throttle.region_id == employer.region_id
    # Another client of another address is unaffected.
    other, other_secret = employer_client_issue(employer=EmployerFactory(), actor=Viewer.system())
    assert _token(other.application.client_id, other_secret, REMOTE_ADDR="192.0.2.44").status_code == 200


def test_writes_are_rate_limited_per_client_with_a_429_problem(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"write": "3/minute"})  # API_WRITE_RATE
    api = APIClient(REMOTE_ADDR="192.0.2.10")
    responses = [api.post("/api/v1/registrations", data=json.dumps({"kind": "new"}),
                          content_type="application/json") for _ in range(4)]
    assert [r.status_code for r in responses[:3]] == [400] * 3
    limited = responses[3]
    assert limited.status_code == 429
    assert limited["Content-Type"] == "application/problem+json"
    assert limited.json()["type"] == "/problems/throttled"
    assert int(limited["Retry-After"]) >= 1
    # Reads are not counted, and another client has its own allowance.
    assert api.get("/api/v1/registrations/1").status_code == 404
    other = APIClient(REMOTE_ADDR="192.0.2.11").post("/api/v1/registrations", data=json.dumps({"kind": "new"}),
                                                     content_type="application/json")
    assert other.status_code == 400
