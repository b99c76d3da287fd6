"""Persons' apps sign in with OAuth 2 authorization code and PKCE (issue 24, item 7): the person
signs in with their web login and allows the app; the token is the person's, answers as their
browser session does, and reads nobody else. PKCE is S256 only, and the verifier is required."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.contrib.auth.models import User
from django.test import Client
from oauth2_provider.models import AccessToken

from common.access import Viewer
from common.problems import Forbidden, ValidationFailed
from insured.models import PersonLogin
from insured.services.apps import person_app_register, person_app_revoke
from tests.agency.factories import OfficeFactory, clerk_user
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

REDIRECT = "https://app.example.cn/callback"
PASSWORD = "a-long-test-pass"


def _verifier_and_challenge() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _person():
    person = PersonFactory()
    user = User.objects.create_user(person.document_number, password=PASSWORD)
    PersonLogin.objects.create(user=user, person=person)
    browser = Client()
    browser.force_login(user)
    return person, user, browser


@pytest.fixture
def app():
    return person_app_register(name="社保查询", redirect_uris=[REDIRECT], actor=Viewer.system())


def _authorize_query(app, challenge: str | None, method: str | None = "S256", scope: str = "read") -> dict:
    query = {"response_type": "code", "client_id": app.application.client_id, "redirect_uri": REDIRECT,
             "scope": scope, "state": "s-123"}
    if challenge is not None:
        query["code_challenge"] = challenge
    if method is not None:
        query["code_challenge_method"] = method
    return query


def _code(browser: Client, app, challenge: str, scope: str = "read") -> str:
    """What the app's redirect URI receives after the person allows it."""
    query = _authorize_query(app, challenge, scope=scope)
    page = browser.get("/o/authorize/", query)
    assert page.status_code == 200 and "社保查询" in page.content.decode()
    allowed = browser.post("/o/authorize/", {**query, "allow": "Authorize"})
    assert allowed.status_code == 302, allowed.content[:300]
    location = urlparse(allowed["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = parse_qs(location.query)
    assert params["state"] == ["s-123"]
    return params["code"][0]


def _exchange(app, code: str, verifier: str | None):
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": app.application.client_id}
    if verifier is not None:
        body["code_verifier"] = verifier
    return Client().post("/o/token/", body)


def _token(browser, app, scope: str = "read") -> str:
    verifier, challenge = _verifier_and_challenge()
    answer = _exchange(app, _code(browser, app, challenge, scope), verifier)
    assert answer.status_code == 200, answer.content
    return answer.json()["access_token"]


def test_a_person_signs_an_app_in_and_its_token_answers_as_their_session(app):
    person, user, browser = _person()
    # Not signed in: the authorize page sends the person to their web login, which brings them back.
    query = _authorize_query(app, _verifier_and_challenge()[1])
    anonymous = Client()
    to_login = anonymous.get("/o/authorize/", query)
    assert to_login.status_code == 302 and to_login["Location"].startswith("/accounts/login/?next=")
    back = anonymous.post("/accounts/login/", {"username": person.document_number, "password": PASSWORD,
                                               "next": f"/o/authorize/?{urlencode(query)}"})
    assert back.status_code == 302 and back["Location"].startswith("/o/authorize/?")
    assert anonymous.get(back["Location"]).status_code == 200

    verifier, challenge = _verifier_and_challenge()
    answer = _exchange(app, _code(browser, app, challenge, scope="read write"), verifier)
    assert answer.status_code == 200, answer.content
    issued = answer.json()
    assert issued["token_type"] == "Bearer" and issued["scope"] == "read write" and issued["refresh_token"]
    assert AccessToken.objects.get(application=app.application).user_id == user.pk

    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {issued['access_token']}")
    for path in ("/api/v1/me", "/api/v1/me/account", "/api/v1/me/events", "/api/v1/me/contributions"):
        by_app, by_session = bearer.get(path), browser.get(path)
        assert by_app.status_code == by_session.status_code == 200, path
        assert by_app.json() == by_session.json(), path
    assert bearer.get("/api/v1/me").json()["document_number"] == person.document_number

    # A refresh token gives a new access token once; the code itself is spent.
    refreshed = Client().post("/o/token/", {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"],
                                            "client_id": app.application.client_id})
    assert refreshed.status_code == 200 and refreshed.json()["access_token"] != issued["access_token"]


def test_a_plain_challenge_or_none_is_refused_before_the_page_shows(app):
    _person_, _user, browser = _person()
    verifier, _challenge = _verifier_and_challenge()
    for query in (_authorize_query(app, verifier, method="plain"), _authorize_query(app, verifier, method=None),
                  _authorize_query(app, None, method=None)):
        refused = browser.get("/o/authorize/", query)
        assert refused.status_code == 302, query
        params = parse_qs(urlparse(refused["Location"]).query)
        assert params["error"] == ["invalid_request"] and params["state"] == ["s-123"], params
        assert "code" not in params
    # The consent form's hidden fields changed to plain make no code either.
    tampered = browser.post("/o/authorize/", {**_authorize_query(app, verifier, method="plain"), "allow": "Authorize"})
    assert "code" not in parse_qs(urlparse(tampered.get("Location", "")).query)


def test_a_code_without_its_verifier_or_with_another_gives_no_token(app):
    _person_, _user, browser = _person()
    verifier, challenge = _verifier_and_challenge()
    code = _code(browser, app, challenge)
    missing = _exchange(app, code, None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    wrong = _exchange(app, code, _verifier_and_challenge()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_an_apps_token_reads_only_its_own_person(app):
    person, user, browser = _person()
    other, _other_user, _other_browser = _person()
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {_token(browser, app)}")
    assert bearer.get("/api/v1/me").json()["id"] == person.pk
    assert bearer.get(f"/api/v1/agency/persons/{other.pk}").status_code == 403  # a clerk's read
    assert bearer.get("/api/v1/agency/persons", {"document": other.document_number}).status_code == 403
    assert bearer.get("/api/v1/employer").status_code in (401, 403)  # a portal's
    assert other.document_number not in bearer.get("/api/v1/me/events").content.decode()
    User.objects.filter(pk=user.pk).update(is_active=False)  # a login the agency closed
    assert bearer.get("/api/v1/me").status_code in (401, 403)


def test_a_read_token_writes_nothing_and_a_revoked_app_signs_nobody_in(app):
    _person_, _user, browser = _person()
    token = _token(browser, app, scope="read")
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    refused = bearer.post("/api/v1/me/statements/2025/reprint", {}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["type"].endswith("/problems/permission-denied")
    assert "write" in refused.json()["detail"]

    person_app_revoke(app=app, actor=Viewer.system())
    assert bearer.get("/api/v1/me").status_code in (401, 403)
    verifier, challenge = _verifier_and_challenge()
    assert browser.get("/o/authorize/", _authorize_query(app, challenge)).status_code != 200


def test_staff_and_portal_clients_sign_no_app_in(app):
    clerk_browser = Client()
    clerk_browser.force_login(clerk_user(OfficeFactory()))
    _verifier, challenge = _verifier_and_challenge()
    page = clerk_browser.get("/o/authorize/", _authorize_query(app, challenge))
    assert page.status_code == 403 and "client_id" not in page.content.decode()

    from employers.services.clients import employer_client_issue
    from tests.employers.factories import EmployerFactory

    portal, _secret = employer_client_issue(employer=EmployerFactory(), actor=Viewer.system())
    _person_, _user, browser = _person()
    query = {**_authorize_query(app, challenge), "client_id": portal.application.client_id}
    assert browser.get("/o/authorize/", query).status_code == 400  # an unknown client: no redirect


def test_only_the_system_or_a_superuser_registers_an_app_with_https_redirects():
    with pytest.raises(ValidationFailed):
        person_app_register(name="App", redirect_uris=["http://app.example.cn/cb"], actor=Viewer.system())
    from common.access import viewer_for_user

    with pytest.raises(Forbidden):
        person_app_register(name="App", redirect_uris=[REDIRECT],
                            actor=viewer_for_user(clerk_user(OfficeFactory(), groups=("supervisor",))))


def test_an_apps_security_events_name_it_in_chinese_never_by_its_code(app):
    from django.utils import translation

    from agency.models import SecurityEvent
    from common.display import account_text

    person_app_revoke(app=app, actor=Viewer.system())
    events = list(SecurityEvent.objects.filter(account=f"app:{app.application.client_id}"))
    assert len(events) == 2  # registered, revoked
    with translation.override("zh-hans"):
        assert account_text(events[0].account) == "参保人应用：社保查询"
        assert all(str(event).endswith("参保人应用：社保查询") for event in events)
    admin = Client()
    admin.force_login(User.objects.create_superuser("root-apps", password=PASSWORD))
    page = admin.get("/admin/agency/securityevent/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "参保人应用：社保查询" in page and "app:" not in page
    detail = admin.get(f"/admin/agency/securityevent/{events[0].pk}/history/",
                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "参保人应用：社保查询" in detail and "app:" not in detail
