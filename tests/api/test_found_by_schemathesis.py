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


def test_an_arrears_period_is_documented_as_the_month_it_answers():
    """The arrears' `period` answers "2026-01"; the schema said `format: date` (found once the world
    had charges, for the contribution reads)."""
    import re

    from tests.api.openapi import openapi_document

    schema = openapi_document()["components"]["schemas"]["PeriodArrearsOut"]["properties"]["period"]
    assert schema.get("format") != "date" and re.fullmatch(schema["pattern"], "2026-01")
