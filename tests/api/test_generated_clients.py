"""Real generated clients, as HR portals and app makers build them from the published schema.

The Python client comes from openapi-python-client (pinned in pyproject's dev extras), with the
project's own generator settings (openapi-python-client.yaml); the TypeScript types from
openapi-typescript, checked by the TypeScript compiler (both from package.json, installed by
`make install`). A generator warning or error, or a generated module that does not import or
type-check, fails the test. Then the generated Python client runs a portal's month and a person's
reads against the live server.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.db import connections

from agency.deadlines import today_in_shanghai
from tests.api.openapi import openapi_document
from tests.api.world import CONTRIBUTION_PERIOD, STATEMENT_YEAR, build_world
from tests.ids import resident_id

ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "node_modules" / ".bin"


def _run(command: list, cwd: Path) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contract")
    path = folder / "agency-openapi.json"
    path.write_text(json.dumps(openapi_document()))
    return path


@pytest.fixture(scope="module")
def agency_client(schema_file):
    """The generated package `agency_client`, imported from a folder of its own."""
    folder = schema_file.parent
    generator = Path(sys.executable).parent / "openapi-python-client"
    output = _run([generator, "generate", "--path", schema_file, "--output-path", folder / "agency_client",
                   "--config", ROOT / "openapi-python-client.yaml", "--meta", "none"], folder)
    assert "warning" not in output.lower() and "error" not in output.lower(), output
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()  # the finders have not seen the new files yet
    try:
        package = importlib.import_module("agency_client")
        modules = [m.name for m in pkgutil.walk_packages(package.__path__, "agency_client.")]
        failures = {}
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - every kind of failure is what the test reports
                failures[name] = repr(exc)
        assert failures == {}
        yield package, modules
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == "agency_client" or m.startswith("agency_client.")]:
            del sys.modules[name]


def test_the_python_client_generates_without_a_warning_and_every_module_imports(agency_client):
    _package, modules = agency_client
    operations = [m for m in modules if m.startswith("agency_client.api.v1.")]
    documented = sum(1 for item in openapi_document()["paths"].values() for _ in item)
    assert len(operations) == documented  # one module per operation, none left out


TS_CHECK = """
import type { components, paths } from "./agency";

type StaffPage = paths["/api/v1/employer/staff"]["get"]["responses"][200]["content"]["application/json"];
export const page: StaffPage = { next: null, previous: null, results: [] };

export const problem: components["schemas"]["Problem"] = {
  type: "/problems/validation-error", title: "Invalid", status: 400, detail: "period",
  errors: [{ field: "rows", code: "invalid", message: "wage", row: 2 }], total_errors: 1,
};

type SeparationHeaders = paths["/api/v1/employer/separations"]["post"]["parameters"]["header"];
export const headers: SeparationHeaders = { "Idempotency-Key": "reduce-2026-11-0001" };

type Row = components["schemas"]["DeclarationRowRequest"];
export const row: Row = { document_number: "310101199003151230", wage: "8000.00" };

type Pdf = paths["/api/v1/me/statements/{year}/pdf"]["get"]["responses"][200]["content"]["application/pdf"];
export const pdf: Pdf = "%PDF-1.7";
"""


def test_the_typescript_types_generate_and_type_check(schema_file):
    assert (NODE_BIN / "openapi-typescript").exists(), "run `make install` (npm ci installs the Node tools)"
    folder = schema_file.parent
    output = _run([NODE_BIN / "openapi-typescript", schema_file, "--output", folder / "agency.d.ts"], folder)
    assert "error" not in output.lower(), output
    (folder / "check.ts").write_text(TS_CHECK)
    _run([NODE_BIN / "tsc", "--noEmit", "--strict", "--skipLibCheck", "--module", "esnext", "--target", "es2020",
          "--moduleResolution", "bundler", "check.ts"], folder)
    # A wrong use is refused: the compiler really checks against the generated types.
    (folder / "wrong.ts").write_text(TS_CHECK.replace('wage: "8000.00"', "wage: 8000"))
    done = subprocess.run([str(NODE_BIN / "tsc"), "--noEmit", "--strict", "--skipLibCheck", "--module", "esnext",
                           "--target", "es2020", "--moduleResolution", "bundler", "wrong.ts"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "wrong.ts(16," in done.stdout  # the row's wage, a number where a string is due


@pytest.mark.django_db(transaction=True)
def test_a_portals_month_and_a_persons_reads_through_the_generated_client(agency_client, live_server,
                                                                           monkeypatch):
    monkeypatch.setitem(connections.databases["default"], "CONN_MAX_AGE", 0)
    from agency_client import AuthenticatedClient, Client
    from agency_client.api.v1 import (
        v1_employer_arrears_retrieve,
        v1_employer_contributions_retrieve,
        v1_employer_declarations_create,
        v1_employer_declarations_csv_create,
        v1_employer_declarations_retrieve,
        v1_employer_enrolments_create,
        v1_employer_separations_create,
        v1_employer_staff_list,
        v1_me_account_retrieve,
        v1_me_retrieve,
        v1_me_statements_list,
        v1_me_statements_pdf_retrieve,
        v1_statements_verify_retrieve,
    )
    from agency_client.models import (
        DeclarationListCsvInputRequest,
        DeclarationListInputRequest,
        DeclarationRowRequest,
        EnrolmentInputRequest,
        Problem,
        SeparationInputRequest,
        SeparationReasonEnum,
    )
    from agency_client.types import File

    world = build_world()
    base = live_server.url
    portal = AuthenticatedClient(base_url=base, token=world.tokens["portal_write"], raise_on_unexpected_status=True)
    today = today_in_shanghai()
    period = today.strftime("%Y-%m")

    # Add staff.
    newcomer = resident_id(seq=407)
    enrolled = v1_employer_enrolments_create.sync_detailed(
        client=portal, idempotency_key=f"enrol-{newcomer}",
        body=EnrolmentInputRequest(document_number=newcomer, name="周杰", start_date=today.replace(day=1),
                                   monthly_wage="8800.00"))
    assert enrolled.status_code == 201, enrolled.content
    assert enrolled.parsed.kind == "enrolment"

    # Declare the month as JSON: the world's declaration of it makes this one a correction.
    rows = [DeclarationRowRequest(document_number=resident_id(seq=401), wage="9000.00"),
            DeclarationRowRequest(document_number=resident_id(seq=403), wage="5000.00"),
            DeclarationRowRequest(document_number=newcomer, wage="8800.00")]
    declared = v1_employer_declarations_create.sync_detailed(
        client=portal, idempotency_key=f"declare-{period}-1", body=DeclarationListInputRequest(period=period, rows=rows))
    assert declared.status_code == 201, declared.content
    assert declared.parsed.sequence == 2 and declared.parsed.rows == 3

    # A bad row comes back as a typed problem naming the row.
    bad = v1_employer_declarations_create.sync_detailed(
        client=portal, body=DeclarationListInputRequest(period=period, rows=[
            *rows[:2], DeclarationRowRequest(document_number=newcomer, wage="-1.00")]))
    assert bad.status_code == 400 and isinstance(bad.parsed, Problem)
    assert bad.parsed.type_ == "/problems/declaration-invalid"
    assert [(e.row, e.field) for e in bad.parsed.errors] == [(3, "wage")]

    # Correct it with a CSV file: a higher wage for the newcomer.
    csv = ("document_number,wage\n" f"{resident_id(seq=401)},9000.00\n{resident_id(seq=403)},5000.00\n"
           f"{newcomer},9800.00\n").encode()
    from io import BytesIO

    corrected = v1_employer_declarations_csv_create.sync_detailed(
        client=portal, idempotency_key=f"declare-{period}-csv",
        body=DeclarationListCsvInputRequest(period=period, file=File(payload=BytesIO(csv), file_name="roll.csv",
                                                                     mime_type="text/csv")))
    assert corrected.status_code == 201, corrected.content
    assert corrected.parsed.sequence == 3 and corrected.parsed.source == "csv"
    # Only the newcomer's line changed, and more is owed for it.
    assert corrected.parsed.lines_written == 1 and Decimal(corrected.parsed.difference) > 0
    detail = v1_employer_declarations_retrieve.sync_detailed(client=portal, id=corrected.parsed.id)
    assert detail.status_code == 200 and detail.parsed.sequence == 3

    # The monthly notice, and the arrears as they stand.
    notice = v1_employer_contributions_retrieve.sync_detailed(client=portal, period=CONTRIBUTION_PERIOD.strftime("%Y-%m"))
    assert notice.status_code == 200, notice.content
    arrears = v1_employer_arrears_retrieve.sync_detailed(client=portal, on=today + timedelta(days=30))
    assert arrears.status_code == 200, arrears.content

    # Reduce staff, then retry with the same key (a time-out on the portal's side): replayed, not done twice.
    body = SeparationInputRequest(document_number=newcomer, last_day=today, reason=SeparationReasonEnum.RESIGNATION)
    first = v1_employer_separations_create.sync_detailed(client=portal, body=body, idempotency_key="reduce-407")
    assert first.status_code == 201, first.content
    again = v1_employer_separations_create.sync_detailed(client=portal, body=body, idempotency_key="reduce-407")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.parsed.id == first.parsed.id
    # Without a key a later call is a new request (no header leaks from the earlier one): a conflict.
    later = v1_employer_separations_create.sync_detailed(client=portal, body=body)
    assert later.status_code == 409 and "Idempotent-Replayed" not in later.headers

    # A bad cursor is a 400 problem naming it.
    staff = v1_employer_staff_list.sync_detailed(client=portal, cursor="not-a-cursor")
    assert staff.status_code == 400 and staff.parsed.errors[0].field == "cursor"

    # The person's reads (the session of the web login), down to the statement's PDF as bytes.
    session = world.client("person").cookies["sessionid"].value
    person = Client(base_url=base, cookies={"sessionid": session}, raise_on_unexpected_status=True)
    me = v1_me_retrieve.sync_detailed(client=person)
    assert me.status_code == 200 and me.parsed.document_number == world.person.document_number
    account = v1_me_account_retrieve.sync_detailed(client=person)
    assert account.status_code == 200
    statements = v1_me_statements_list.sync_detailed(client=person)
    assert [s.year for s in statements.parsed.results] == [STATEMENT_YEAR]
    pdf = v1_me_statements_pdf_retrieve.sync_detailed(client=person, year=STATEMENT_YEAR)
    assert pdf.status_code == 200 and pdf.parsed.payload.read().startswith(b"%PDF")

    # Anyone holding the paper checks it with the code printed on it.
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    verified = v1_statements_verify_retrieve.sync_detailed(client=anonymous, code=world.statement.verification_code)
    assert verified.status_code == 200 and verified.parsed.year == STATEMENT_YEAR
    assert isinstance(httpx.__version__, str)
