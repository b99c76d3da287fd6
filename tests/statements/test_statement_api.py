"""The person's statements over HTTP (free of charge), on-request statements, verification by code,
and the access log of staff looking at the person's record."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from statements.models import Delivery, Statement
from statements.snapshot import verification_code_display
from tests.agency.factories import OfficeFactory, clerk_user
from tests.builders import logged_in, person_client
from tests.employers.portal import Portal
from tests.insured.factories import PersonFactory
from tests.statements.world import YEAR, build, run_year

pytestmark = pytest.mark.django_db


def test_a_person_lists_reads_and_downloads_their_statement():
    w = build(paid_months=12)
    run_year()
    client = person_client(w.person)
    listed = client.get("/api/v1/me/statements").json()
    assert [s["year"] for s in listed["results"]] == [YEAR]
    assert listed["results"][0]["deliveries"][0]["channel"] == "email"

    body = client.get(f"/api/v1/me/statements/{YEAR}").json()
    assert body["person"]["name"] == "张伟" and body["account"]["closing"] == f"{w.account.balance:.2f}"
    assert body["months"][0]["amounts"]["pension"]["individual"] == "640.00"
    assert body["months"][0]["employer"] == {"uscc": w.employer.uscc, "name": w.employer.name}

    pdf = client.get(f"/api/v1/me/statements/{YEAR}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"%%EOF" in pdf.content[-10:]
    # The JSON operation answers JSON only as documented; asking it for a PDF is still answered (older portals).
    assert client.get(f"/api/v1/me/statements/{YEAR}", HTTP_ACCEPT="application/pdf").content == pdf.content
    assert client.get(f"/api/v1/me/statements/{YEAR}/pdf", HTTP_ACCEPT="application/json").status_code == 406

    missing = client.get(f"/api/v1/me/statements/{YEAR - 1}/pdf")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert "reprint" in json.loads(missing.content)["detail"]


def test_another_person_an_employer_and_a_clerk_do_not_read_it():
    w = build()
    run_year()
    assert person_client(PersonFactory()).get(f"/api/v1/me/statements/{YEAR}").status_code == 404
    assert Portal(w.employer).get(f"/api/v1/me/statements/{YEAR}").status_code == 403
    clerk = logged_in(clerk_user(OfficeFactory(region=w.person.region)))
    assert clerk.get("/api/v1/me/statements").status_code == 403


def test_asking_for_an_earlier_year_generates_it_once_and_sends_it_by_the_chosen_channel():
    w = build(delivery="post")
    client = person_client(w.person)
    first = client.post(f"/api/v1/me/statements/{YEAR}/reprint", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    assert first.json()["created"] is True and first.json()["delivery"]["channel"] == "post"
    replay = client.post(f"/api/v1/me/statements/{YEAR}/reprint", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 201 and replay.json() == first.json()
    again = client.post(f"/api/v1/me/statements/{YEAR}/reprint")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["delivery"] is None  # the letter is still waiting for its batch: not twice
    assert Statement.objects.filter(person=w.person).count() == 1
    assert Delivery.objects.filter(statement__person=w.person).count() == 1
    future = client.post("/api/v1/me/statements/2999/reprint")
    assert future.status_code == 400 and future.json()["errors"][0]["field"] == "year"


def test_anyone_verifies_a_statement_by_its_code_and_learns_nothing_more(settings):
    w = build()
    run_year()
    statement = Statement.objects.get(person=w.person)
    anonymous = Client()
    code = verification_code_display(statement.verification_code).lower()  # as typed from the paper
    found = anonymous.get("/api/v1/statements/verify", {"code": code})
    assert found.status_code == 200
    snap = json.loads(statement.snapshot)
    assert found.json() == {"year": YEAR, "name": "张**", "checksum": statement.checksum,
                            "months_in_year": snap["months_in_year"], "months_total": snap["months_total"],
                            "closing_balance": snap["account"]["closing"],
                            "employer_total": found.json()["employer_total"],
                            "individual_total": found.json()["individual_total"], "version": 1,
                            "status": "current", "superseded_by": None,
                            "message": f"核验通过：该记录单为{YEAR}年度现行有效版本。"}
    assert len(found.json()["checksum"]) == 64
    wrong = anonymous.get("/api/v1/statements/verify", {"code": "0" * 25})
    assert wrong.status_code == 404 and wrong["Content-Type"] == "application/problem+json"
    malformed = anonymous.get("/api/v1/statements/verify", {"code": "123"})
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["field"] == "code"


def test_guessing_codes_is_rate_limited(settings):
    settings.STATEMENT_VERIFY_RATE = "3/minute"
    cache.clear()
    anonymous = Client()
    answers = [anonymous.get("/api/v1/statements/verify", {"code": f"{n:025d}"}).status_code for n in range(5)]
    assert answers[:3] == [404, 404, 404] and answers[3:] == [429, 429]


def test_the_person_sees_which_clerk_looked_at_their_record():
    w = build()
    run_year()
    office = OfficeFactory(region=w.person.region, name="测试区社保中心")
    user = clerk_user(office)
    user.last_name, user.first_name = "王", "芳"
    user.save()
    clerk = Client()
    clerk.force_login(user)
    assert clerk.get(f"/admin/insured/insuredperson/{w.person.pk}/file/").status_code == 200
    statement = Statement.objects.get(person=w.person)
    assert clerk.get(f"/admin/statements/statement/{statement.pk}/pdf/").status_code == 200

    log = person_client(w.person).get("/api/v1/me/access-log").json()["results"]
    assert [(e["what"], e["staff"], e["office"]) for e in log] == [
        ("statement_printed", "王芳", "测试区社保中心"), ("person_file", "王芳", "测试区社保中心")]
    other = person_client(PersonFactory()).get("/api/v1/me/access-log").json()["results"]
    assert other == []
