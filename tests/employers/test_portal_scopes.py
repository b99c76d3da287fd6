"""Portal clients with the scopes a clerk chose (issue 24, item 8): a read-only client takes no
`write` token, and a read-only token is refused on every write the schema lists."""

from __future__ import annotations

import pytest
from django.test import Client

from common.access import Viewer
from employers.models import EmployerClient
from employers.services.clients import employer_client_issue
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.api.openapi import openapi_document, operations
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def _token(client: EmployerClient, secret: str, scope: str | None):
    body = {"grant_type": "client_credentials", "client_id": client.application.client_id, "client_secret": secret}
    if scope is not None:
        body["scope"] = scope
    return Client().post("/o/token/", body)


def test_a_read_only_client_takes_read_tokens_and_is_refused_more():
    employer = EmployerFactory()
    client, secret = employer_client_issue(employer=employer, actor=Viewer.system(), scopes="read")
    for asked in ("read write", "write"):
        refused = _token(client, secret, asked)
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_scope")
    assert _token(client, secret, "read").json()["scope"] == "read"
    assert _token(client, secret, None).json()["scope"] == "read"  # asking for nothing gets read

    writer, writer_secret = employer_client_issue(employer=employer, actor=Viewer.system(), scopes="read write")
    assert _token(writer, writer_secret, "read write").json()["scope"] == "read write"


def test_the_issue_service_takes_only_the_two_scope_sets():
    from common.problems import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        employer_client_issue(employer=EmployerFactory(), actor=Viewer.system(), scopes="read write admin")
    assert refused.value.errors[0]["field"] == "scopes"
    assert not EmployerClient.objects.exists()


def _portal_writes(document: dict) -> list[tuple[str, str, str]]:
    found = []
    for method, path, operation in operations(document):
        for requirement in operation.get("security", []):
            if requirement.get("portalOAuth2") == ["write"]:
                found.append((method, path, next(iter(operation.get("requestBody", {}).get("content", {})),
                                                 "application/json")))
    return found


def test_a_read_only_token_is_refused_on_every_write_with_a_problem():
    from tests.api.world import build_world

    world = build_world()
    writes = _portal_writes(openapi_document())
    assert len(writes) >= 8, writes  # enrolments, separations, declarations (JSON, CSV), registrations, ...
    ids = {"{id}": str(world.change_application.pk)}
    for method, path, content_type in writes:
        url = path
        for placeholder, value in ids.items():
            url = url.replace(placeholder, value)
        caller = world.client("portal_read")
        if content_type == "multipart/form-data":  # an upload, as the schema says to send it
            response = caller.post(url, {"period": "2026-01"})
        else:
            response = caller.generic(method, url, "{}", content_type=content_type)
        assert response.status_code == 403, (method, path, response.status_code, response.content[:200])
        assert response["Content-Type"].startswith("application/problem+json"), (method, path)
        assert response.json()["type"].endswith("/problems/permission-denied"), (method, path)
    # The same token reads.
    assert world.client("portal_read").get("/api/v1/employer").status_code == 200


def test_a_clerk_picks_the_scopes_on_the_issue_form():
    region = RegionFactory(code="310101")
    office = OfficeFactory(region=region)
    employer = EmployerFactory(region=region)
    browser = Client()
    browser.force_login(clerk_user(office, groups=("reviewer",)))
    chosen = browser.post("/admin/employers/employer/", {"action": "issue_client", "_selected_action": [employer.pk]})
    assert chosen.status_code == 302 and chosen["Location"].endswith(f"/employerclient/add/?employer={employer.pk}")
    form = browser.get(chosen["Location"]).content.decode()
    assert 'value="read"' in form and 'value="read write"' in form
    page = browser.post("/admin/employers/employerclient/add/",
                        {"employer": employer.pk, "label": "HR", "scopes": "read"}, follow=True)
    assert page.status_code == 200
    issued = EmployerClient.objects.get(employer=employer)
    assert issued.scopes == "read" and issued.issued_by is not None
    shown = page.content.decode()
    secret = shown.split("client_secret ", 1)[1].split(" ", 1)[0]
    assert _token(issued, secret, "read write").json()["error"] == "invalid_scope"
    assert _token(issued, secret, "read").status_code == 200
