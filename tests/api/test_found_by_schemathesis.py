"""Answers schemathesis found wrong, kept as plain tests."""

import pytest

from tests.agency.factories import OfficeFactory, clerk_user

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_a_lookup_is_a_400_not_a_503(client):
    client.force_login(clerk_user(OfficeFactory()))
    response = client.get("/api/v1/agency/persons", {"document": "3101\x0001"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] in ("/problems/malformed-request", "/problems/validation-error")
