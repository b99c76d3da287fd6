"""The collector's system over HTTP (issue 22, item 2): its own client kind with the `collect` scope,
which no portal can obtain; batches idempotent; a bad batch refused whole in the caller's language.
The admin's import page and the operator's command."""

import json
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from collection.models import CollectorFile, CollectorRecord
from collection.services.clients import collector_client_issue
from common.access import Viewer
from contributions.models import Payment
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.collection.factories import CollectionAccountFactory
from tests.collection.feed import csv_file
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal

pytestmark = pytest.mark.django_db
PATH = "/api/v1/collector/records"


@pytest.fixture
def world():
    region = RegionFactory()
    account = CollectionAccountFactory(region=region)
    employer = EmployerFactory(region=region)
    declare(employer, date(2026, 1, 1), "1000.00", due_on=date(2026, 1, 15))
    return account, employer


def _token(client_id, secret, scope):
    return APIClient().post("/o/token/", {"grant_type": "client_credentials", "client_id": client_id,
                                          "client_secret": secret, "scope": scope})


def collector(region):
    client, secret = collector_client_issue(region=region, label="税务局", actor=Viewer.system())
    response = _token(client.application.client_id, secret, "collect")
    assert response.status_code == 200, response.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
    return api, client


def _post(api, records, **headers):
    return api.post(PATH, data=json.dumps({"records": records}), content_type="application/json", **headers)


def _record(account, employer, txid="C-1", amount="1000.00", day="2026-01-10"):
    return {"account": account.account_number, "transaction_id": txid, "value_date": day, "amount": amount,
            "payer_name": employer.name, "reference": f"社保费 {employer.uscc}"}


def test_the_collectors_system_sends_a_batch_once_and_the_same_batch_again_changes_nothing(world):
    account, employer = world
    api, _client = collector(employer.region)
    records = [_record(account, employer)]
    first = _post(api, records)
    assert first.status_code == 201, first.json()
    assert first.json()["stored"] == 1 and first.json()["applied"] == 1 and not first.json()["received_before"]
    again = _post(api, records)
    assert again.status_code == 200 and again.json()["received_before"] and again.json()["file"] == first.json()["file"]
    payment = Payment.objects.get()
    assert payment.paid_on == date(2026, 1, 10) and payment.actor.startswith("collector:")
    assert CollectorFile.objects.get().format == "api"


def test_no_portal_obtains_the_collect_scope_and_a_portal_token_is_no_credential_here(world):
    account, employer = world
    portal = Portal(employer)
    issued = employer.clients.get()
    assert _token(issued.application.client_id, "portal-secret-x", "collect").status_code == 400
    assert _token(issued.application.client_id, "portal-secret-x", "read write collect").status_code == 400
    assert portal.post(PATH, {"records": [_record(account, employer)]}).status_code == 401
    api, client = collector(employer.region)
    # ...and the collector's client obtains no portal scope.
    assert _token(client.application.client_id, "wrong", "collect").status_code == 401
    assert APIClient().post(PATH, {}, format="json").status_code == 401
    assert not Payment.objects.exists()


def test_a_bad_batch_is_refused_whole_in_the_callers_language(world):
    account, employer = world
    api, _client = collector(employer.region)
    records = [_record(account, employer), _record(account, employer, txid="C-2", amount="-5.00"),
               _record(account, employer, txid="C-3", day="2026-13-01")]
    response = _post(api, records, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/collector-file-refused" and body["total_errors"] == 2
    assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [(2, "reverses", "required"),
                                                                           (3, "value_date", "invalid")]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in body["errors"]), body
    assert not CollectorRecord.objects.exists()


def test_a_collector_sends_for_its_own_regions_accounts_only(world):
    account, employer = world
    api, _client = collector(RegionFactory())
    response = _post(api, [_record(account, employer)])
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "unknown"
    assert not Payment.objects.exists()


def test_a_clerk_imports_a_file_in_the_admin_and_a_malformed_one_shows_every_bad_line(world):
    account, employer = world
    client = Client()
    client.force_login(clerk_user(OfficeFactory(region=employer.region), groups=("clerk",)))
    bad = csv_file((account.account_number, "A-1", "2026-01-10", "abc"), (account.account_number, "A-2", "x", "1.00"))
    page = client.post("/admin/collection/collectorfile/add/", {
        "format": "csv", "upload": SimpleUploadedFile("bad.csv", bad, content_type="text/csv")})
    assert page.status_code == 200 and not CollectorFile.objects.exists()
    text = page.content.decode()
    assert "2" in text and "amount" in text and "value_date" in text
    good = csv_file((account.account_number, "A-1", "2026-01-10", "1000.00", employer.uscc))
    done = client.post("/admin/collection/collectorfile/add/", {
        "format": "csv", "upload": SimpleUploadedFile("good.csv", good, content_type="text/csv")})
    assert done.status_code == 302, done.content.decode()[:3000]
    assert Payment.objects.get().amount == D("1000.00")
    listed = client.get("/admin/collection/collectorfile/").content.decode()
    assert "good.csv" in listed
    other = Client()
    other.force_login(clerk_user(OfficeFactory(region=RegionFactory()), groups=("clerk",)))
    assert "good.csv" not in other.get("/admin/collection/collectorfile/").content.decode()


def test_the_operators_command_imports_once_and_refuses_a_bad_file(world, tmp_path, capsys):
    account, employer = world
    path = tmp_path / "records.csv"
    path.write_bytes(csv_file((account.account_number, "M-1", "2026-01-10", "1000.00", employer.uscc)))
    call_command("collector_import", str(path))
    call_command("collector_import", str(path))
    out = capsys.readouterr().out
    assert "1 applied" in out and "imported before" in out and Payment.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file((account.account_number, "M-2", "2026-01-10", "0.00")))
    with pytest.raises(CommandError):
        call_command("collector_import", str(bad))
    assert "line 2: amount: not_positive" in capsys.readouterr().err
