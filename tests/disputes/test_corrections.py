"""Clerks' corrections: an account correction moves the balance, a month correction moves the arrears;
four eyes above the region's amount; a final period needs a supervisor; never an update of a money row."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import AccountEntry, PensionAccount
from common.problems import ApplicationError, NotFound, ValidationFailed
from contributions.models import Charge, Declaration
from contributions.selectors.arrears import employer_arrears
from disputes.models import CorrectionEvent, CorrectionState, DisputeTerms
from disputes.services.corrections import correction_approve, correction_propose, correction_reject
from disputes.services.disputes import dispute_decide_corrected, dispute_file
from tests.builders import person_viewer
from tests.disputes.factories import MONTH, Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return Desk()


@pytest.fixture
def insured(desk):
    return desk.insured()


def _balance(account) -> Decimal:
    return PensionAccount.objects.get(pk=account.pk).balance


def _principal(employer, month=MONTH) -> Decimal:
    state = employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=date(2027, 1, 1))
    return sum((p.principal for p in state.periods if p.period == month), Decimal("0.00"))


def test_an_account_correction_within_the_amount_is_applied_and_moves_the_balance(desk, insured):
    person, account = insured
    before = _balance(account)
    entries = set(AccountEntry.objects.filter(account=account).values_list("pk", "amount"))
    correction = correction_propose(person=person, kind="account_entry", amount=Decimal("-25.50"),
                                    month=date(2025, 3, 1), reason="重复记账", actor=desk.reviewer)
    assert correction.state == CorrectionState.APPLIED and not correction.needs_second
    assert _balance(account) == before - Decimal("25.50")
    posted = AccountEntry.objects.get(pk=correction.written_id)
    assert (posted.kind, posted.cause_type, posted.cause_id) == ("correction", "correction", correction.pk)
    # the entries before are untouched: the correction is a new row
    assert entries <= set(AccountEntry.objects.filter(account=account).values_list("pk", "amount"))
    assert [e.kind for e in CorrectionEvent.objects.filter(correction=correction)] == ["proposed", "applied"]


def test_four_eyes_above_the_region_amount(desk, insured):
    person, account = insured
    DisputeTerms.objects.create(region=desk.region, four_eyes_amount=Decimal("100.00"))
    before = _balance(account)
    correction = correction_propose(person=person, kind="account_entry", amount=Decimal("300.00"), reason="漏记",
                                    actor=desk.reviewer)
    assert correction.state == CorrectionState.PROPOSED and correction.needs_second
    assert _balance(account) == before
    with pytest.raises(ApplicationError) as same:
        correction_approve(correction=correction, actor=desk.reviewer)
    assert (same.value.status, same.value.type_slug) == (403, "correction-four-eyes")
    with pytest.raises(ApplicationError) as clerk:  # a plain clerk may not approve at all
        correction_approve(correction=correction, actor=desk.clerk)
    assert clerk.value.status == 403
    correction = correction_approve(correction=correction, actor=desk.other_reviewer)
    assert correction.state == CorrectionState.APPLIED and correction.approved_by_id == desk.other_reviewer.user_id
    assert _balance(account) == before + Decimal("300.00")


def test_a_rejected_proposal_writes_nothing(desk, insured):
    person, account = insured
    DisputeTerms.objects.create(region=desk.region, four_eyes_amount=Decimal("1.00"))
    before = _balance(account)
    correction = correction_propose(person=person, kind="account_entry", amount="5.00", reason="漏记",
                                    actor=desk.reviewer)
    correction = correction_reject(correction=correction, note="无依据", actor=desk.other_reviewer)
    assert correction.state == CorrectionState.REJECTED and _balance(account) == before


def test_a_final_period_needs_a_supervisor(desk, insured):
    person, account = insured
    DisputeTerms.objects.create(region=desk.region, finality_years=5)
    before = _balance(account)
    correction = correction_propose(person=person, kind="account_entry", amount="10.00", month=date(2001, 5, 1),
                                    reason="2001年漏记", actor=desk.reviewer)
    assert correction.state == CorrectionState.PROPOSED and correction.final_period and not correction.needs_second
    with pytest.raises(ApplicationError) as final:
        correction_approve(correction=correction, actor=desk.other_reviewer)
    assert (final.value.status, final.value.type_slug) == (403, "correction-period-final")
    correction = correction_approve(correction=correction, actor=desk.supervisor)
    assert correction.state == CorrectionState.APPLIED and _balance(account) == before + Decimal("10.00")


def test_a_month_correction_files_the_correction_and_changes_the_arrears(desk, insured):
    person, _account = insured
    employer = desk.employer_month(person, wage="8000.00")
    before = _principal(employer)
    dispute = dispute_file(person=person, subject_kind="employer_month", month=MONTH, employer=employer,
                           account_text="单位按8000元申报，实际工资10000元。", actor=person_viewer(person))
    DisputeTerms.objects.create(region=desk.region, four_eyes_amount=Decimal("100000.00"))
    correction = correction_propose(person=person, dispute=dispute, kind="employer_month", month=MONTH,
                                    employer=employer, wage=Decimal("10000.00"), reason="工资基数有误",
                                    actor=desk.reviewer)
    assert correction.state == CorrectionState.APPLIED and correction.effect > 0
    filing = Declaration.objects.get(pk=correction.written_id)
    assert filing.sequence == 2 and filing.difference == correction.effect
    assert Charge.objects.filter(declaration=filing).get().amount == correction.effect
    assert _principal(employer) == before + correction.effect
    dispute = dispute_decide_corrected(dispute=dispute, reasons="已责成更正申报。", actor=desk.reviewer)
    assert dispute.state == "corrected"


def test_a_month_correction_of_a_person_not_on_the_roll_is_refused(desk, insured):
    person, _account = insured
    employer = desk.employer_month(desk.insured(seq=313)[0])
    with pytest.raises(ValidationFailed) as refused:
        correction_propose(person=person, kind="employer_month", month=MONTH, employer=employer,
                           wage="9000.00", reason="漏报", actor=desk.reviewer)
    assert refused.value.errors[0]["code"] == "not_on_roll"


def test_corrections_are_scoped_to_the_clerks_region(desk, insured):
    person, _account = insured
    elsewhere = Desk(code="110105")
    with pytest.raises(NotFound):
        correction_propose(person=person, kind="account_entry", amount="1.00", reason="x", actor=elsewhere.reviewer)
    correction = correction_propose(person=person, kind="account_entry", amount="1000.00", reason="x",
                                    actor=desk.reviewer)
    with pytest.raises(NotFound):
        correction_approve(correction=correction, actor=elsewhere.reviewer)


@pytest.mark.parametrize(("fields", "field"), [
    ({"amount": "0"}, "amount"), ({"amount": "abc"}, "amount"), ({"amount": "99999999"}, "amount"),
    ({"amount": "1.00", "reason": " "}, "reason"), ({"amount": "1.00", "month": date(2099, 1, 1)}, "month"),
])
def test_bad_correction_input(desk, insured, fields, field):
    person, _account = insured
    fields.setdefault("reason", "x")
    with pytest.raises(ValidationFailed) as refused:
        correction_propose(person=person, kind="account_entry", actor=desk.reviewer, **fields)
    assert refused.value.errors[0]["field"] == field


def test_the_clerk_corrects_a_dispute_at_the_terminal(desk, insured):
    """`manage.py dispute_correct` (common.commands.ClerkCommand, as pension_determine): the clerk named acts
    through the services; another region's clerk is refused with the problem, nothing written."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    person, account = insured
    dispute = dispute_file(person=person, subject_kind="month", month=date(2025, 3, 1),
                           account_text="2025年3月少记了一笔。", actor=person_viewer(person))
    stranger = Desk(code="320102")
    before = _balance(account)
    with pytest.raises(CommandError, match="^404 "):
        call_command("dispute_correct", dispute.pk, "--clerk", stranger.reviewer_user.username, "--amount", "20.00",
                     "--reasons", "补记。")
    assert _balance(account) == before
    out = StringIO()
    call_command("dispute_correct", dispute.pk, "--clerk", desk.reviewer_user.username, "--amount", "20.00",
                 "--reasons", "2025年3月漏记，已补记。", stdout=out)
    assert f"dispute {dispute.pk} corrected" in out.getvalue()
    assert _balance(account) == before + Decimal("20.00")
