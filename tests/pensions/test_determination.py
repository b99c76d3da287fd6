"""The determination at retirement (issue 27, items 5 and 6), pinned on a hand-computed man.

The man born 1964-06-15 (original age 60, before the 2024 decision's delay) retires in 2024-06 at 60 years
0 months (divisor 139). He paid 2022 at base 6000 against an average wage of 8000 (index 0.75 x 12) and 2023
at 9000 against 9000 (1.0 x 12), crediting 480 and 720 a month, and has 180 deemed months. Region 2024:
benefit base 10,000.00, coefficient 1.2%, a supplement of 50.00. Index 0.8750, 204 months counted:
  basic        (10000 + 8750) / 2 x 204/12 x 1%  = 1,593.75
  transitional 8750 x 180/12 x 1.2%              = 1,575.00
  account      balance at retirement / 139 (the balance is 14,400.00 plus the interest credited up to
               2024-06 when the determination is opened)
With only the 2023 base published (9,000.00, 1.2%): indexed wage 7,875.00, basic (9000 + 7875) / 2 x 17%
= 1,434.38 (1,434.375 half-up), transitional 7875 x 15 x 1.2% = 1,417.50: provisional. Once 2024's is
published the job redetermines: +159.37 + 157.50 = 316.87 a month more, owed for every month since 2024-06.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import TestCase

from accounts.models import AccountEntry, EntryKind, PensionAccount
from agency.deadlines import today_in_shanghai
from agency.models import Deadline
from common.problems import ApplicationError, Forbidden, NotFound
from insured.models import InsuranceRelationship, RelationshipEvent
from insured.models import OriginalRetirementAge as Age
from pensions.estimate import months_between
from pensions.models import Determination, DeterminationKind, DeterminationTerms, PensionEvent
from pensions.services.deemed import deemed_service_record
from pensions.services.determination import (
    birth_months_retiring_in,
    determination_approve,
    determination_open,
    determinations_due_open,
)
from pensions.tasks import redeterminations_run
from tests.builders import clerk
from tests.concurrency import run_together
from tests.pensions import factories as f
from tests.transfers.factories import region

RETIRED = date(2024, 6, 1)


def _deemed(person, months):
    return deemed_service_record(person=person, months=months, actor=f.SYSTEM,
                                 voucher=SimpleUploadedFile("档案.pdf", b"%PDF-1.4 deemed", "application/pdf"))


def _man(city, *, born=date(1964, 6, 15), seq=11, deemed=180):
    person = f.person(city, born=born, sex="M", category=Age.MEN_60, seq=seq)
    employer = f.employer(city)
    f.paid(person, employer, date(2022, 1, 1), date(2022, 12, 1), base="6000.00", credit="480.00")
    f.paid(person, employer, date(2023, 1, 1), date(2023, 12, 1), base="9000.00", credit="720.00")
    if deemed:
        _deemed(person, deemed)
    InsuranceRelationship.objects.create(person=person, region=city, state="active", opened_on=date(2022, 1, 1),
                                         state_since=date(2022, 1, 1))
    return person


def _region(code, name):
    city = region(code, name, "Zhejiang")
    f.wage(city, 2022, "8000.00")
    f.wage(city, 2023, "9000.00")
    return city


@pytest.fixture
def city():
    return _region("330100", "杭州市")


@pytest.fixture
def man(city):
    f.benefit(city, 2024, "10000.00", "1.20")
    f.supplement(city, 2024, "地方补贴", "50.00")
    return _man(city)


def _parts(row):
    return {p["key"]: D(p["amount"]) for p in row.parts}


def _problem(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


@pytest.mark.django_db
def test_the_determination_is_itemised_and_approved_by_a_second_clerk(city, man):
    # the proposer holds the approval permission too: four eyes refuses him all the same
    proposer, approver = clerk(city, ("clerk", "reviewer")), clerk(city, ("clerk", "reviewer"))
    row = determination_open(person=man, actor=proposer)
    assert (row.retirement_month, row.age_years, row.age_months) == (RETIRED, 60, 0)
    assert (row.index, row.months_paid, row.months_deemed, row.divisor) == (D("0.8750"), 24, 180, D("139"))
    assert row.balance >= D("14400.00") and not row.provisional
    parts = _parts(row)
    assert parts["basic"] == D("1593.75") and parts["transitional"] == D("1575.00")
    assert parts["supplements"] == D("50.00")
    assert parts["account"] == (row.balance / 139).quantize(D("0.01"))
    assert row.total == sum(parts.values())
    # each part carries its inputs, with sources
    basic = next(p for p in row.parts if p["key"] == "basic")
    assert {i["key"] for i in basic["inputs"]} >= {"benefit_base", "index"}
    assert next(i for i in basic["inputs"] if i["key"] == "benefit_base")["source"] == f.SOURCE

    # four eyes: the proposer cannot approve (403 problem)
    refused = _problem(lambda: determination_approve(determination=row, actor=proposer))
    assert (refused.status, refused.type_slug) == (403, "pension-four-eyes")

    mail.outbox.clear()
    man.statement_delivery, man.email = "email", "man@example.com"
    man.save(update_fields=["statement_delivery", "email"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        approved = determination_approve(determination=row, actor=approver)
    assert approved.state == "approved" and approved.letter_channel == "email"
    account = PensionAccount.objects.get(person=man)
    assert account.balance == 0 and account.closed_on == today_in_shanghai()
    payout = AccountEntry.objects.get(account=account, kind=EntryKind.PAYOUT)
    assert payout.amount == -row.balance and payout.source_key == f"pension:{row.pk}"
    relationship = InsuranceRelationship.objects.get(person=man)
    assert relationship.state == "pension"
    assert RelationshipEvent.objects.filter(relationship=relationship, kind="retirement").count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["man@example.com"]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    assert set(PensionEvent.objects.filter(person=man).values_list("kind", flat=True)) >= {
        "proposed", "approved", "letter"}
    # decided once
    again = _problem(lambda: determination_open(person=man, actor=approver))
    assert again.type_slug == "pension-already-determined"


@pytest.mark.django_db
def test_no_determination_before_the_retirement_month(city):
    f.benefit(city, 2030, "10000.00")
    young = _man(city, born=date(1970, 3, 2), seq=12)
    refused = _problem(lambda: determination_open(person=young, actor=clerk(city)))
    assert (refused.status, refused.type_slug) == (409, "pension-before-retirement")
    assert refused.extra["retirement_month"] > f"{today_in_shanghai():%Y-%m}"


@pytest.mark.django_db
def test_below_the_minimum_years_the_refund_path(city):
    f.benefit(city, 2024, "10000.00")
    short = _man(city, seq=13, deemed=0)  # 24 months paid, 180 needed
    refused = _problem(lambda: determination_open(person=short, actor=clerk(city)))
    assert refused.type_slug == "pension-below-minimum"
    assert (refused.extra["months_counted"], refused.extra["minimum_months"]) == (24, 180)
    assert refused.extra["refund"] == "/api/v1/me/refunds"
    assert not Determination.objects.exists()


@pytest.mark.django_db
def test_a_missing_parameter_is_named_not_guessed(city):
    # no benefit base for 2024 nor any earlier year
    person = _man(city, seq=14)
    refused = _problem(lambda: determination_open(person=person, actor=clerk(city)))
    assert refused.type_slug == "pension-parameter-missing"
    assert [m["key"] for m in refused.extra["missing"]] == ["benefit_base:330100:2024"]


@pytest.mark.django_db
def test_records_elsewhere_are_consolidated_first(city, man):
    other = _region("320500", "苏州市")
    InsuranceRelationship.objects.create(person=man, region=other, state="suspended", opened_on=date(2010, 1, 1),
                                         state_since=date(2012, 1, 1))
    refused = _problem(lambda: determination_open(person=man, actor=clerk(city)))
    assert (refused.status, refused.type_slug) == (409, "pension-consolidate-first")
    assert refused.extra["regions"] == [{"code": "320500", "name": "苏州市", "why": "relationship"}]
    assert "苏州市" in refused.detail


@pytest.mark.django_db
def test_a_clerk_of_another_region_can_neither_open_nor_approve(city, man):
    other = _region("320500", "苏州市")
    with pytest.raises(NotFound):
        determination_open(person=man, actor=clerk(other, ("clerk", "reviewer")))
    row = determination_open(person=man, actor=clerk(city))
    with pytest.raises(NotFound):
        determination_approve(determination=row, actor=clerk(other, ("clerk", "reviewer")))
    # a clerk without the reviewer's permission may not approve
    with pytest.raises(Forbidden):
        determination_approve(determination=row, actor=clerk(city))
    Determination.objects.get(pk=row.pk, state="proposed")


@pytest.mark.django_db
def test_a_provisional_base_is_redetermined_as_a_new_determination(city):
    f.benefit(city, 2023, "9000.00", "1.20")
    person = _man(city, seq=15)
    row = determination_open(person=person, actor=clerk(city))
    assert row.provisional and row.benefit.year == 2023
    assert _parts(row)["basic"] == D("1434.38") and _parts(row)["transitional"] == D("1417.50")
    determination_approve(determination=row, actor=clerk(city, ("clerk", "reviewer")))
    assert redeterminations_run() == 0  # 2024's base is not published yet
    f.benefit(city, 2024, "10000.00", "1.20")
    assert redeterminations_run() == 1
    assert redeterminations_run() == 0  # resumable: done once
    new = Determination.objects.get(kind=DeterminationKind.REDETERMINATION)
    old = Determination.objects.get(pk=row.pk)
    assert old.total == row.total and old.state == "approved"  # never updated
    assert new.previous_id == row.pk and not new.provisional and new.benefit.year == 2024
    assert _parts(new)["basic"] == D("1593.75") and _parts(new)["transitional"] == D("1575.00")
    assert new.difference == D("316.87") == new.total - old.total
    months = months_between(RETIRED, today_in_shanghai()) + 1
    assert (new.months_owed, new.amount_owed) == (months, D("316.87") * months)


@pytest.mark.django_db
def test_those_due_next_month_are_on_the_workbench(city):
    f.benefit(city, 2024, "10000.00")
    due = _man(city, seq=16)
    assert date(1964, 6, 1) in birth_months_retiring_in(RETIRED)[Age.MEN_60]
    assert determinations_due_open(month=RETIRED, actor=f.SYSTEM) == 1
    assert determinations_due_open(month=RETIRED, actor=f.SYSTEM) == 0  # run again: nothing twice
    deadline = Deadline.objects.get(rule="pension_determination")
    assert deadline.subject_id == due.pk and deadline.region_id == city.pk
    row = determination_open(person=due, actor=clerk(city))
    determination_approve(determination=row, actor=clerk(city, ("clerk", "reviewer")))
    deadline.refresh_from_db()
    assert deadline.closed_at is not None


@pytest.mark.django_db
def test_the_determination_clock_is_the_regions_terms(city):
    """Issue 27: the clock is the region's DeterminationTerms (45 calendar days where it set none)."""
    other = _region("330200", "宁波市")
    DeterminationTerms.objects.create(region=other, determination_days=30)
    _man(city, seq=17)
    _man(other, seq=18)
    assert determinations_due_open(month=RETIRED, actor=f.SYSTEM) == 2
    today = today_in_shanghai()
    due = {d.region_id: (d.due_on - today).days for d in Deadline.objects.filter(rule="pension_determination")}
    assert due == {city.pk: 45, other.pk: 30}

@pytest.mark.django_db(transaction=True)
def test_decided_once_under_a_race(city):
    with transaction.atomic():  # the factories lock the account as the services do
        f.benefit(city, 2024, "10000.00", "1.20")
        man = _man(city)
    first, second = clerk(city), clerk(city)
    results = run_together(lambda: determination_open(person=man, actor=first),
                           lambda: determination_open(person=man, actor=second))
    made = [r for r in results if isinstance(r, Determination)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(made) == 1 and len(refused) == 1 and refused[0].type_slug == "pension-already-determined"
    approvers = clerk(city, ("clerk", "reviewer")), clerk(city, ("clerk", "reviewer"))
    row = made[0]
    results = run_together(*(lambda a=a: determination_approve(determination=row, actor=a) for a in approvers))
    assert sum(isinstance(r, Determination) for r in results) == 1
    assert AccountEntry.objects.filter(kind=EntryKind.PAYOUT, source_key=f"pension:{row.pk}").count() == 1


@pytest.mark.django_db
def test_the_person_reads_their_determination_and_its_letter(city, man):
    from tests.builders import person_client

    client = person_client(man)
    assert client.get("/api/v1/me/pension-determination").status_code == 404
    row = determination_open(person=man, actor=clerk(city))
    assert client.get("/api/v1/me/pension-determination").status_code == 404  # proposed is not decided
    determination_approve(determination=row, actor=clerk(city, ("clerk", "reviewer")))
    response = client.get("/api/v1/me/pension-determination")
    body = response.json()
    assert body["total"] == f"{row.total:.2f}" and body["retirement_month"] == "2024-06"
    assert [p["key"] for p in body["parts"]] == ["basic", "account", "transitional", "supplements"]
    assert body["parts"][0]["amount"] == "1593.75" and body["benefit_base"] == "10000.00"
    pdf = client.get("/api/v1/me/pension-determination/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # another person sees nothing of it
    other = _man(city, seq=17)
    assert person_client(other).get("/api/v1/me/pension-determination").status_code == 404


@pytest.mark.django_db
def test_the_clerks_open_and_approve_in_the_admin(city, man):
    from tests.builders import logged_in

    proposer, approver = clerk(city, ("clerk", "reviewer")), clerk(city, ("clerk", "reviewer"))
    opening = logged_in(proposer).get("/admin/pensions/determination/add/").content.decode()
    assert 'value="Propose the determination"' in opening and 'value="Save"' not in opening
    page = logged_in(proposer).post("/admin/pensions/determination/add/",
                                    {"document_number": man.document_number.lower()})
    assert page.status_code == 302, page.content.decode()[:2000]
    row = Determination.objects.get(person=man)
    change = f"/admin/pensions/determination/{row.pk}/change/"
    shown = logged_in(approver).get(change).content.decode()
    assert "1593.75" in shown and f.SOURCE in shown  # the parts with their inputs and sources
    assert "Approve the pension determination" in shown  # not "Change": it is approved, never edited
    assert 'value="Approve the determination"' in shown and 'value="Save"' not in shown  # the button says so
    in_chinese = logged_in(approver, HTTP_ACCEPT_LANGUAGE="zh-hans").get(change).content.decode()
    assert 'value="核定"' in in_chinese and 'value="保存"' not in in_chinese
    assert '<div class="readonly">2024-06</div>' in shown and "2024-06-01" not in shown  # a month, not a day
    refused = logged_in(proposer).post(change, {"confirm": "on"})
    assert refused.status_code == 200 and Determination.objects.get(pk=row.pk).state == "proposed"
    assert logged_in(approver).post(change, {"confirm": "on"}).status_code == 302
    assert Determination.objects.get(pk=row.pk).state == "approved"


@pytest.mark.django_db
def test_the_clerks_determine_at_the_terminal_and_a_refusal_prints_its_problem(city, man):
    """`manage.py pension_determine` (common.commands.ClerkCommand, the shape dispute_correct shares): the
    clerk named acts through the services; four eyes and scope hold as in the admin."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    from tests.builders import user_of

    proposer, approver = clerk(city, ("clerk", "reviewer")), clerk(city, ("clerk", "reviewer"))
    stranger = clerk(_region("330200", "宁波市"), ("clerk", "reviewer"))
    with pytest.raises(CommandError, match="no active staff login 'nobody'"):
        call_command("pension_determine", man.document_number, "--clerk", "nobody")
    out = StringIO()
    call_command("pension_determine", man.document_number.lower(), "--clerk", user_of(proposer).username, stdout=out)
    assert "proposed: 2024-06, 60 years 0 months" in out.getvalue() and "basic 1593.75" in out.getvalue()
    with pytest.raises(CommandError, match="^403 pension-four-eyes: "):
        call_command("pension_determine", man.document_number, "--approve", "--clerk", user_of(proposer).username)
    with pytest.raises(CommandError, match="^404 "):  # another region's clerk does not find it
        call_command("pension_determine", man.document_number, "--approve", "--clerk", user_of(stranger).username)
    assert Determination.objects.get(person=man).state == "proposed"
    call_command("pension_determine", man.document_number, "--approve", "--clerk", user_of(approver).username,
                 stdout=StringIO())
    assert Determination.objects.get(person=man).state == "approved"
