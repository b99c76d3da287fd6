"""Contribution reads over HTTP (issue 11, item 7): the employer's monthly notice (Art. 60) and a
person's own months (Art. 74), net of corrections, paid or not, determined months, scoping,
pagination, bad input; and that each read is served by an index of the partitioned line table."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection, transaction

from common.access import Kind, Viewer
from common.identifiers import mask_document
from contributions.models import Payment
from contributions.partitions import line_partition_name
from contributions.payments import payment_record
from contributions.selectors.lines import notice_rows, person_months_query
from tests.contributions.charges import portal_viewer
from tests.contributions.reads import amounts, determined, employer_part, file, individual_part, person_client
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def pay(employer, amount, paid_on=date(2026, 3, 20)):
    return payment_record(employer_id=employer.pk, bank_reference=f"R-{employer.pk}-{Payment.objects.count() + 1}",
                          amount=D(str(amount)), paid_on=paid_on, actor=portal_viewer(employer))[0]


# --- the employer's monthly notice ---------------------------------------------------------------

def test_notice_is_net_of_corrections_per_person_with_the_period_totals():
    employer = EmployerFactory()
    wang, li, zhao = PersonFactory(region=employer.region), PersonFactory(region=employer.region), \
        PersonFactory(region=employer.region)
    file(employer, JAN, {wang: "10000.00", li: "8000.00", zhao: "6000.00"})
    # The correction: Wang's base goes down by 2,000; Zhao was not on the roll (a negative line).
    file(employer, JAN, {wang: "-2000.00", zhao: "-6000.00"})
    file(employer, FEB, {wang: "99999.00"})  # another month: not in January's notice

    response = Portal(employer).get("/api/v1/employer/contributions", {"period": "2026-01"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == "2026-01" and body["employer"] == {"uscc": employer.uscc, "name": employer.name}
    rows = {r["name"]: r for r in body["results"]}
    assert set(rows) == {wang.name, li.name}  # Zhao's lines net to zero: not on the notice
    w = rows[wang.name]
    net = {c: amounts("10000.00")[c] + amounts("-2000.00")[c] for c in amounts(1)}
    assert w["base"] == "8000.00"
    assert w["amounts"] == {
        "pension": {"employer": str(net["pension_employer"]), "individual": str(net["pension_individual"])},
        "medical": {"employer": str(net["medical_employer"]), "individual": str(net["medical_individual"])},
        "unemployment": {"employer": str(net["unemployment_employer"]),
                         "individual": str(net["unemployment_individual"])},
        "work_injury": {"employer": str(net["work_injury_employer"])}}
    assert w["individual_total"] == str(individual_part("10000.00") + individual_part("-2000.00"))
    assert w["document_number"] == mask_document(wang.document_number) and "*" in w["document_number"]
    assert body["totals"]["base"] == "16000.00"
    assert D(body["totals"]["total"]) == sum(D(r["total"]) for r in body["results"])
    assert body["totals"]["employer_total"] == str(employer_part("8000.00") * 2)
    assert body["next"] is None and body["previous"] is None


def test_notice_pages_through_every_person_once_in_order():
    employer = EmployerFactory()
    persons = [PersonFactory(region=employer.region) for _ in range(5)]
    file(employer, JAN, {p: f"{6000 + i}.00" for i, p in enumerate(persons)})
    portal = Portal(employer)
    seen, url, params = [], "/api/v1/employer/contributions", {"period": "2026-01", "page_size": 2}
    pages = []
    while url:
        body = portal.get(url, params).json()
        pages.append(body)
        seen += [r["person_id"] for r in body["results"]]
        url, params = body["next"], None
    assert seen == sorted(p.pk for p in persons) and [len(p["results"]) for p in pages] == [2, 2, 1]
    assert all(p["totals"]["base"] == "30010.00" for p in pages)  # the period's totals on every page
    back = portal.get(pages[-1]["previous"]).json()
    assert [r["person_id"] for r in back["results"]] == seen[2:4]


def test_another_employers_portal_gets_nothing_of_this_one():
    employer, other = EmployerFactory(), EmployerFactory()
    wang = PersonFactory(region=employer.region)
    file(employer, JAN, {wang: "10000.00"})
    body = Portal(other).get("/api/v1/employer/contributions", {"period": "2026-01"}).json()
    assert body["results"] == [] and body["totals"]["total"] == "0.00"
    assert body["employer"]["uscc"] == other.uscc


@pytest.mark.parametrize("period", [None, "", "2026-13", "2026-1", "202601", "abcd-ef", "1900-01"])
def test_notice_refuses_a_missing_or_malformed_period(period):
    employer = EmployerFactory()
    response = Portal(employer).get("/api/v1/employer/contributions", {} if period is None else {"period": period})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["period"]


# --- a person's months ---------------------------------------------------------------------------

def test_person_months_are_net_newest_first_with_paid_unpaid_and_partly_paid():
    employer = EmployerFactory()
    me, colleague = PersonFactory(region=employer.region), PersonFactory(region=employer.region)
    _d, jan = file(employer, JAN, {me: "10000.00", colleague: "10000.00"})
    _d, feb = file(employer, FEB, {me: "10000.00", colleague: "10000.00"})
    file(employer, MAR, {me: "10000.00"})
    pay(employer, jan.amount + feb.amount / 2)  # January settled, February partly, March not at all

    body = person_client(me).get("/api/v1/me/contributions").json()

    assert [(m["period"], m["paid"]) for m in body["results"]] == [
        ("2026-03", False), ("2026-02", False), ("2026-01", True)]
    jan_row = body["results"][-1]
    assert jan_row["employer"] == {"uscc": employer.uscc, "name": employer.name} and jan_row["source"] == "declared"
    assert jan_row["base"] == "10000.00" and jan_row["individual_total"] == str(individual_part("10000.00"))
    assert jan_row["amounts"]["pension"]["individual"] == str(amounts("10000.00")["pension_individual"])
    pay(employer, feb.amount / 2)  # the rest of February; March still open
    body = person_client(me).get("/api/v1/me/contributions").json()
    assert [m["paid"] for m in body["results"]] == [False, True, True]


def test_a_correction_nets_the_month_and_its_charge_counts_for_paid():
    employer = EmployerFactory()
    me = PersonFactory(region=employer.region)
    _d, jan = file(employer, JAN, {me: "10000.00"})
    pay(employer, jan.amount)
    _d, up = file(employer, JAN, {me: "1000.00"})  # a correction upwards: a new charge, unpaid
    client = person_client(me)
    [month] = client.get("/api/v1/me/contributions").json()["results"]
    assert month["base"] == "11000.00" and month["paid"] is False
    pay(employer, up.amount)
    [month] = client.get("/api/v1/me/contributions").json()["results"]
    assert month["paid"] is True
    file(employer, JAN, {me: "-3000.00"})  # downwards: a credit, which owes nothing
    [month] = client.get("/api/v1/me/contributions").json()["results"]
    assert month["base"] == "8000.00" and month["paid"] is True
    file(employer, JAN, {me: "-8000.00"})  # taken off the roll: the month drops out
    assert client.get("/api/v1/me/contributions").json()["results"] == []


def test_confirmed_determined_months_count_and_pending_ones_do_not():
    employer = EmployerFactory()
    me = PersonFactory(region=employer.region)
    month = determined(employer, me, JAN, "9000.00")
    other = PersonFactory(region=employer.region)
    determined(employer, other, JAN, "9000.00", confirmed=False)
    file(employer, FEB, {me: "9000.00"})
    client = person_client(me)
    body = client.get("/api/v1/me/contributions").json()
    assert [(m["period"], m["source"], m["paid"]) for m in body["results"]] == [
        ("2026-02", "declared", False), ("2026-01", "determined", False)]
    jan = body["results"][1]
    assert jan["base"] == "9000.00" and jan["employer_total"] == str(employer_part("9000.00"))
    assert jan["amounts"]["work_injury"] == {"employer": str(amounts("9000.00")["work_injury_employer"])}
    pay(employer, month.charge.amount)  # the determined charge is the oldest: settled first
    body = client.get("/api/v1/me/contributions").json()
    assert [m["paid"] for m in body["results"]] == [False, True]
    assert person_client(other).get("/api/v1/me/contributions").json()["results"] == []  # pending: nothing


def test_a_person_sees_only_their_own_months_from_every_employer():
    first, second = EmployerFactory(), EmployerFactory()
    me, colleague = PersonFactory(region=first.region), PersonFactory(region=first.region)
    file(first, JAN, {me: "10000.00", colleague: "7000.00"})
    file(second, FEB, {me: "12000.00"})
    body = person_client(me).get("/api/v1/me/contributions").json()
    assert [(m["period"], m["employer"]["uscc"], m["base"]) for m in body["results"]] == [
        ("2026-02", second.uscc, "12000.00"), ("2026-01", first.uscc, "10000.00")]
    theirs = person_client(colleague).get("/api/v1/me/contributions").json()["results"]
    assert [(m["period"], m["base"]) for m in theirs] == [("2026-01", "7000.00")]


def test_person_months_page_by_period_within_from_and_to():
    employer = EmployerFactory()
    me = PersonFactory(region=employer.region)
    for month in range(1, 13):
        file(employer, date(2025, month, 1), {me: "8000.00"})
    determined(employer, me, date(2024, 12, 1), "8000.00")
    client = person_client(me)
    seen, url, params, pages = [], "/api/v1/me/contributions", {"page_size": 5}, []
    while url:
        body = client.get(url, params).json()
        pages.append(body)
        seen += [m["period"] for m in body["results"]]
        url, params = body["next"], None
    assert seen == [f"2025-{m:02d}" for m in range(12, 0, -1)] + ["2024-12"]
    assert pages[0]["previous"] is None and [len(p["results"]) for p in pages] == [5, 5, 3]
    back = client.get(pages[-1]["previous"]).json()
    assert [m["period"] for m in back["results"]] == seen[5:10] and back["next"] and back["previous"]
    ranged = client.get("/api/v1/me/contributions", {"from": "2025-03", "to": "2025-05"}).json()
    assert [m["period"] for m in ranged["results"]] == ["2025-05", "2025-04", "2025-03"]


@pytest.mark.parametrize(("params", "field"), [({"from": "2025-13"}, "from"), ({"to": "x"}, "to"),
                                               ({"from": "2025-06", "to": "2025-01"}, "from")])
def test_person_months_refuse_malformed_months(params, field):
    response = person_client(PersonFactory()).get("/api/v1/me/contributions", params)
    assert response.status_code == 400 and [e["field"] for e in response.json()["errors"]] == [field]


def test_a_cursor_that_is_not_ours_is_a_404_problem():
    response = person_client(PersonFactory()).get("/api/v1/me/contributions", {"cursor": "bm90LW91cnM"})
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_a_portal_is_not_a_person_and_a_person_is_not_a_portal():
    employer = EmployerFactory()
    me = PersonFactory(region=employer.region)
    assert Portal(employer).get("/api/v1/me/contributions").status_code == 403
    assert person_client(me).get("/api/v1/employer/contributions", {"period": "2026-01"}).status_code == 401


# --- the plans: an index of the partitioned table serves each read --------------------------------

def _line_scans(queryset) -> list[tuple[str, str]]:
    """How the planner reads the contribution lines for `queryset`: (node type, partition) per scan."""
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: ask whether an index serves
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    scans, nodes = [], [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name", "").startswith("contributions_contributionline"):
            scans.append((node["Node Type"], node["Relation Name"]))
    return scans


INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


def test_each_read_uses_an_index_of_its_partition_and_prunes_the_others():
    """Whatever index the planner picks (its choice on a 2-row table differs between PostgreSQL
    versions), an employer's notice for January 2026 touches only the 2026 partition, and every
    read goes through an index, never a scan of a whole partition."""
    employer = EmployerFactory()
    me = PersonFactory(region=employer.region)
    file(employer, date(2025, 12, 1), {me: "8000.00"})
    file(employer, JAN, {me: "8000.00"})
    viewer = portal_viewer(employer)
    notice = _line_scans(notice_rows(viewer, employer_id=employer.pk, period=JAN).filter(person_id__gt=0)[:51])
    assert {partition for _, partition in notice} == {line_partition_name(2026)}, notice
    assert notice and all(node in INDEX_SCANS for node, _ in notice), notice
    person = Viewer(Kind.PERSON, person_id=me.pk)
    months = _line_scans(person_months_query(person, person_id=me.pk, after=(JAN, 0, "declared"))[:51])
    # a person's months run across the years: every partition is read, each by its person index
    assert months and all(node in INDEX_SCANS for node, _ in months), months
