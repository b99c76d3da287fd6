"""Suspension and the three steps of a transfer, called as the admin, the API and tasks call them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from accounts.models import AccountEntry, EntryKind, PensionAccount
from agency.deadlines import today_in_shanghai
from agency.models import CalendarDay, CalendarYear, Deadline, DeadlineState, Province
from agency.workdays import add_working_days
from common.access import Viewer, scope
from common.display import message_render
from common.identifiers import mask_document
from common.problems import Conflict, Forbidden, NotFound, ValidationFailed
from insured.models import (
    Decision,
    Employment,
    EventKind,
    InsuranceRelationship,
    RelationshipEvent,
    RelationshipState,
)
from tests.builders import clerk, person_viewer, portal
from tests.problems import refused_in_chinese
from tests.transfers.factories import enrol, months_between, mover, paid_months, rates, region
from transfers.amounts import region_months
from transfers.models import Suspension, TemporaryAccount, Transfer, TransferEvent, TransferKind, TransferState
from transfers.rules import temporary_account_applies
from transfers.selectors import contribution_certificate
from transfers.services.suspensions import (
    suspension_apply,
    suspension_approve,
    suspension_reject,
)
from transfers.services.transfers import (
    transfer_accept,
    transfer_apply,
    transfer_complete,
    transfer_form_record,
    transfer_funds_record,
    transfer_out,
    transfer_refuse,
)
from transfers.terms import TransferRule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _old_interest_rates():
    """The seeded rates start in 2016; the years before stand in for those credited long ago."""
    rates(*[(y, "3.00") for y in range(1995, 2016)])


def deadline_of(transfer_or_item, rule):
    return Deadline.objects.get(subject_type=ContentType.objects.get_for_model(transfer_or_item),
                                subject_id=transfer_or_item.pk, rule=rule)


# --- suspension -------------------------------------------------------------------------------------

def test_a_person_applies_and_a_clerk_approves_the_suspension_which_keeps_the_account(shanghai):
    m = mover(shanghai, region("320102", "玄武区", "江苏省"), enrol_new=False)
    relationship = InsuranceRelationship.objects.get(person=m.person, region=shanghai)
    assert relationship.state == RelationshipState.SUSPENDED  # the staff reduction's path ...
    reduction_event = RelationshipEvent.objects.filter(person=m.person, kind=EventKind.SUSPENSION).get()
    assert reduction_event.decision == Decision.EFFECTIVE  # ... writes the SUSPENSION kind, effective at once
    # A person who contributes without an employer (flexible employment) stays active: applies to suspend.
    InsuranceRelationship.objects.filter(pk=relationship.pk).update(state=RelationshipState.ACTIVE)
    suspension = suspension_apply(region=shanghai, reason="job_transfer", actor=person_viewer(m.person),
                                  channel="api", note="调往南京工作")
    assert suspension.state == Decision.PENDING
    assert suspension.request_event.kind == EventKind.SUSPENSION  # the same kind as the reduction's
    deadline = deadline_of(suspension, TransferRule.SUSPENSION_REVIEW)
    assert deadline.region == shanghai and deadline.working_days and deadline.days == 15

    approved = suspension_approve(suspension=suspension, actor=clerk(shanghai), channel="admin")
    assert approved.state == Decision.CONFIRMED
    relationship.refresh_from_db()
    assert relationship.state == RelationshipState.SUSPENDED
    decision = RelationshipEvent.objects.get(decides=suspension.request_event)
    assert decision.kind == EventKind.SUSPENSION and decision.decision == Decision.CONFIRMED
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.MET
    with pytest.raises(Conflict) as again:
        suspension_approve(suspension=suspension, actor=clerk(shanghai), channel="admin")
    assert again.value.type_slug == "already-decided"


def test_suspension_needs_no_open_employment_in_the_region(shanghai):
    m = mover(shanghai, region("320102", "玄武区", "江苏省"), enrol_new=False)
    enrol(m.old_employer, m.number, "李明", date(2026, 8, 3))  # back on a roll in the region: active
    with pytest.raises(Conflict) as refused:
        suspension_apply(region=shanghai, reason="other", actor=person_viewer(m.person), channel="api")
    assert refused.value.status == 409 and refused.value.type_slug == "open-employment"
    assert "reduce staff" in refused.value.detail
    assert not Suspension.objects.exists()


def test_a_suspended_relationship_is_not_suspended_again_and_gets_its_certificate(shanghai):
    m = mover(shanghai, region("320102", "玄武区", "江苏省"), enrol_new=False)
    with pytest.raises(Conflict) as refused:
        suspension_apply(region=shanghai, reason="other", actor=person_viewer(m.person), channel="api")
    assert refused.value.type_slug == "relationship-not-active"
    paid_months(m.person, m.old_employer, months_between(date(2025, 1, 1), date(2025, 12, 1)), base="6000.00")
    certificate = contribution_certificate(person_viewer(m.person), region_code="310101").as_dict()
    assert certificate["months_of_contribution"] == 12 and certificate["years"] == 1
    assert certificate["bases_total"] == "72000.00" and certificate["account_balance"] == "4800.00"
    assert certificate["by_year"] == [{"year": 2025, "months": 12, "bases": "72000.00"}]
    with pytest.raises(NotFound):  # another person sees nothing of it
        contribution_certificate(Viewer(person_viewer(m.person).kind, person_id=m.person.pk + 999),
                                 region_code="310101")


def test_a_clerk_rejects_with_a_reason_and_other_regions_cannot_decide(shanghai, beijing):
    m = mover(shanghai, beijing, enrol_new=False)
    InsuranceRelationship.objects.filter(person=m.person).update(state=RelationshipState.ACTIVE)
    suspension = suspension_apply(region=shanghai, reason="study_abroad", actor=clerk(shanghai), channel="admin",
                                  person=m.person)
    with pytest.raises(NotFound):
        suspension_approve(suspension=suspension, actor=clerk(beijing), channel="admin")
    with pytest.raises(Forbidden):
        suspension_approve(suspension=suspension, actor=clerk(shanghai, groups=("auditor",)), channel="admin")
    with pytest.raises(Forbidden):
        suspension_approve(suspension=suspension, actor=person_viewer(m.person), channel="api")
    with pytest.raises(ValidationFailed):
        suspension_reject(suspension=suspension, actor=clerk(shanghai), channel="admin", note=" ")
    rejected = suspension_reject(suspension=suspension, actor=clerk(shanghai), channel="admin", note="材料不全")
    assert rejected.state == Decision.REJECTED
    assert InsuranceRelationship.objects.get(person=m.person).state == RelationshipState.ACTIVE
    with pytest.raises(Forbidden):  # a clerk files at the counter of their own region only
        suspension_apply(region=shanghai, reason="other", actor=clerk(beijing), channel="admin", person=m.person)


def test_suspension_refusals_name_their_field_and_a_decision_records_who_and_why(shanghai):
    m = mover(shanghai, region("320102", "玄武区", "江苏省"), enrol_new=False)
    InsuranceRelationship.objects.filter(person=m.person, region=shanghai).update(state=RelationshipState.ACTIVE)
    viewer = person_viewer(m.person)
    with pytest.raises(ValidationFailed) as bad:
        suspension_apply(region=shanghai, reason="bored", actor=viewer, channel="api")
    assert [(e["field"], e["code"]) for e in bad.value.errors] == [("reason", "invalid_choice")]
    with pytest.raises(NotFound) as nowhere:
        suspension_apply(region=region("440106", "天河区", "广东省"), reason="other", actor=viewer, channel="api")
    assert [(e["field"], e["code"]) for e in nowhere.value.errors] == [("region", "no_relationship")]
    first = suspension_apply(region=shanghai, reason="other", actor=viewer, channel="api", note="出国")
    assert (first.person_id, first.region_id, first.reason, first.note) == (m.person.pk, shanghai.pk, "other", "出国")
    with pytest.raises(Conflict) as again:
        suspension_apply(region=shanghai, reason="other", actor=viewer, channel="api")
    assert (again.value.type_slug, again.value.status) == ("duplicate-suspension", 409)
    reviewer = clerk(shanghai)
    suspension_approve(suspension=first, actor=reviewer, channel="admin")
    first.refresh_from_db()
    assert first.decided_by_id == reviewer.user_id and first.decided_at is not None
    assert first.decision_note == "Suspended on application; account kept."
    decision = RelationshipEvent.objects.get(decides=first.request_event)
    assert (decision.channel, decision.note, decision.actor_user_id) == (
        "admin", "Suspended on application; account kept.", reviewer.user_id)

    InsuranceRelationship.objects.filter(person=m.person, region=shanghai).update(state=RelationshipState.ACTIVE)
    second = suspension_apply(region=shanghai, reason="other", actor=viewer, channel="api")
    rejected = suspension_reject(suspension=second, actor=reviewer, channel="admin", note="材料不全")
    rejected.refresh_from_db()
    assert (rejected.decision_note, rejected.decided_by_id) == ("材料不全", reviewer.user_id)
    assert RelationshipEvent.objects.get(decides=second.request_event).note == "材料不全"


def test_an_open_employment_refuses_the_suspension_on_the_region(shanghai):
    m = mover(shanghai, region("320102", "玄武区", "江苏省"), enrol_new=False)
    enrol(m.old_employer, m.number, "李明", date(2026, 8, 3))
    with pytest.raises(Conflict) as refused:
        suspension_apply(region=shanghai, reason="other", actor=person_viewer(m.person), channel="api")
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [("region", "open_employment")]
    assert m.old_employer.name in refused.value.detail


# --- the transfer application ------------------------------------------------------------------------

def test_the_application_names_its_reason_when_refused(shanghai, beijing):
    m = mover(shanghai, beijing, enrol_new=False)
    with pytest.raises(Conflict) as not_enrolled:
        transfer_apply(from_region=shanghai, to_region=beijing, actor=person_viewer(m.person), channel="api")
    assert not_enrolled.value.type_slug == "not-enrolled"
    with pytest.raises(Conflict) as nowhere:
        transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    assert nowhere.value.type_slug == "not-enrolled"
    enrol(m.new_employer, m.number, "李明", date(2026, 7, 1))
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    assert transfer.to_region == beijing and transfer.kind == TransferKind.FUNDS
    assert transfer.state == TransferState.APPLIED and transfer.from_relationship.region == shanghai
    with pytest.raises(Conflict) as duplicate:
        transfer_apply(from_region=shanghai, actor=clerk(beijing), channel="admin", person=m.person)
    assert duplicate.value.type_slug == "duplicate-transfer"
    other = mover(shanghai, beijing, seq=125, name="赵六")
    with pytest.raises(Forbidden):  # the old region's clerk does not file into the new region
        transfer_apply(from_region=shanghai, actor=clerk(shanghai), channel="admin", person=other.person)
    with pytest.raises(NotFound):
        transfer_apply(from_region=region("440106", "天河区", "广东省"), actor=person_viewer(m.person),
                       channel="api")
    with pytest.raises(ValidationFailed):
        transfer_apply(from_region=beijing, actor=person_viewer(m.person), channel="api")


def test_an_open_employment_in_the_old_region_refuses_the_transfer(shanghai):
    # One open employment per person: in this system it can only be in the old region while the new
    # region is another agency's.
    outside = region("440106", "天河区", "广东省", external=True)
    m = mover(shanghai, region("110105", "朝阳区", "北京市"), enrol_new=False)
    enrol(m.old_employer, m.number, "李明", date(2026, 8, 3))
    with pytest.raises(Conflict) as refused:
        transfer_apply(from_region=shanghai, to_region=outside, actor=clerk(shanghai), channel="admin",
                       person=m.person)
    assert refused.value.type_slug == "open-employment" and "reduce staff" in refused.value.detail
    assert refused_in_chinese(lambda: transfer_apply(from_region=shanghai, to_region=outside, actor=clerk(shanghai),
                                           channel="admin", person=m.person)) == (
        409, "open-employment", f"原参保地的{m.old_employer.name}仍将此人列在职工名册中；须由该单位先办理减员。",
        [("from_region", "open_employment", "在该地区有未终止的劳动关系。")])


# --- the three steps, amounts from the ledger ----------------------------------------------------------

def _expected_pooled(bases: list[Decimal]) -> Decimal:
    return (sum(bases, Decimal(0)) * 12 / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_the_three_steps_move_the_account_with_interest_and_12_percent_of_each_paid_month(shanghai, beijing):
    m = mover(shanghai, beijing)
    # 1997: months contributed but before the pooled count; 1998-2000: 36 months; one month unpaid.
    paid_months(m.person, m.old_employer, months_between(date(1997, 11, 1), date(1997, 12, 1)), base="3000.00")
    paid_months(m.person, m.old_employer, months_between(date(1998, 1, 1), date(2000, 12, 1)), base="3333.33")
    from tests.contributions.charges import bare_declaration, line

    unpaid = bare_declaration(m.old_employer, date(2001, 1, 1), Decimal("1"))
    line(unpaid, m.person, base="9999.00")  # declared, never paid: no credit in the ledger
    figures = region_months(person_id=m.person.pk, region_id=shanghai.pk, until=date(2026, 11, 1))
    assert (figures.months, figures.pooled_months) == (38, 36)
    assert figures.pooled_amount == _expected_pooled([Decimal("3333.33")] * 36) == Decimal("14399.99")

    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    step1 = deadline_of(transfer, TransferRule.TRANSFER_ACCEPTANCE)
    assert step1.region == beijing and step1.working_days and step1.days == 15
    assert step1.due_on == add_working_days(step1.starts_on, 15)

    with pytest.raises(Forbidden):  # step 1 belongs to the new region
        transfer_accept(transfer=transfer, actor=clerk(shanghai), channel="admin")
    accepted = transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
    assert accepted.state == TransferState.ACCEPTED and accepted.letter_number.startswith("JS110105")
    step2 = deadline_of(transfer, TransferRule.TRANSFER_OUT)
    assert step2.region == shanghai and step2.starts_on == accepted.letter_on

    account = PensionAccount.objects.get(person=m.person)
    with pytest.raises(Forbidden):  # step 2 belongs to the old region
        transfer_out(transfer=transfer, actor=clerk(beijing), channel="admin")
    out = transfer_out(transfer=transfer, actor=clerk(shanghai), channel="admin")
    interest = AccountEntry.objects.filter(account=account, kind=EntryKind.INTEREST)
    assert interest.filter(interest_year=out.transferred_out_on.year,
                           interest_until_month=out.transferred_out_on.month).exists()
    credits = sum(AccountEntry.objects.filter(account=account, kind=EntryKind.CREDIT).values_list("amount", flat=True))
    assert out.account_amount == credits + sum(interest.values_list("amount", flat=True))
    assert out.pooled_amount == Decimal("14399.99") and out.pooled_months == 36 and out.months == 38
    entry = AccountEntry.objects.get(account=account, kind=EntryKind.TRANSFER_OUT)
    assert entry.amount == -out.account_amount and entry.cause_id == transfer.pk
    account.refresh_from_db()
    assert account.balance == 0
    assert out.form["pooled_amount"] == "14399.99" and out.form["months"] == 38
    old = InsuranceRelationship.objects.get(person=m.person, region=shanghai)
    assert old.state == RelationshipState.TRANSFERRED
    assert RelationshipEvent.objects.filter(relationship=old, kind=EventKind.TRANSFERRED_OUT).exists()
    assert deadline_of(transfer, TransferRule.TRANSFER_OUT).state == DeadlineState.MET
    step3 = deadline_of(transfer, TransferRule.TRANSFER_COMPLETION)
    assert step3.region == beijing

    with pytest.raises(Conflict) as not_recorded:
        transfer_complete(transfer=transfer, actor=clerk(beijing), channel="admin")
    assert not_recorded.value.type_slug == "funds-not-recorded"
    with pytest.raises(ValidationFailed) as too_early:  # the probe's funds "received" on 0001-01-01
        transfer_funds_record(transfer=transfer, account_amount=out.account_amount, pooled_amount=out.pooled_amount,
                              bank_reference="BK-0", received_on=date(1, 1, 1), actor=clerk(beijing), channel="admin")
    assert too_early.value.errors[0]["field"] == "received_on"
    recorded = transfer_funds_record(transfer=transfer, account_amount=out.account_amount,
                                     pooled_amount=out.pooled_amount - Decimal("0.01"), bank_reference="BK-1",
                                     received_on=out.transferred_out_on, actor=clerk(beijing), channel="admin")
    assert recorded.difference == Decimal("-0.01")
    with pytest.raises(Conflict) as differs:
        transfer_complete(transfer=transfer, actor=clerk(beijing), channel="admin")
    assert differs.value.type_slug == "funds-differ" and differs.value.extra["difference"] == "-0.01"
    transfer_funds_record(transfer=transfer, account_amount=out.account_amount, pooled_amount=out.pooled_amount,
                          bank_reference="BK-2", received_on=out.transferred_out_on, actor=clerk(beijing),
                          channel="admin")
    done = transfer_complete(transfer=transfer, actor=clerk(beijing), channel="admin")
    assert done.state == TransferState.COMPLETED
    account.refresh_from_db()
    assert account.balance == out.account_amount
    assert AccountEntry.objects.get(account=account, kind=EntryKind.TRANSFER_IN).amount == out.account_amount
    new = InsuranceRelationship.objects.get(person=m.person, region=beijing)
    moved_in = RelationshipEvent.objects.get(relationship=new, kind=EventKind.TRANSFERRED_IN)
    assert moved_in.details["months"] == 38
    kinds = list(TransferEvent.objects.filter(transfer=transfer).values_list("kind", flat=True))
    assert kinds == ["applied", "accepted", "transferred_out", "funds_received", "funds_received", "completed"]
    assert TransferEvent.objects.filter(transfer=transfer).last().details["informed_by"] == "online"
    assert not Deadline.objects.filter(subject_id=transfer.pk, closed_at__isnull=True,
                                       subject_type=ContentType.objects.get_for_model(Transfer)).exists()
    assert refused_in_chinese(lambda: transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")) == (
        409, "already-transferred", "310101 的参保关系已经转出。", [])


def test_a_paid_art58_determined_month_counts_in_the_pooled_12_percent(shanghai, beijing):
    """A month the old region's agency determined and the employer paid is a contributed month like a
    declared one; a determined month still unpaid is not."""
    from tests.accounts.test_credits import pay
    from tests.contributions.reads import determined

    m = mover(shanghai, beijing)
    paid_months(m.person, m.old_employer, months_between(date(2024, 1, 1), date(2024, 3, 1)), base="5000.00")
    employment = Employment.objects.get(person=m.person, employer=m.old_employer)
    month = determined(m.old_employer, m.person, date(2023, 12, 1), "6000.00", employment=employment)
    pay(m.old_employer, str(month.charge.amount), date(2024, 5, 6), "B-58")
    from contributions.models import ChargeKind
    from contributions.models.payments import DeterminedMonth
    from tests.contributions.charges import charge

    unpaid = DeterminedMonth.objects.get(pk=month.pk)  # a second month, charged after the payment, never paid
    unpaid.pk, unpaid.period = None, date(2024, 4, 1)
    unpaid.charge = charge(m.old_employer, unpaid.period, month.charge.amount, kind=ChargeKind.DETERMINED)
    unpaid.save()
    figures = region_months(person_id=m.person.pk, region_id=shanghai.pk, until=date(2026, 11, 1))
    assert (figures.months, figures.pooled_months) == (4, 4)
    assert figures.pooled_amount == _expected_pooled([Decimal("5000.00")] * 3 + [Decimal("6000.00")])


def test_a_refusal_names_its_reason_and_ends_the_application(shanghai, beijing):
    m = mover(shanghai, beijing)
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    with pytest.raises(ValidationFailed):
        transfer_refuse(transfer=transfer, reason="", actor=clerk(beijing), channel="admin")
    refused = transfer_refuse(transfer=transfer, reason="未在本地参保满一个月", actor=clerk(beijing), channel="admin")
    assert refused.state == TransferState.REFUSED
    assert deadline_of(transfer, TransferRule.TRANSFER_ACCEPTANCE).closed_at is not None
    with pytest.raises(Conflict):
        transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
    again = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")  # may file anew
    assert again.state == TransferState.APPLIED


def test_a_person_without_an_account_transfers_nothing_but_the_records(shanghai, beijing):
    m = mover(shanghai, beijing)
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
    out = transfer_out(transfer=transfer, actor=clerk(shanghai), channel="admin")
    assert (out.account_amount, out.pooled_amount, out.months) == (Decimal("0.00"), Decimal("0.00"), 0)
    assert not AccountEntry.objects.exists()
    transfer_funds_record(transfer=transfer, account_amount="0", pooled_amount="0", bank_reference="无资金",
                          received_on=out.transferred_out_on, actor=clerk(beijing), channel="admin")
    assert transfer_complete(transfer=transfer, actor=clerk(beijing), channel="admin").state == TransferState.COMPLETED
    assert not AccountEntry.objects.exists()


# --- deadlines across holidays -------------------------------------------------------------------------

def test_each_step_is_15_working_days_across_the_national_day_holidays(shanghai, beijing, monkeypatch):
    CalendarYear.objects.get_or_create(year=2031)
    for day in range(1, 8):
        CalendarDay.objects.get_or_create(date=date(2031, 10, day), defaults={"kind": "holiday", "name": "国庆节"})
    CalendarDay.objects.get_or_create(date=date(2031, 9, 28), defaults={"kind": "workday", "name": "国庆调休"})
    m = mover(shanghai, beijing)
    import transfers.services.transfers as service

    monkeypatch.setattr(service, "today_in_shanghai", lambda: date(2031, 9, 26))  # a Friday
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    # Sunday 28 Sept works, 29-30 Sept, the holidays skipped, from 8 Oct (Wed): 3 + 12 = 15 -> Thu 23 Oct
    assert deadline_of(transfer, TransferRule.TRANSFER_ACCEPTANCE).due_on == date(2031, 10, 23)
    monkeypatch.setattr(service, "today_in_shanghai", lambda: date(2031, 9, 30))
    transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
    # from the letter of 30 Sept: 8 Oct is the first working day after it; 15 working days -> Tue 28 Oct
    assert deadline_of(transfer, TransferRule.TRANSFER_OUT).due_on == date(2031, 10, 28)
    monkeypatch.setattr(service, "today_in_shanghai", lambda: date(2031, 10, 9))  # a Thursday
    transfer_out(transfer=transfer, actor=clerk(shanghai), channel="admin")
    # step 3 from the transfer out of 9 Oct: 10 Oct, then three weeks of five working days -> Thu 30 Oct
    step3 = deadline_of(transfer, TransferRule.TRANSFER_COMPLETION)
    assert (step3.starts_on, step3.due_on) == (date(2031, 10, 9), date(2031, 10, 30))


# --- where no funds move ---------------------------------------------------------------------------------

def test_within_a_province_with_provincial_pooling_only_the_records_move_in_one_step(shanghai):
    Province.objects.create(name="浙江省", provincial_pooling=True)
    hangzhou, ningbo = region("330102", "上城区", "浙江省"), region("330203", "海曙区", "浙江省")
    m = mover(hangzhou, ningbo)
    paid_months(m.person, m.old_employer, months_between(date(2024, 1, 1), date(2024, 6, 1)))
    balance = PensionAccount.objects.get(person=m.person).balance
    transfer = transfer_apply(from_region=hangzhou, actor=person_viewer(m.person), channel="api")
    assert transfer.kind == TransferKind.RECORDS_ONLY
    done = transfer_accept(transfer=transfer, actor=clerk(ningbo), channel="admin",
                           documents=[(_voucher("同意接收函.pdf"), "other")])
    assert done.state == TransferState.COMPLETED and done.pooled_amount == 0 and done.months == 6
    assert not AccountEntry.objects.filter(kind__in=[EntryKind.TRANSFER_OUT, EntryKind.TRANSFER_IN]).exists()
    done = Transfer.objects.get(pk=done.pk)
    today = today_in_shanghai()
    assert (done.decision_rule, done.letter_on, done.completed_on, done.pooled_months, done.account_amount) == (
        "records only: one pooling", today, today, 6, Decimal("0.00"))
    assert (done.form["months"], done.form["account_amount"], done.form["pooled_amount"]) == (6, "0.00", "0.00")
    moved_in = RelationshipEvent.objects.get(relationship__region=ningbo, kind=EventKind.TRANSFERRED_IN)
    assert (moved_in.effective_date, moved_in.channel, moved_in.note, moved_in.details) == (
        today, "admin", "Records received from another region of the same pooling.",
        {"transfer_id": transfer.pk, "months": 6})
    completed = TransferEvent.objects.get(transfer=transfer, kind="completed")
    assert completed.details == {"records_only": True, "months": 6, "informed_by": m.person.statement_delivery}
    assert [(d.original_name, d.region) for d in completed.documents.all()] == [("同意接收函.pdf", ningbo)]
    assert PensionAccount.objects.get(person=m.person).balance == balance
    assert InsuranceRelationship.objects.get(person=m.person, region=hangzhou).state == RelationshipState.TRANSFERRED
    assert not Deadline.objects.filter(rule=TransferRule.TRANSFER_OUT).exists()


def test_a_province_without_provincial_pooling_moves_funds(shanghai):
    Province.objects.create(name="江苏省", provincial_pooling=False)
    nanjing, suzhou = region("320102", "玄武区", "江苏省"), region("320508", "姑苏区", "江苏省")
    m = mover(nanjing, suzhou)
    assert transfer_apply(from_region=nanjing, actor=person_viewer(m.person), channel="api").kind == TransferKind.FUNDS


def test_regions_of_one_pooling_area_move_records_only():
    a = region("310104", "徐汇区", "上海市", pooling_area="310000")
    b = region("310105", "长宁区", "上海市", pooling_area="310000")
    m = mover(a, b)
    assert transfer_apply(from_region=a, actor=person_viewer(m.person), channel="api").kind == \
        TransferKind.RECORDS_ONLY


# --- the temporary account (No. 66, Art. 6) ----------------------------------------------------------------

@pytest.mark.parametrize("sex_seq,born,applies", [
    (123, date(1976, 11, 25), True),    # a man 50 today (2026-11-25)
    (123, date(1976, 11, 26), False),   # a man one day short of 50
    (124, date(1986, 11, 25), True),    # a woman 40 today
    (124, date(1986, 11, 26), False),   # a woman one day short of 40
])
def test_the_temporary_account_ages_at_their_boundaries(shanghai, beijing, sex_seq, born, applies):
    m = mover(shanghai, beijing, born=born, seq=sex_seq)
    assert temporary_account_applies(m.person, beijing, date(2026, 11, 25)) is applies
    m.person.hukou_region_code = beijing.code  # household registration in the new region: never
    assert temporary_account_applies(m.person, beijing, date(2026, 11, 25)) is False


def test_the_new_region_opens_a_temporary_account_and_the_relationship_stays(shanghai, beijing, monkeypatch):
    import transfers.services.transfers as service

    monkeypatch.setattr(service, "today_in_shanghai", lambda: date(2026, 11, 25))
    m = mover(shanghai, beijing, born=date(1970, 3, 1), seq=123)
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    decided = transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin",
                              documents=[(_voucher("临时账户告知书.pdf"), "other")])
    assert decided.state == TransferState.TEMPORARY_ACCOUNT and "第六条" in decided.decision_rule
    temporary = TemporaryAccount.objects.get(transfer=transfer)
    assert temporary.region == beijing and temporary.kept_relationship.region == shanghai
    assert (temporary.person, temporary.relationship, temporary.rule, temporary.opened_on) == (
        m.person, InsuranceRelationship.objects.get(person=m.person, region=beijing), "国办发〔2009〕66号 第六条",
        date(2026, 11, 25))
    assert Transfer.objects.get(pk=transfer.pk).decision_rule == "国办发〔2009〕66号 第六条"
    opened = TransferEvent.objects.get(transfer=transfer, kind="temporary_account")
    assert (opened.region, opened.channel, opened.details) == (beijing, "admin", {"rule": "国办发〔2009〕66号 第六条"})
    assert opened.note == ("The relationship stays in the old region; a temporary contribution account is opened "
                           "in the new region.")
    assert [(d.original_name, d.region) for d in opened.documents.all()] == [("临时账户告知书.pdf", beijing)]
    assert InsuranceRelationship.objects.get(person=m.person, region=shanghai).state == RelationshipState.SUSPENDED
    assert not Deadline.objects.filter(rule=TransferRule.TRANSFER_OUT).exists()


# --- external regions ------------------------------------------------------------------------------------

def test_toward_an_external_region_the_old_region_records_the_letter_and_sends_the_form(shanghai):
    from django.core.files.uploadedfile import SimpleUploadedFile

    outside = region("440106", "天河区", "广东省", external=True)
    m = mover(shanghai, beijing_like := region("110105", "朝阳区", "北京市"), enrol_new=False)
    del beijing_like
    paid_months(m.person, m.old_employer, months_between(date(2010, 1, 1), date(2010, 12, 1)), base="4000.00")
    old_clerk = clerk(shanghai)
    transfer = transfer_apply(from_region=shanghai, to_region=outside, actor=old_clerk, channel="admin",
                              person=m.person)
    assert not Deadline.objects.filter(rule=TransferRule.TRANSFER_ACCEPTANCE).exists()  # the other agency's clock
    with pytest.raises(ValidationFailed):
        transfer_accept(transfer=transfer, actor=old_clerk, channel="admin")
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter", content_type="application/pdf")
    accepted = transfer_accept(transfer=transfer, actor=old_clerk, channel="admin", letter_number="粤接2026-9",
                               documents=[(letter, "other")])
    assert accepted.state == TransferState.ACCEPTED and accepted.documents.count() == 1
    assert deadline_of(transfer, TransferRule.TRANSFER_OUT).region == shanghai
    out = transfer_out(transfer=transfer, actor=old_clerk, channel="admin")
    assert out.state == TransferState.COMPLETED and out.pooled_amount == Decimal("5760.00")
    assert out.form["to_region"] == "440106"
    assert not Deadline.objects.filter(rule=TransferRule.TRANSFER_COMPLETION).exists()
    assert Transfer.objects.get(pk=transfer.pk).completed_on == today_in_shanghai()  # our side is done
    assert TransferEvent.objects.get(transfer=transfer, kind="transferred_out").details["external"] is True


def test_from_an_external_region_the_new_region_records_the_form_and_checks_the_funds(beijing):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from transfers.services.transfers import transfer_form_record

    outside = region("440106", "天河区", "广东省", external=True)
    number_person = mover(region("310101", "黄浦区", "上海市"), beijing)
    new_clerk = clerk(beijing)
    transfer = transfer_apply(from_region=outside, actor=person_viewer(number_person.person), channel="api")
    assert transfer.from_relationship is None
    accepted = transfer_accept(transfer=transfer, actor=new_clerk, channel="admin")
    assert accepted.state == TransferState.ACCEPTED
    assert not Deadline.objects.filter(rule=TransferRule.TRANSFER_OUT).exists()
    with pytest.raises(Conflict):
        transfer_out(transfer=transfer, actor=new_clerk, channel="admin")
    form = SimpleUploadedFile("form.pdf", b"%PDF-1.4 form", content_type="application/pdf")
    recorded = transfer_form_record(transfer=transfer, account_amount="8000.00", pooled_amount="12000.00", months=60,
                                    actor=new_clerk, channel="admin", documents=[(form, "other")])
    assert recorded.state == TransferState.TRANSFERRED_OUT
    assert deadline_of(transfer, TransferRule.TRANSFER_COMPLETION).region == beijing
    transfer_funds_record(transfer=transfer, account_amount="8000.00", pooled_amount="11900.00",
                          bank_reference="GD-77", received_on=date(2026, 11, 2), actor=new_clerk, channel="admin")
    with pytest.raises(Conflict) as differs:
        transfer_complete(transfer=transfer, actor=new_clerk, channel="admin")
    assert differs.value.extra["difference"] == "-100.00"
    done = transfer_complete(transfer=transfer, actor=new_clerk, channel="admin",
                             resolution="差额100元由原参保地补转，见函")
    assert done.state == TransferState.COMPLETED
    account = PensionAccount.objects.get(person=number_person.person)
    assert account.balance == Decimal("8000.00")


# --- scoping --------------------------------------------------------------------------------------------

def test_clerks_of_both_regions_and_the_person_see_a_transfer_an_employer_and_others_nothing(shanghai, beijing):
    m = mover(shanghai, beijing)
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    assert scope(Transfer.objects.all(), clerk(shanghai)).get() == transfer
    assert scope(Transfer.objects.all(), clerk(beijing)).get() == transfer
    assert scope(Transfer.objects.all(), person_viewer(m.person)).get() == transfer
    assert not scope(Transfer.objects.all(), clerk(region("440106", "天河区", "广东省"))).exists()
    assert not scope(Transfer.objects.all(), portal(m.new_employer)).exists()
    assert not scope(TransferEvent.objects.all(), portal(m.old_employer)).exists()
    with pytest.raises(NotFound):
        transfer_accept(transfer=transfer, actor=clerk(region("440106", "天河区", "广东省")), channel="admin")
    with pytest.raises(Forbidden):
        transfer_accept(transfer=transfer, actor=portal(m.new_employer), channel="api")


# --- what each step keeps, and its refusals as a Chinese clerk reads them ------------------------------------

def _voucher(name="voucher.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4 " + name.encode(), content_type="application/pdf")


def test_each_steps_deadline_names_the_person_masked_and_both_regions_in_the_clerks_language(shanghai, beijing):
    m = mover(shanghai, beijing)
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
    transfer_out(transfer=transfer, actor=clerk(shanghai), channel="admin")
    masked = mask_document(m.person.document_number)
    assert masked != m.person.document_number
    deadlines = Deadline.objects.filter(subject_type=ContentType.objects.get_for_model(Transfer),
                                        subject_id=transfer.pk).order_by("id")
    assert [(d.rule, d.region) for d in deadlines] == [(TransferRule.TRANSFER_ACCEPTANCE, beijing),
                                                       (TransferRule.TRANSFER_OUT, shanghai),
                                                       (TransferRule.TRANSFER_COMPLETION, beijing)]
    for step, deadline in enumerate(deadlines, start=1):  # the queue finds it by name; the number never whole
        assert deadline.subject_label == f"李明 {masked} 310101->110105"
        with translation.override("zh-hans"):
            assert message_render(deadline.subject_text_data) == (
                f"李明 ({masked}) 从 310101 黄浦区 转移至 110105 朝阳区，第{step}步")
        with translation.override("en"):
            assert message_render(deadline.subject_text_data) == (
                f"transfer of 李明 ({masked}) from 310101 黄浦区 to 110105 朝阳区, step {step}")


def test_each_refusal_of_an_application_names_its_field_in_the_callers_language(shanghai, beijing):
    m = mover(shanghai, beijing, enrol_new=False)
    viewer = person_viewer(m.person)
    assert refused_in_chinese(lambda: transfer_apply(from_region=shanghai, actor=viewer, channel="api")) == (
        409, "not-enrolled", "您目前未在任何地区参保；请先在新参保地参保。",
        [("to_region", "not_enrolled", "未在新参保地参保。")])
    assert refused_in_chinese(lambda: transfer_apply(from_region=shanghai, to_region=beijing, actor=viewer, channel="api")) == (
        409, "not-enrolled", "此人未在新参保地 110105 参保；请先在当地参保。",
        [("to_region", "not_enrolled", "未在新参保地参保。")])
    enrol(m.new_employer, m.number, "李明", date(2026, 7, 1))
    nanjing = region("320102", "玄武区", "江苏省")  # enrolled in Beijing, not in Nanjing
    assert refused_in_chinese(lambda: transfer_apply(from_region=shanghai, to_region=nanjing, actor=viewer, channel="api")) == (
        409, "not-enrolled", "此人未在新参保地 320102 参保；请先在当地参保。",
        [("to_region", "not_enrolled", "未在新参保地参保。")])
    assert refused_in_chinese(lambda: transfer_apply(from_region=beijing, actor=viewer, channel="api")) == (
        400, "validation-error", "原参保地与新参保地相同。", [("from_region", "same_region", "原参保地与新参保地相同。")])
    guangzhou = region("440106", "天河区", "广东省")
    assert refused_in_chinese(lambda: transfer_apply(from_region=guangzhou, actor=viewer, channel="api")) == (
        404, "not-found", "在 440106 没有参保关系。", [("from_region", "no_relationship", "该地无参保关系。")])
    # a relationship awaiting its refund to heirs is not transferred
    old = InsuranceRelationship.objects.get(person=m.person, region=shanghai)
    InsuranceRelationship.objects.filter(pk=old.pk).update(state=RelationshipState.AWAITING_REFUND)
    with translation.override("zh-hans"):
        awaiting = str(RelationshipState.AWAITING_REFUND.label)
    with translation.override("zh-hans"), pytest.raises(Conflict) as not_suspended:
        transfer_apply(from_region=shanghai, to_region=beijing, actor=viewer, channel="api")
    assert (not_suspended.value.type_slug, not_suspended.value.detail, not_suspended.value.extra) == (
        "relationship-not-suspended", f"310101 的参保关系为{awaiting}；只有已中止的参保关系才能转移。",
        {"state": RelationshipState.AWAITING_REFUND})
    InsuranceRelationship.objects.filter(pk=old.pk).update(state=RelationshipState.SUSPENDED)
    assert not Transfer.objects.exists()
    transfer_apply(from_region=shanghai, actor=viewer, channel="api")
    assert refused_in_chinese(lambda: transfer_apply(from_region=shanghai, actor=clerk(beijing), channel="admin",
                                           person=m.person)) == (409, "duplicate-transfer", "该参保关系的转移正在办理中。", [])


def test_the_application_keeps_who_filed_it_how_with_its_note_and_vouchers(shanghai, beijing):
    m = mover(shanghai, beijing)
    desk = clerk(beijing)
    transfer = transfer_apply(from_region=shanghai, actor=desk, channel="admin", person=m.person, note="本人到窗口申请",
                              documents=[(_voucher("id.pdf"), "other")])
    transfer = Transfer.objects.get(pk=transfer.pk)
    assert (transfer.filed_by, transfer.channel, transfer.filed_on) == (desk.label(), "admin", today_in_shanghai())
    assert transfer.from_relationship == InsuranceRelationship.objects.get(person=m.person, region=shanghai)
    assert transfer.to_relationship == InsuranceRelationship.objects.get(person=m.person, region=beijing)
    applied = TransferEvent.objects.get(transfer=transfer)
    assert (applied.kind, applied.region, applied.channel, applied.note, applied.actor_user_id, applied.details) == (
        "applied", beijing, "admin", "本人到窗口申请", desk.user_id, {"kind": TransferKind.FUNDS})
    voucher = applied.documents.get()
    assert (voucher.original_name, voucher.region, voucher.uploaded_by) == ("id.pdf", beijing, desk.label())
    assert list(transfer.documents.all()) == [voucher]


def test_toward_an_external_region_the_vouchers_and_the_letter_belong_to_the_old_region(shanghai):
    outside = region("440106", "天河区", "广东省", external=True)
    m = mover(shanghai, region("110105", "朝阳区", "北京市"), enrol_new=False)
    desk = clerk(shanghai)
    transfer = transfer_apply(from_region=shanghai, to_region=outside, actor=desk, channel="admin", person=m.person,
                              documents=[(_voucher("application.pdf"), "other")])
    applied = TransferEvent.objects.get(transfer=transfer)  # filed without a note: none is recorded
    assert (applied.documents.get().region, applied.note) == (shanghai, "")
    needs_letter = (400, "validation-error", "请登记对方的函：函号及扫描件。",
                    [("letter_number", "required", "请登记对方的函：函号及扫描件。")])
    assert refused_in_chinese(lambda: transfer_accept(transfer=transfer, actor=desk, channel="admin",
                                            letter_number="粤接2026-9")) == needs_letter  # no scanned letter
    assert refused_in_chinese(lambda: transfer_accept(transfer=transfer, actor=desk, channel="admin", letter_number=" ",
                                            documents=[(_voucher(), "other")])) == needs_letter  # no number
    accepted = transfer_accept(transfer=transfer, actor=desk, channel="post", letter_number=" 粤接2026-9 ",
                               documents=[(_voucher("letter.pdf"), "other")])
    accepted = Transfer.objects.get(pk=accepted.pk)
    assert (accepted.letter_number, accepted.letter_on) == ("粤接2026-9", today_in_shanghai())
    letter = TransferEvent.objects.get(transfer=transfer, kind="letter_received")
    assert (letter.region, letter.channel, letter.details) == (shanghai, "post", {"letter_number": "粤接2026-9"})
    assert letter.documents.get().region == shanghai


def test_the_new_regions_consent_is_numbered_and_dated_and_a_refusal_keeps_its_reason(shanghai, beijing):
    m = mover(shanghai, beijing)
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    desk = clerk(beijing)
    accepted = Transfer.objects.get(pk=transfer_accept(transfer=transfer, actor=desk, channel="admin").pk)
    today = today_in_shanghai()
    assert (accepted.letter_number, accepted.letter_on) == (f"JS110105{today:%Y}{transfer.pk:06d}", today)
    event = TransferEvent.objects.get(transfer=transfer, kind="accepted")
    assert (event.region, event.channel, event.actor_user_id, event.details) == (
        beijing, "admin", desk.user_id, {"letter_number": accepted.letter_number})

    other = mover(shanghai, beijing, seq=125, name="赵六")
    second = transfer_apply(from_region=shanghai, actor=person_viewer(other.person), channel="api")
    for blank in ("", "  "):
        assert refused_in_chinese(lambda blank=blank: transfer_refuse(transfer=second, reason=blank, actor=desk,
                                                            channel="admin")) == (
            400, "validation-error", "请填写不予受理转移的理由。", [("reason", "required", "请填写不予受理转移的理由。")])
    transfer_refuse(transfer=second, reason=" 未在本地参保满一个月 ", actor=desk, channel="admin")
    assert Transfer.objects.get(pk=second.pk).refusal_reason == "未在本地参保满一个月"
    refused = TransferEvent.objects.get(transfer=second, kind="refused")
    assert (refused.region, refused.note, refused.actor_user_id) == (beijing, "未在本地参保满一个月", desk.user_id)


def test_the_transfer_out_sends_the_whole_form_and_posts_the_account_out_under_its_clerk(shanghai, beijing):
    m = mover(shanghai, beijing)
    paid_months(m.person, m.old_employer, months_between(date(2010, 1, 1), date(2010, 12, 1)), base="4000.00")
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
    desk = clerk(shanghai)
    assert refused_in_chinese(lambda: transfer_form_record(transfer=transfer, account_amount="1", pooled_amount="1", months=1,
                                                 actor=desk, channel="admin",
                                                 documents=[(_voucher(), "other")])) == (
        409, "external-region", "原参保地在本系统内：由其自行办理转出。", [])
    out = Transfer.objects.get(pk=transfer_out(transfer=transfer, actor=desk, channel="admin").pk)
    today = today_in_shanghai()
    person = m.person
    assert out.account_amount > 0 and (out.transferred_out_on, out.completed_on) == (today, None)
    assert out.form == {
        "person_name": "李明", "document_number": person.document_number, "sex": person.sex,
        "birth_date": "1990-05-17", "from_region": "310101", "from_region_name": "黄浦区",
        "to_region": "110105", "to_region_name": "朝阳区", "letter_number": out.letter_number,
        "months": 12, "pooled_months": 12, "pooled_since": "1998-01-01", "pooled_percent": "12",
        "bases_total": "48000.00", "pooled_bases": "48000.00",
        "by_year": [{"year": 2010, "months": 12, "bases": "48000.00"}],
        "account_amount": f"{out.account_amount:.2f}", "pooled_amount": "5760.00",
        "transfer_month": f"{today:%Y-%m}", "issued_on": today.isoformat()}
    entry = AccountEntry.objects.get(kind=EntryKind.TRANSFER_OUT)
    assert (entry.amount, entry.posted_on, entry.cause_type, entry.cause_id, entry.source_key, entry.actor,
            entry.actor_user_id, entry.note) == (-out.account_amount, today, "transfer", transfer.pk,
                                                 f"transfer-out:{transfer.pk}", desk.label(), desk.user_id, "→ 110105")
    event = TransferEvent.objects.get(transfer=transfer, kind="transferred_out")
    assert (event.region, event.channel, event.actor_user_id, event.details) == (
        shanghai, "admin", desk.user_id, {"account_amount": f"{out.account_amount:.2f}", "pooled_amount": "5760.00",
                                          "months": 12, "pooled_months": 12, "external": False})
    old = InsuranceRelationship.objects.get(person=m.person, region=shanghai)
    assert (old.state, old.state_since) == (RelationshipState.TRANSFERRED, today)
    moved = RelationshipEvent.objects.get(relationship=old, kind=EventKind.TRANSFERRED_OUT)
    assert (moved.effective_date, moved.channel, moved.note, moved.details, moved.actor_user_id) == (
        today, "admin", "Transferred to another region.", {"transfer_id": transfer.pk, "to_region": "110105"},
        desk.user_id)


def test_an_open_employment_in_the_old_region_stops_the_transfer_out(shanghai):
    outside = region("440106", "天河区", "广东省", external=True)
    m = mover(shanghai, region("110105", "朝阳区", "北京市"), enrol_new=False)
    desk = clerk(shanghai)
    transfer = transfer_apply(from_region=shanghai, to_region=outside, actor=desk, channel="admin", person=m.person)
    transfer_accept(transfer=transfer, actor=desk, channel="admin", letter_number="粤接1",
                    documents=[(_voucher(), "other")])
    enrol(m.old_employer, m.number, "李明", date(2026, 8, 3))  # back on the old employer's roll meanwhile
    assert refused_in_chinese(lambda: transfer_out(transfer=transfer, actor=desk, channel="admin")) == (
        409, "open-employment", f"{m.old_employer.name}仍将此人列在职工名册中；须由该单位先办理减员。", [])
    assert not AccountEntry.objects.filter(kind=EntryKind.TRANSFER_OUT).exists()


def test_an_external_regions_form_and_funds_are_recorded_to_the_fen_and_each_refusal_named(beijing):
    outside = region("440106", "天河区", "广东省", external=True)
    m = mover(region("310101", "黄浦区", "上海市"), beijing)
    desk = clerk(beijing)
    today = today_in_shanghai()
    transfer = transfer_apply(from_region=outside, actor=person_viewer(m.person), channel="api")
    transfer_accept(transfer=transfer, actor=desk, channel="admin")
    assert refused_in_chinese(lambda: transfer_out(transfer=transfer, actor=desk, channel="admin")) == (
        409, "external-region", "原参保地不在本系统内：请登记其寄来的信息表。", [])

    def record(documents=None, **given):
        fields = {"account_amount": "8000.00", "pooled_amount": "0", "months": 60, **given}
        return transfer_form_record(transfer=transfer, actor=desk, channel="admin",
                                    documents=[(_voucher("form.pdf"), "other")] if documents is None else documents,
                                    **fields)

    assert refused_in_chinese(lambda: record(documents=[])) == (
        400, "validation-error", "请附上寄回的信息表。", [("documents", "required", "请附上寄回的信息表。")])
    for months in (None, -1):
        assert refused_in_chinese(lambda months=months: record(months=months)) == (
            400, "validation-error", "请填写信息表上的缴费月数。", [("months", "min_value", "请填写信息表上的缴费月数。")])
    assert refused_in_chinese(lambda: record(account_amount="八千")) == (
        400, "validation-error", "请以元为单位填写金额，如 1234.56。",
        [("account_amount", "invalid", "请以元为单位填写金额，如 1234.56。")])
    assert refused_in_chinese(lambda: record(pooled_amount="-0.01")) == (
        400, "validation-error", "金额不能为负数。", [("pooled_amount", "min_value", "金额不能为负数。")])
    record(account_amount="8000.1", months="60")
    recorded = Transfer.objects.get(pk=transfer.pk)
    assert (recorded.account_amount, recorded.pooled_amount, recorded.months, recorded.pooled_months,
            recorded.transferred_out_on) == (Decimal("8000.10"), Decimal("0.00"), 60, 60, today)
    assert recorded.form == {"recorded_from": "external", "account_amount": "8000.10", "pooled_amount": "0.00",
                             "months": 60, "from_region": "440106", "to_region": "110105"}
    event = TransferEvent.objects.get(transfer=transfer, kind="form_received")
    assert (event.region, event.channel, event.details) == (beijing, "admin", recorded.form)
    assert event.documents.get().region == beijing
    masked = mask_document(m.person.document_number)
    step3 = deadline_of(transfer, TransferRule.TRANSFER_COMPLETION)
    assert step3.subject_label == f"李明 {masked} 440106->110105"
    with translation.override("en"):
        assert message_render(step3.subject_text_data) == (
            f"transfer of 李明 ({masked}) from 440106 天河区 to 110105 朝阳区, step 3")

    assert refused_in_chinese(lambda: transfer_complete(transfer=transfer, actor=desk, channel="admin")) == (
        409, "funds-not-recorded", "办结前请先登记到账资金。", [])

    def funds(**given):
        fields = {"account_amount": "8000.10", "pooled_amount": "100", "bank_reference": "GD-77",
                  "received_on": date(2026, 11, 2), **given}
        return transfer_funds_record(transfer=transfer, actor=desk, channel="admin", **fields)

    assert refused_in_chinese(lambda: funds(bank_reference="  ")) == (
        400, "validation-error", "请填写资金的银行流水号。", [("bank_reference", "required", "请填写资金的银行流水号。")])
    assert refused_in_chinese(lambda: funds(account_amount="八千")) == (
        400, "validation-error", "请以元为单位填写金额，如 1234.56。",
        [("account_amount", "invalid", "请以元为单位填写金额，如 1234.56。")])
    assert refused_in_chinese(lambda: funds(pooled_amount="-0.01")) == (
        400, "validation-error", "金额不能为负数。", [("pooled_amount", "min_value", "金额不能为负数。")])
    assert refused_in_chinese(lambda: funds(received_on=today + timedelta(days=1))) == (
        400, "validation-error", "到账日期不能晚于今天。", [("received_on", "in_future", "到账日期不能晚于今天。")])
    before_birth = "资金到账日期不得早于 1990-05-17（转出日期或本人出生日期）。"
    assert refused_in_chinese(lambda: funds(received_on=date(1990, 5, 16))) == (
        400, "validation-error", before_birth, [("received_on", "too_early", before_birth)])
    funds(bank_reference=" " + "G" * 70 + " ")  # a reference longer than the column keeps its first 60
    assert Transfer.objects.get(pk=transfer.pk).bank_reference == "G" * 60
    funds(bank_reference=" GD-77 ")  # recorded again: the new figures replace the current ones
    received = Transfer.objects.get(pk=transfer.pk)
    assert (received.received_account_amount, received.received_pooled_amount, received.bank_reference,
            received.received_on) == (Decimal("8000.10"), Decimal("100.00"), "GD-77", date(2026, 11, 2))

    differs = "到账资金与转出金额相差 100.00 元；请与原参保地处理差额并登记处理情况。"
    with translation.override("zh-hans"), pytest.raises(Conflict) as refused:
        transfer_complete(transfer=transfer, actor=desk, channel="admin", resolution="  ")
    assert (refused.value.type_slug, refused.value.detail, refused.value.extra, refused.value.errors) == (
        "funds-differ", differs, {"difference": "100.00", "announced": "8000.10", "received": "8100.10"},
        [{"field": "resolution", "code": "required", "message": "差额的处理情况。"}])
    done = transfer_complete(transfer=transfer, actor=desk, channel="admin", resolution=" 多转100元退回原参保地 ")
    done = Transfer.objects.get(pk=done.pk)
    assert (done.state, done.completed_on, done.difference_resolution) == (
        TransferState.COMPLETED, today, "多转100元退回原参保地")
    completed = TransferEvent.objects.get(transfer=transfer, kind="completed")
    assert (completed.note, completed.channel, completed.actor_user_id) == ("多转100元退回原参保地", "admin", desk.user_id)
    entry = AccountEntry.objects.get(kind=EntryKind.TRANSFER_IN)
    assert (entry.amount, entry.posted_on, entry.cause_type, entry.cause_id, entry.source_key, entry.actor,
            entry.actor_user_id, entry.note) == (Decimal("8000.10"), today, "transfer", transfer.pk,
                                                 f"transfer-in:{transfer.pk}", desk.label(), desk.user_id, "← 440106")
    new = InsuranceRelationship.objects.get(person=m.person, region=beijing)
    moved_in = RelationshipEvent.objects.get(relationship=new, kind=EventKind.TRANSFERRED_IN)
    assert (moved_in.effective_date, moved_in.channel, moved_in.note, moved_in.actor_user_id, moved_in.details) == (
        today, "admin", "Relationship and funds received from another region.", desk.user_id,
        {"transfer_id": transfer.pk, "months": 60, "account_amount": "8000.10", "pooled_amount": "100.00"})


def test_a_person_transfers_from_two_old_regions_at_once_and_a_stranger_sees_no_transfer(shanghai, beijing):
    outside = region("440106", "天河区", "广东省", external=True)  # also contributed with another agency
    m = mover(shanghai, beijing)
    first = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    second = transfer_apply(from_region=outside, actor=person_viewer(m.person), channel="api")
    assert {(t.from_region.code, t.state) for t in (first, second)} == {("310101", "applied"), ("440106", "applied")}
    stranger = clerk(region("320102", "玄武区", "江苏省"))
    assert refused_in_chinese(lambda: transfer_accept(transfer=first, actor=stranger, channel="admin")) == (
        404, "not-found", "没有您可查看的此项转移。", [])


def test_a_man_of_50_gets_no_temporary_account_within_one_pooling_or_toward_another_agency(shanghai):
    a = region("310104", "徐汇区", "上海市", pooling_area="310000")
    b = region("310105", "长宁区", "上海市", pooling_area="310000")
    m = mover(a, b, born=date(1970, 3, 1), seq=123)
    assert temporary_account_applies(m.person, b, today_in_shanghai())  # Art. 6 would apply between poolings
    within = transfer_apply(from_region=a, actor=person_viewer(m.person), channel="api")
    assert transfer_accept(transfer=within, actor=clerk(b), channel="admin").state == TransferState.COMPLETED
    outside = region("440106", "天河区", "广东省", external=True)
    other = mover(shanghai, region("110105", "朝阳区", "北京市"), born=date(1970, 3, 1), seq=131, enrol_new=False)
    assert temporary_account_applies(other.person, outside, today_in_shanghai())
    desk = clerk(shanghai)
    toward = transfer_apply(from_region=shanghai, to_region=outside, actor=desk, channel="admin", person=other.person)
    accepted = transfer_accept(transfer=toward, actor=desk, channel="admin", letter_number="粤接3",
                               documents=[(_voucher(), "other")])
    assert accepted.state == TransferState.ACCEPTED  # the other agency decides its own temporary account
    assert not TemporaryAccount.objects.exists()


def test_an_old_relationship_no_longer_suspended_is_not_transferred_out(shanghai, beijing):
    m = mover(shanghai, beijing)
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
    InsuranceRelationship.objects.filter(person=m.person, region=shanghai).update(
        state=RelationshipState.AWAITING_REFUND)  # meanwhile: the person died, the heirs await the refund
    with translation.override("zh-hans"):
        awaiting = str(RelationshipState.AWAITING_REFUND.label)
    assert refused_in_chinese(lambda: transfer_out(transfer=transfer, actor=clerk(shanghai), channel="admin")) == (
        409, "relationship-not-suspended", f"原参保关系为{awaiting}；只有已中止的参保关系才能转移。", [])
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.ACCEPTED


def test_an_account_of_a_few_fen_is_transferred_out_and_an_empty_one_posts_nothing(shanghai, beijing):
    from tests.accounts.factories import account_for, credit

    small, empty = mover(shanghai, beijing), mover(shanghai, beijing, seq=125, name="赵六")
    credit(account_for(small.person), "0.50", posted_on=date(2026, 1, 20))
    account_for(empty.person)
    for m in (small, empty):
        transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
        transfer_accept(transfer=transfer, actor=clerk(beijing), channel="admin")
        transfer_out(transfer=transfer, actor=clerk(shanghai), channel="admin")
    small_out = Transfer.objects.get(person=small.person)
    assert Decimal("0.50") <= small_out.account_amount < Decimal("1.00")
    assert AccountEntry.objects.get(kind=EntryKind.TRANSFER_OUT).amount == -small_out.account_amount
    assert PensionAccount.objects.get(person=small.person).balance == 0
    assert Transfer.objects.get(person=empty.person).account_amount == Decimal("0.00")
    assert not AccountEntry.objects.filter(account__person=empty.person, kind=EntryKind.TRANSFER_OUT).exists()


def test_a_few_fen_received_are_posted_in_with_the_bank_slip_and_the_person_is_told_after_the_commit(
        shanghai, beijing, monkeypatch, django_capture_on_commit_callbacks):
    from tests.accounts.factories import account_for, credit

    queued = []
    monkeypatch.setattr("statements.tasks.transfer_notice_task.delay", lambda **kw: queued.append(kw))
    m = mover(shanghai, beijing)
    credit(account_for(m.person), "0.50", posted_on=date(2026, 1, 20))
    desk = clerk(beijing)
    transfer = transfer_apply(from_region=shanghai, actor=person_viewer(m.person), channel="api")
    transfer_accept(transfer=transfer, actor=desk, channel="admin")
    out = transfer_out(transfer=transfer, actor=clerk(shanghai), channel="admin")
    assert Decimal("0.50") <= out.account_amount < Decimal("1.00")
    transfer_funds_record(transfer=transfer, account_amount=out.account_amount, pooled_amount=out.pooled_amount,
                          bank_reference="BJ-5", received_on=out.transferred_out_on, actor=desk, channel="admin",
                          documents=[(_voucher("回单.pdf"), "other")])
    received = TransferEvent.objects.get(transfer=transfer, kind="funds_received")
    (slip,) = received.documents.all()
    assert (slip.original_name, slip.region, slip.uploaded_by) == ("回单.pdf", beijing, desk.label())
    with django_capture_on_commit_callbacks(execute=True):
        transfer_complete(transfer=transfer, actor=desk, channel="admin")
    entry = AccountEntry.objects.get(kind=EntryKind.TRANSFER_IN)
    assert (entry.amount, entry.account.person_id, entry.note) == (out.account_amount, m.person.pk, "← 310101")
    assert PensionAccount.objects.get(person=m.person).balance == out.account_amount
    assert queued == [{"transfer_id": transfer.pk}]  # the completion notice, queued once the completion committed
