"""Issue 29 item 1: a portal's token, client and employer load in ONE statement, read afresh each request."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

from common.access import Viewer
from employers.services.clients import employer_client_revoke
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal

pytestmark = pytest.mark.django_db


def _statements(queries, table: str) -> list[str]:
    return [q["sql"] for q in queries if f'"{table}"' in q["sql"]]


def test_token_client_and_employer_are_one_statement():
    portal = Portal(EmployerFactory())
    with CaptureQueriesContext(connection) as captured:
        assert portal.get("/api/v1/employer/arrears").status_code == 200
    tokens = _statements(captured.captured_queries, "oauth2_provider_accesstoken")
    assert len(tokens) == 1
    assert _statements(captured.captured_queries, "employers_employerclient") == tokens
    assert _statements(captured.captured_queries, "employers_employer") == tokens  # no second employer lookup


def test_a_revoked_client_or_an_expired_token_is_refused_at_once():
    portal = Portal(EmployerFactory())
    assert portal.get("/api/v1/employer/arrears").status_code == 200
    AccessToken.objects.update(expires=timezone.now() - timezone.timedelta(seconds=1))
    assert portal.get("/api/v1/employer/arrears").status_code == 401

    other = Portal(EmployerFactory())
    assert other.get("/api/v1/employer/arrears").status_code == 200
    client = other.employer.clients.get()
    employer_client_revoke(client=client, actor=Viewer.system())
    assert other.get("/api/v1/employer/arrears").status_code == 401


def test_the_principals_employer_is_only_used_for_its_own_employer():
    from contributions.selectors.payments import arrears_of
    from tests.builders import portal

    mine, theirs = EmployerFactory(), EmployerFactory()
    viewer = portal(mine)
    assert arrears_of(viewer, employer_id=theirs.pk, on=date(2026, 12, 7), own_employer=theirs) is None
    assert arrears_of(viewer, employer_id=mine.pk, on=date(2026, 12, 7), own_employer=mine) is not None
