"""Issue 29 item 1: a verified staff session's session, user and TOTP device load in ONE round trip
(common.sessions), and every revocation still takes effect on the very next request."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agency.staff_sessions import LAST_SEEN_KEY
from common.models import Session
from tests.agency.factories import OfficeFactory, clerk_user
from tests.builders import PERSON_PASSWORD, person_user
from tests.insured.factories import PersonFactory
from tests.otp import totp_code, totp_enrol

pytestmark = pytest.mark.django_db

PASSWORD = "clerk-password-2026"


@pytest.fixture
def otp_on(settings):
    settings.STAFF_OTP_REQUIRED = True
    settings.STAFF_SESSION_IDLE_SECONDS = 600
    return settings


@pytest.fixture
def verified():
    """A clerk logged in at the admin with password and code; the client and a lookup of their region."""
    user = clerk_user(OfficeFactory(), username="desk-clerk")
    user.set_password(PASSWORD)
    user.save()
    device = totp_enrol(user)
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "desk-clerk", "password": PASSWORD,
                                                         "otp_token": totp_code(device)})
    assert response.status_code == 302
    person = PersonFactory(region=user.clerk_profile.office.region)
    return client, user, device, {"document": person.document_number}


def _lookup(client, query):
    return client.get("/api/v1/agency/persons", query).status_code


def _statements(queries, table: str) -> list[str]:
    return [q["sql"] for q in queries if f'"{table}"' in q["sql"]]


def test_session_user_and_device_are_one_statement(otp_on, verified):
    client, user, device, query = verified
    row = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert (row.user_id, row.otp_device_id) == (user.pk, device.pk)  # written with the session
    with CaptureQueriesContext(connection) as captured:
        assert _lookup(client, query) == 200
    sessions = _statements(captured.captured_queries, "common_session")
    assert len(sessions) == 1
    assert _statements(captured.captured_queries, "auth_user") == sessions
    assert _statements(captured.captured_queries, "otp_totp_totpdevice") == sessions
    assert _statements(captured.captured_queries, "agency_clerkprofile") == sessions  # what the viewer needs
    assert _statements(captured.captured_queries, "agency_office") == sessions


def test_a_person_session_is_one_statement_too(settings):
    person = PersonFactory()
    person_user(person)
    client = Client()
    assert client.post("/accounts/login/", {"username": person.document_number,
                                            "password": PERSON_PASSWORD}).status_code == 302
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/me").status_code == 200
    sessions = _statements(captured.captured_queries, "common_session")
    assert len(sessions) == 1
    assert _statements(captured.captured_queries, "auth_user") == sessions
    assert _statements(captured.captured_queries, "insured_personlogin") == sessions


def test_a_withdrawn_device_ends_the_verified_session_at_once(otp_on, verified):
    client, _user, device, query = verified
    assert _lookup(client, query) == 200
    device.confirmed = False
    device.save()
    assert _lookup(client, query) in (401, 403)
    assert client.get("/admin/").status_code == 302


def test_a_deleted_device_ends_the_verified_session_at_once(otp_on, verified):
    client, _user, device, query = verified
    assert _lookup(client, query) == 200
    device.delete()
    assert _lookup(client, query) in (401, 403)
    assert "otp_device_id" not in client.session  # django-otp dropped it: the row names no device now
    assert Session.objects.get(session_key=client.cookies["sessionid"].value).otp_device_id is None


def test_a_deactivated_clerk_is_nobody_at_once(otp_on, verified):
    client, user, _device, query = verified
    assert _lookup(client, query) == 200
    user.is_active = False
    user.save()
    assert _lookup(client, query) in (401, 403)
    assert client.get("/admin/").status_code == 302


def test_a_changed_password_ends_the_session_at_once(otp_on, verified):
    client, user, _device, query = verified
    assert _lookup(client, query) == 200
    user.set_password("another-password-2026")
    user.save()
    assert _lookup(client, query) in (401, 403)
    assert "_auth_user_id" not in client.session  # Django flushed it: the hash no longer matches


def test_a_deleted_user_is_nobody(otp_on, verified):
    client, user, _device, query = verified
    assert client.get("/admin/").status_code == 200  # (a lookup would leave an access record protecting the user)
    user.delete()
    assert client.get("/admin/").status_code == 302
    assert _lookup(client, query) in (401, 403)


def test_a_row_without_the_columns_loads_user_and_device_apart(otp_on, verified):
    """A session saved before the columns existed (or by another writer): the data decides, the user and
    the device are loaded by their own queries, with the same checks."""
    client, _user, device, query = verified
    Session.objects.update(user=None, otp_device=None)
    with CaptureQueriesContext(connection) as captured:
        assert _lookup(client, query) == 200
    assert len(_statements(captured.captured_queries, "otp_totp_totpdevice")) == 2  # the join (empty) and its own
    device.confirmed = False
    device.save()
    assert _lookup(client, query) in (401, 403)


def test_the_idle_time_out_ends_a_verified_session_at_once(otp_on, verified):
    client, _user, _device, query = verified
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 590
    session.save()
    assert _lookup(client, query) == 200  # still within the idle time, and seen again now
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 601
    session.save()
    assert _lookup(client, query) in (401, 403)
    assert "_auth_user_id" not in client.session


def test_an_expired_session_is_nobody(otp_on, verified):
    client, _user, _device, query = verified
    Session.objects.update(expire_date="2000-01-01T00:00:00Z")
    assert _lookup(client, query) in (401, 403)
