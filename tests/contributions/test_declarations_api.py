"""POST/GET /api/v1/employer/declarations over HTTP with a real token: JSON and CSV, idempotent
retries, the problem listing bad rows, scoping, and a late declaration replacing an Art. 62 charge."""

from datetime import date, datetime
from decimal import Decimal as D
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agency.models import AverageWage
from contributions.models import Charge, ChargeKind, ContributionLine, Declaration
from contributions.tasks import provisional_assess_run
from insured.models import Employment
from tests.agency.factories import RegionFactory
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/employer/declarations"


@pytest.fixture
def setup():
    region = RegionFactory()
    AverageWage.objects.create(region=region, year=2026, monthly_wage=D("10000.00"), effective_from=date(2026, 1, 1))
    employer = EmployerFactory(region=region)
    people = [PersonFactory(region=region) for _ in range(2)]
    for p in people:
        Employment.objects.create(person=p, employer=employer, start_date=date(2025, 6, 1), monthly_wage=D("8000"))
    Employment.objects.update(created_at=timezone.make_aware(datetime(2025, 6, 1, 9, 0)))
    return employer, people, Portal(employer)


def body(people, wages=("8000.00", "3000.00"), period="2026-03"):
    return {"period": period, "rows": [{"document_number": p.document_number, "wage": w}
                                       for p, w in zip(people, wages, strict=True)]}


def on(day):
    return mock.patch("contributions.services.declarations.today_in_shanghai", return_value=day)


def test_json_declaration_answers_totals_clamped_rows_and_reads_back(setup):
    employer, people, portal = setup
    with on(date(2026, 3, 8)):
        response = portal.post(URL, body(people))
    assert response.status_code == 201, response.json()
    got = response.json()
    assert (got["period"], got["sequence"], got["rows"], got["late"], got["due_on"]) == \
        ("2026-03", 1, 2, False, "2026-03-15")
    assert got["clamped"] == [{"row": 2, "document_number": people[1].document_number, "wage": "3000.00",
                               "base": "6000.00", "bound": "floor"}]
    # 8000 + 6000 = 14000: pension 16% / 8%
    assert got["totals"]["pension"] == {"employer": "2240.00", "individual": "1120.00"}
    assert got["amount_due"] == got["difference"] and [c["amount"] for c in got["charges"]] == [got["amount_due"]]
    assert response["Location"] == f"{URL}/{got['id']}"
    detail = portal.get(f"{URL}/{got['id']}").json()
    assert {k: v for k, v in got.items() if k != "clamped"} == detail
    assert [d["id"] for d in portal.get(URL).json()["results"]] == [got["id"]]


def test_correction_shows_the_difference_overpaid(setup):
    _employer, people, portal = setup
    with on(date(2026, 3, 8)):
        first = portal.post(URL, body(people)).json()
        second = portal.post(URL, body(people, ("7000.00", "3000.00"))).json()
    assert second["sequence"] == 2 and D(second["difference"]) < 0
    assert D(second["amount_due"]) == D(first["amount_due"]) + D(second["difference"])
    assert [D(c["amount"]) for c in second["charges"]] == [D(second["difference"])]


def test_bad_rows_are_one_problem_in_chinese_and_nothing_is_stored(setup):
    _employer, people, portal = setup
    with on(date(2026, 3, 8)):
        response = portal.post(URL, {"period": "2026-03", "rows": [{"document_number": people[0].document_number,
                                                                     "wage": "-5"}]},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/declaration-invalid" and problem["total_errors"] == 2
    assert [(e["row"], e["field"], e["code"]) for e in problem["errors"]] == [
        (1, "wage", "not_positive"), (None, "rows", "missing")]
    assert not Declaration.objects.exists()
    for broken in ({"period": "2026-03"}, {"period": "2026-03", "rows": "x"}, [1, 2], {"rows": []}):
        with on(date(2026, 3, 8)):
            response = portal.post(URL, broken)
        assert response.status_code == 400, (broken, response.content)


def test_idempotent_retry_json_and_multipart_csv(setup):
    employer, people, portal = setup
    with on(date(2026, 3, 8)):
        first = portal.post(URL, body(people), key="decl-1")
        again = portal.post(URL, body(people), key="decl-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    csv = ("\ufeffdocument_number,wage\n" + "".join(f"{p.document_number},9000.00\n" for p in people)).encode()

    def upload():
        return portal.api.post(URL, {"period": "2026-03", "file": SimpleUploadedFile("roll.csv", csv, "text/csv")},
                               format="multipart", HTTP_IDEMPOTENCY_KEY="decl-2")

    with on(date(2026, 3, 8)):
        corrected = upload()
        replayed = upload()
    assert corrected.status_code == 201, corrected.json()
    assert replayed["Idempotent-Replayed"] == "true" and replayed.json() == corrected.json()
    assert corrected.json()["sequence"] == 2 and corrected.json()["source"] == "csv"
    assert Declaration.objects.filter(employer=employer).count() == 2


def test_another_employers_declaration_is_not_found(setup):
    employer, people, portal = setup
    with on(date(2026, 3, 8)):
        own = portal.post(URL, body(people)).json()
    other = Portal(EmployerFactory(region=employer.region))
    assert other.get(f"{URL}/{own['id']}").status_code == 404
    assert other.get(URL).json()["results"] == []
    with on(date(2026, 3, 8)):
        refused = other.post(URL, body(people))
    assert refused.status_code == 400
    assert {e["code"] for e in refused.json()["errors"]} == {"not_on_staff"}


def test_assessed_at_110_percent_then_declared_late_fee_runs_on_the_declared_amount(setup):
    employer, people, portal = setup
    with on(date(2026, 2, 5)):
        feb = portal.post(URL, body(people, period="2026-02")).json()
    assert provisional_assess_run(today=date(2026, 3, 11)).assessed == 1
    provisional = Charge.objects.get(employer=employer, kind=ChargeKind.PROVISIONAL)
    assert provisional.amount == (D(feb["amount_due"]) * D("1.10")).quantize(D("0.01"))
    with on(date(2026, 3, 25)):
        march = portal.post(URL, body(people, ("9000.00", "3000.00"))).json()
    assert march["late"] is True
    assert Charge.objects.filter(parent=provisional, kind=ChargeKind.PROVISIONAL_REVERSAL).exists()
    arrears = portal.get("/api/v1/employer/arrears", {"on": "2026-03-25"}).json()
    periods = {p["period"]: p for p in arrears["periods"]}
    row = periods["2026-03"]
    assert D(row["principal"]) == D(march["amount_due"]) and row["provisional"] is False
    assert row["days"] == 10  # March 16 .. 25: the fee runs from the original due day
    assert D(row["late_fee"]) == (D(march["amount_due"]) * D("0.0005") * 10).quantize(D("0.01"))
    assert ContributionLine.objects.filter(period=date(2026, 3, 1)).count() == 2


def test_a_large_json_body_is_taken_here_and_only_here(setup, settings):
    _employer, people, portal = setup
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000  # everywhere else
    settings.DECLARATION_JSON_MAX_BYTES = 100_000
    padding = [{"document_number": f"X{i}", "wage": "1.00"} for i in range(600)]  # about 25 KB
    with on(date(2026, 3, 8)):
        response = portal.post(URL, {"period": "2026-03", "rows": padding})
    assert response.status_code == 400 and response.json()["total_errors"] == 602  # read, then refused row by row
    response = portal.post("/api/v1/employer/enrolments", {"document_number": "x" * 20_000, "name": "x",
                                                           "start_date": "2026-03-01", "monthly_wage": "1.00"})
    assert response.status_code == 413
    settings.DECLARATION_JSON_MAX_BYTES = 20_000
    with on(date(2026, 3, 8)):
        response = portal.post(URL, {"period": "2026-03", "rows": padding})
    assert response.status_code == 413 and response.json()["type"] == "/problems/payload-too-large"


def test_a_declaration_without_totals_reads_as_zero(setup):
    from tests.contributions.charges import bare_declaration

    employer, _people, portal = setup
    declaration = bare_declaration(employer, date(2026, 1, 1), "10.00")
    body = portal.get(f"{URL}/{declaration.pk}").json()
    assert body["totals"]["pension"] == {"employer": "0.00", "individual": "0.00"}
    assert body["charges"] == []
