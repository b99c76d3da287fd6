"""The person's months show each month as employee or flexible (issue 28, item 6), in their own read and
in the pension index's months (transfers.amounts, composed from contributions.sql.person_month_rows)."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from flexible.tasks import flexible_charges_run
from insured.models import Employment
from tests.builders import person_client
from tests.contributions.reads import file
from tests.employers.factories import EmployerFactory
from tests.flexible.factories import collector_pays, enrolled, flexible_region, months_ago, person_in
from transfers.amounts import region_months

pytestmark = pytest.mark.django_db


def test_months_read_as_employee_or_flexible_and_count_in_the_region(shanghai):
    account = flexible_region(shanghai)
    person = person_in(shanghai)
    employer = EmployerFactory(region=shanghai)
    Employment.objects.create(person=person, employer=employer, start_date=months_ago(6),
                              end_date=months_ago(2).replace(day=28), monthly_wage=D("9000.00"))
    file(employer, months_ago(2), {person: "9000.00"})
    enrolled(person, start=months_ago(1), base="10000.00")
    flexible_charges_run()
    client = person_client(person)
    order = client.post("/api/v1/me/flexible-payment-orders", data="{}", content_type="application/json").json()
    collector_pays(account, order["reference"], order["amount"])
    answer = client.get("/api/v1/me/contributions")
    assert answer.status_code == 200, answer.content
    rows = answer.json()["results"]
    assert [(r["period"], r["insured_as"], r["source"]) for r in rows] == [
        (f"{months_ago(0):%Y-%m}", "flexible", "flexible"), (f"{months_ago(1):%Y-%m}", "flexible", "flexible"),
        (f"{months_ago(2):%Y-%m}", "employee", "declared")]
    latest = rows[0]
    assert latest["employer"] is None and latest["paid"] is True and latest["base"] == "10000.00"
    assert latest["amounts"]["pension"] == {"employer": "1200.00", "individual": "800.00"}
    assert rows[2]["employer"]["uscc"] == employer.uscc
    # paging with a cursor through a flexible month
    first = client.get("/api/v1/me/contributions?page_size=1").json()
    second = client.get(first["next"]).json()
    assert second["results"][0]["period"] == f"{months_ago(1):%Y-%m}"
    # the region's paid months (pension index, transfer amounts) count the flexible months once credited
    years = {(r["year"]): r["months"] for r in region_months(person_id=person.pk, region_id=shanghai.pk,
                                                                until=months_ago(0)).years}
    assert sum(years.values()) == 2  # the employer's month is not paid (no money): the two flexible months are
    json.dumps(rows)


def test_the_statement_snapshot_shows_flexible_months(shanghai):
    from datetime import date

    from common.access import Viewer
    from statements.apis import statement_body
    from statements.services.generation import _statement_generate_one

    flexible_region(shanghai)
    person = person_in(shanghai)
    past = date(2025, 11, 10)
    enrolled(person, start=date(2025, 10, 1), base="10000.00", today=past)
    flexible_charges_run(today=past)
    statement, _created = _statement_generate_one(person_id=person.pk, year=2025, actor=Viewer.system())
    body = statement_body(statement)
    assert [m["period"] for m in body["months"]] == ["2025-10", "2025-11"]
    month = body["months"][-1]
    assert month["insured_as"] == "flexible" and month["employer"] is None and month["paid"] is False
    assert month["amounts"]["pension"] == {"employer": "1200.00", "individual": "800.00"}
