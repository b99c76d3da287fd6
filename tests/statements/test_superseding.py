"""A statement whose year changed after it was issued is reissued (issue 23, item 3): a new version,
delivered by the person's channel with what changed; the old code verifies as superseded; the
person's list shows both; nothing is reissued twice."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.services.ledger import account_correction_post
from common.access import Viewer
from insured.models import InsuredPerson
from statements.changes import snapshot_changes
from statements.models import Delivery, DeliveryState, Statement, StatementEvent, StatementEventKind, SupersedeSweep
from statements.services.superseding import statement_supersede_sweep
from statements.snapshot import verification_code_display
from tests.builders import clerk, person_client
from tests.statements.world import YEAR, build, emails_send, file, run_year

pytestmark = pytest.mark.django_db


def _sweep():
    return statement_supersede_sweep(actor=Viewer.system())


def test_a_clerks_correction_reissues_the_year_delivers_it_and_the_old_code_verifies_as_superseded():
    w = build(paid_months=12)
    run_year()
    v1 = Statement.objects.get(person=w.person, year=YEAR)
    mail.outbox.clear()
    first = _sweep()  # nothing changed since the run: nothing reissued
    assert first.reissued == 0 and Statement.objects.filter(person=w.person).count() == 1

    reviewer = clerk(w.employer.region, groups=("reviewer",))
    account_correction_post(account=w.account, amount=D("-100.00"), reason="三月个人缴费记账有误",
                            contribution_month=date(YEAR, 3, 1), actor=reviewer)
    sweep = _sweep()
    assert sweep.state == "done" and sweep.reissued == 1

    v2 = Statement.objects.get(person=w.person, year=YEAR, version=2)
    assert v2.supersedes_id == v1.pk and v2.verification_code != v1.verification_code
    old, new = json.loads(v1.snapshot), json.loads(v2.snapshot)
    assert D(new["account"]["corrections"]) == D("-100.00")
    assert D(new["account"]["closing"]) == D(old["account"]["closing"]) - D("100.00")
    event = StatementEvent.objects.get(statement=v2, kind=StatementEventKind.SUPERSEDED)
    assert "个人账户期末余额" in "".join(event.detail["changes"])

    # delivered by the person's channel (e-mail here), saying what changed
    delivery = Delivery.objects.get(statement=v2)
    assert delivery.channel == "email" and delivery.state == DeliveryState.PENDING
    emails_send()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "第2版" in body and "个人账户期末余额" in body and "更正版" in mail.outbox[0].subject

    # the old code verifies as superseded by the new one; the new one as current
    cache.clear()
    answer = Client().get("/api/v1/statements/verify", {"code": v1.verification_code}).json()
    assert answer["status"] == "superseded" and answer["version"] == 1
    assert answer["superseded_by"] == verification_code_display(v2.verification_code)
    assert verification_code_display(v2.verification_code) in answer["message"]
    current = Client().get("/api/v1/statements/verify", {"code": v2.verification_code}).json()
    assert current["status"] == "current" and current["superseded_by"] is None and current["version"] == 2

    # the person's list shows both, the new one current
    client = person_client(w.person)
    listed = client.get("/api/v1/me/statements").json()["results"]
    assert [(s["year"], s["version"], s["current"]) for s in listed] == [(YEAR, 2, True), (YEAR, 1, False)]
    assert listed[1]["superseded_by"] == verification_code_display(v2.verification_code)
    assert listed[0]["changes"] == event.detail["changes"] and listed[1]["changes"] == []
    assert client.get(f"/api/v1/me/statements/{YEAR}").json()["version"] == 2
    page = client.get("/me/statements/").content.decode()
    assert "第 2 版（现行有效）" in page and "已被新版取代" in page

    # run again: nothing twice
    again = _sweep()
    assert again.pk != sweep.pk and again.reissued == 0
    assert Statement.objects.filter(person=w.person, year=YEAR).count() == 2
    assert Delivery.objects.filter(statement=v2).count() == 1
    emails_send()
    assert len(mail.outbox) == 1


def test_a_late_correction_filing_for_a_month_of_the_year_reissues_it():
    w = build(paid_months=12, delivery="online")
    run_year()
    file(w.employer, date(YEAR, 5, 1), {w.person: "-1000.00"})  # a correction filing lowers May's base
    assert _sweep().reissued == 1
    v2 = Statement.objects.get(person=w.person, year=YEAR, version=2)
    assert Delivery.objects.get(statement=v2).state == DeliveryState.PUBLISHED  # online: at once
    changes = StatementEvent.objects.get(statement=v2, kind=StatementEventKind.SUPERSEDED).detail["changes"]
    assert any(line.startswith("缴费记录有变化的月份：") and f"{YEAR}-05" in line for line in changes)


def test_a_change_of_another_year_or_person_reissues_nothing():
    w = build(paid_months=12)
    other = build(paid_months=12)
    run_year()
    reviewer = clerk(w.employer.region, groups=("reviewer",))
    # a correction posted now, of no month of the statement's year: it belongs to this year
    account_correction_post(account=w.account, amount=D("10.00"), reason="利息更正", actor=reviewer)
    assert _sweep().reissued == 0
    assert Statement.objects.filter(person__in=[w.person, other.person], version__gt=1).count() == 0


def test_a_killed_sweep_is_resumed_and_finishes_once():
    w = build(paid_months=12)
    run_year()
    _sweep()
    reviewer = clerk(w.employer.region, groups=("reviewer",))
    account_correction_post(account=w.account, amount=D("-50.00"), reason="更正", contribution_month=date(YEAR, 4, 1),
                            actor=reviewer)
    # a sweep that wrote its candidates and died before checking them
    from statements.services.superseding import _sweep_open

    opened = _sweep_open(Viewer.system())
    assert opened.state == "running" and opened.candidates == 1
    resumed = _sweep()
    assert resumed.pk == opened.pk and resumed.state == "done" and resumed.reissued == 1
    assert SupersedeSweep.objects.filter(state="running").count() == 0
    assert Statement.objects.filter(person=w.person, year=YEAR).count() == 2


def test_what_changed_is_said_in_chinese_and_equal_figures_say_nothing():
    w = build(paid_months=12)
    run_year()
    snap = json.loads(Statement.objects.get(person=w.person, year=YEAR).snapshot)
    same = {**snap, "generated_on": "2030-01-01", "code": "X", "channel": "post",
            "person": {**snap["person"], "status": "closed"}}
    assert snapshot_changes(snap, same) == []
    moved = {**snap, "months_in_year": snap["months_in_year"] - 1,
             "arrears": {"months": 1, "amount": "100.00"}}
    lines = snapshot_changes(snap, moved)
    assert lines[0] == f"本年缴费月数：{snap['months_in_year']} 个月 → {snap['months_in_year'] - 1} 个月"
    assert lines[1].startswith("欠缴：0 个月")
    assert InsuredPerson.objects.filter(pk=w.person.pk).exists()
