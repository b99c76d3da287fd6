"""schemathesis against the live app, for each kind of caller.

Requests generated from /api/schema/ (valid ones, and ones that break the schema) go over HTTP to
pytest-django's live server. Any 5xx fails, and so does an answer the schema does not describe: an
undocumented status, a body that does not match its schema, a wrong content type or header.

The number of examples per operation is bounded (SCHEMATHESIS_EXAMPLES, default below) and the
generation is derandomised, so `make test` runs the same requests each time; raise the number for a
deeper run:  SCHEMATHESIS_EXAMPLES=200 .venv/bin/python -m pytest tests/api/test_schemathesis.py -s
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import requests
import schemathesis
from django.db import connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.openapi import openapi_document
from tests.api.world import World, build_world

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# What each caller is for: its own operations get the full number of examples, the others (where
# it must be refused) a few.
ROLES = {
    "anonymous": {"POST /api/v1/registrations", "POST /api/v1/registrations/with-documents",
                  "GET /api/v1/registrations/{id}", "GET /.well-known/statement-keys.json",
                  "POST /api/v1/registrations/{id}/resubmit", "GET /api/v1/statements/verify"},
    "portal_read": {"GET /api/v1/employer", "GET /api/v1/employer/staff", "GET /api/v1/employer/events",
                    "GET /api/v1/registrations/{id}", "GET /api/v1/employer/contributions",
                    "GET /api/v1/employer/declarations", "GET /api/v1/employer/declarations/{id}"},
    "portal_write": {"POST /api/v1/employer/enrolments", "POST /api/v1/employer/separations",
                     "POST /api/v1/registrations", "POST /api/v1/registrations/{id}/resubmit",
                     "GET /api/v1/employer/staff", "POST /api/v1/employer/declarations",
                     "POST /api/v1/employer/declarations/csv", "POST /api/v1/employer/separations/with-documents",
                     "POST /api/v1/registrations/{id}/resubmit/with-documents"},
    "person": {"GET /api/v1/me", "GET /api/v1/me/events", "GET /api/v1/me/account", "GET /api/v1/me/contributions",
               "POST /api/v1/me/suspensions", "GET /api/v1/me/contribution-certificate", "GET /api/v1/me/transfers",
               "POST /api/v1/me/transfers", "GET /api/v1/me/transfers/{id}",
               "GET /api/v1/me/statements", "GET /api/v1/me/statements/{year}",
               "POST /api/v1/me/statements/{year}/reprint", "GET /api/v1/me/access-log",
               "GET /api/v1/me/pension-estimate", "GET /api/v1/me/pension-determination",
               "GET /api/v1/me/pension-determination/pdf",
               "POST /api/v1/me/refunds", "GET /api/v1/me/refunds/{id}", "GET /api/v1/me/statements/{year}/pdf",
               "GET /api/v1/me/contribution-certificate/pdf", "GET /api/v1/me/transfers/{id}/letter",
               "GET /api/v1/me/transfers/{id}/form", "POST /api/v1/me/refunds/with-documents",
               "POST /api/v1/me/suspensions/with-documents", "POST /api/v1/me/transfers/with-documents"},
    "clerk": {"GET /api/v1/agency/persons", "POST /api/v1/agency/persons", "GET /api/v1/agency/persons/{id}"},
    "collector": {"POST /api/v1/collector/records"},
}
COUNTS: dict[str, Counter] = {}

CSRF = "schemathesisCsrfSecret0123456789"  # a 32-character secret: cookie and header match


def _collector_token(world: World) -> str:
    """The collector's system of region A (its own client kind, scope `collect`), with the region's
    collection account, as tests/collection/test_feed_api.py issues it."""
    from collection.models import CollectionAccount
    from collection.services.clients import collector_client_issue
    from common.access import Viewer

    CollectionAccount.objects.get_or_create(
        account_number="31001500100050000001",
        defaults={"region": world.employer.region, "collector": "国家税务总局", "bank_name": "中国建设银行",
                  "account_name": "社会保险费专户", "opened_on": world.declaration.period.replace(year=2000)})
    client, secret = collector_client_issue(region=world.region_a, label="税务局", actor=Viewer.system())
    response = Client().post("/o/token/", {"grant_type": "client_credentials", "client_secret": secret,
                                           "client_id": client.application.client_id, "scope": "collect"})
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def _credentials(world: World, role: str) -> dict:
    """The role's credentials, fixed in every generated case (schemathesis would otherwise generate
    the session cookie of the `cookieAuth` scheme itself)."""
    if role == "collector":
        return {"headers": {"Authorization": f"Bearer {_collector_token(world)}"}}
    if role in world.tokens:
        return {"headers": {"Authorization": f"Bearer {world.tokens[role]}"}}
    if role in world.users:
        session = world.client(role).cookies["sessionid"].value
        return {"cookies": {"sessionid": session, "csrftoken": CSRF}, "headers": {"X-CSRFToken": CSRF}}
    return {}


def _run(operation, strategy, examples: int, base_url: str, counts: Counter) -> None:
    session = requests.Session()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        response = case.call_and_validate(base_url=base_url, session=session, checks=CHECKS)
        counts[f"{operation.method.upper()} {operation.path}"] += 1
        counts[response.status_code] += 1
        if os.environ.get("ST_DEBUG"):
            print(operation.method, operation.path, response.status_code, dict(case.headers or {}),
                  dict(case.cookies or {}), response.request.headers.get("Cookie"))

    run()


def _existing_id(world: World, path: str) -> int:
    if path.startswith("/api/v1/registrations/"):
        return world.change_application.pk
    if path.startswith("/api/v1/agency/persons/"):
        return world.person.pk
    if path.startswith("/api/v1/employer/declarations/"):
        return world.declaration.pk
    if path.startswith("/api/v1/employer/payments/"):
        return 999_999  # the world records no payment: the receipt answers its documented 404
    if path.startswith("/api/v1/me/transfers/"):
        from tests.api.test_authorization_matrix import world_transfer

        # One transfer for the detail and its documents (a person has one open transfer at a time).
        return (world.transfer if hasattr(world, "transfer") else world_transfer(world)).pk
    if path.startswith("/api/v1/me/refunds/"):
        # The person's own refund, written as a row (the world's persons are on staff, so the
        # service would refuse them): the detail answers of a record the caller may see get checked.
        from refunds.models import Refund

        refund, _created = Refund.objects.get_or_create(
            person=world.person, defaults={"region": world.person.region, "reason": "foreigner_leaving",
                                           "applied_on": world.declaration.period, "channel": "api",
                                           "applied_by": "test"})
        return refund.pk
    if path.startswith("/api/v1/employer/payment-orders/"):
        # The employer's own order for its declared month (issue 22), issued by the service once.
        from collection.models import CollectionAccount, PaymentOrder
        from collection.services.orders import payment_order_issue
        from common.access import Kind, Viewer

        found = PaymentOrder.objects.filter(employer=world.employer).first()
        if found is not None:
            return found.pk
        CollectionAccount.objects.get_or_create(
            account_number="31001500100050000001",
            defaults={"region": world.employer.region, "collector": "国家税务总局", "bank_name": "中国建设银行",
                      "account_name": "社会保险费专户", "opened_on": world.declaration.period.replace(year=2000)})
        portal = Viewer(Kind.EMPLOYER, employer_id=world.employer.pk, client_id="world")
        return payment_order_issue(actor=portal).pk
    if path.startswith("/api/v1/me/disputes/"):
        # The person's own dispute of their declared month (issue 23), filed once through the service.
        from disputes.models import Dispute
        from disputes.services.disputes import dispute_file
        from tests.builders import person_viewer

        found = Dispute.objects.filter(person=world.person).first()
        if found is not None:
            return found.pk
        return dispute_file(person=world.person, actor=person_viewer(world.person), subject_kind="month",
                            month=world.declaration.period, account_text="这个月的缴费基数不对。").pk
    raise AssertionError(f"no record known for {path}: add one to the world")


@pytest.mark.parametrize("role", list(ROLES))
def test_schemathesis(live_server, monkeypatch, role):
    # The live server answers each request in a thread of its own: let each close its connection.
    monkeypatch.setitem(connections.databases["default"], "CONN_MAX_AGE", 0)
    world = build_world()
    schema = schemathesis.openapi.from_dict(openapi_document())
    credentials = _credentials(world, role)
    counts = COUNTS.setdefault(role, Counter())
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        examples = EXAMPLES if label in ROLES[role] else max(2, EXAMPLES // 4)
        # The schema's own examples first (valid filings that get past the domain checks), then
        # generated requests that fit the schema, then ones that break it.
        for strategy in schema.get_strategies_from_examples(operation, **credentials):
            _run(operation, strategy, 1, live_server.url, counts)
        _run(operation, operation.as_strategy(generation_mode=GenerationMode.POSITIVE, **credentials), examples,
             live_server.url, counts)
        if "{id}" in operation.path:  # also on a record that exists, so the detail answers get checked too
            existing = {"path_parameters": {"id": _existing_id(world, operation.path)}}
            _run(operation, operation.as_strategy(generation_mode=GenerationMode.POSITIVE, **existing,
                                                  **credentials), max(2, examples // 2), live_server.url, counts)
        try:
            _run(operation, operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, **credentials),
                 examples, live_server.url, counts)
        except Unsatisfiable:
            pass  # nothing to break: the operation takes no parameters and no body
    operations = {k: v for k, v in counts.items() if isinstance(k, str)}
    statuses = {k: v for k, v in counts.items() if isinstance(k, int)}
    print(f"\nschemathesis {role}: {sum(operations.values())} requests; by status "
          + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
          + "; by operation " + ", ".join(f"{k}: {v}" for k, v in sorted(operations.items())))
