import pytest
from rest_framework.test import APIClient

from common.access import Viewer
from employers.services.clients import employer_client_issue, employer_client_revoke
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def _token(client, client_id, secret, scope="read write"):
    return client.post("/o/token/", {"grant_type": "client_credentials", "client_id": client_id,
                                     "client_secret": secret, "scope": scope})


@pytest.fixture
def portal():
    employer = EmployerFactory()
    issued, secret = employer_client_issue(employer=employer, actor=Viewer.system(), client_secret="s3cret-for-tests")
    return employer, issued, secret


def test_client_credentials_token_reads_the_employers_own_profile(portal):
    employer, issued, secret = portal
    EmployerFactory()  # another employer the client must not see
    api = APIClient()
    token = _token(api, issued.application.client_id, secret).json()["access_token"]
    response = api.get("/api/v1/employer", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["uscc"] == employer.uscc
    assert response.json()["registration_status"] == "registered"


def test_revoked_client_gets_no_token_and_its_old_token_stops_working(portal):
    _employer, issued, secret = portal
    api = APIClient()
    token = _token(api, issued.application.client_id, secret).json()["access_token"]
    employer_client_revoke(client=issued, actor=Viewer.system())
    assert _token(api, issued.application.client_id, secret).status_code in (400, 401)
    response = api.get("/api/v1/employer", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_token_without_read_scope_is_refused(portal):
    _employer, issued, secret = portal
    api = APIClient()
    token = _token(api, issued.application.client_id, secret, scope="write").json()["access_token"]
    response = api.get("/api/v1/employer", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/permission-denied"


def test_clients_are_issued_only_to_registered_employers():
    from common.problems import Conflict

    with pytest.raises(Conflict):
        employer_client_issue(employer=EmployerFactory(registration_status="pending", registration_number="",
                                                       registered_on=None), actor=Viewer.system())


def test_a_clerk_session_cannot_call_the_portal_endpoint():
    from tests.agency.factories import OfficeFactory, clerk_user

    api = APIClient()
    api.force_login(clerk_user(OfficeFactory()))
    response = api.get("/api/v1/employer")
    assert response.status_code == 401
