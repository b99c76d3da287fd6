"""Lump-sum refunds: each eligible and refused case, the steps, four eyes, closure, heirs, scoping."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import AccountEntry, EntryKind, PensionAccount
from accounts.selectors import account_summary
from agency.models import Deadline, InterestRate
from common.access import Viewer
from common.display import message_render
from common.identifiers import mask_document
from common.problems import ApplicationError, NotFound, ValidationFailed
from insured.models import Employment, EventKind, InsuranceRelationship, RelationshipEvent, RelationshipState
from refunds.models import Refund, RefundEvent, RefundState
from refunds.retirement import retirement_age
from refunds.rules import heir_amounts
from refunds.services.refunds import (
    nationality_notice_serve,
    refund_apply,
    refund_audit,
    refund_liquidate,
    refund_payout_approve,
    refund_reject,
)
from refunds.terms import RefundRule
from tests.accounts.factories import credit
from tests.agency.factories import RegionFactory
from tests.builders import clerk, person_viewer
from tests.employers.factories import EmployerFactory
from tests.ids import resident_id
from tests.insured.factories import PersonFactory
from tests.refunds.factories import Desk, insured_with_account

pytestmark = pytest.mark.django_db

HEIRS = [{"name": "李一", "document_number": "310101200001010011", "share_numerator": 1, "share_denominator": 3},
         {"name": "李二", "document_number": "310101200001010038", "share_numerator": 1, "share_denominator": 3},
         {"name": "李三", "document_number": "310101200001010054", "share_numerator": 1, "share_denominator": 3}]


@pytest.fixture
def desk():
    return Desk()


def _apply(person, reason, actor=None, **kw):
    kw.setdefault("bank_account", "6222020200112233")
    return refund_apply(person=person, reason=reason, actor=actor or person_viewer(person), channel="api", **kw)


def _slug(excinfo) -> str:
    return excinfo.value.type_slug


def retired_short(desk, **kw):
    return insured_with_account(desk.region, original_retirement_age="men_60", **kw)


# ---------------------------------------------------------------- eligible

def test_retirement_age_with_too_few_years_is_eligible_and_starts_the_audit_clock(desk):
    person, _account = retired_short(desk)
    refund = _apply(person, "retirement_short")
    assert refund.state == RefundState.SUBMITTED and refund.payee_name == person.name
    event = refund.events.get()
    # what was checked: 24 credits of 100.00; born 1960-03-10, a man reaches 60 on 2020-03-10 (minimum 180 months)
    assert event.kind == "applied" and event.details["checked"] == {
        "balance": "2400.00", "retirement_on": "2020-03-10", "age": "60y0m", "months": 24, "minimum_months": 180}
    assert Deadline.objects.filter(rule=RefundRule.REFUND_AUDIT, subject_id=refund.pk, closed_at__isnull=True).exists()


def test_a_man_whose_category_was_never_recorded_is_eligible_at_60(desk):
    """Issue 23, loose end 5: a man has one original age (60); only a woman's category is a fact to record."""
    person, _account = insured_with_account(desk.region)
    assert person.sex == "M" and person.original_retirement_age == ""
    refund = _apply(person, "retirement_short")
    assert refund.state == RefundState.SUBMITTED
    assert refund.events.get().details["checked"]["age"].startswith("60y")


def test_a_woman_whose_category_was_never_recorded_is_asked_for_it(desk):
    person, _account = insured_with_account(desk.region, seq=312, sex="F")
    with pytest.raises(ValidationFailed) as err:
        _apply(person, "retirement_short")
    assert err.value.errors[0]["field"] == "original_retirement_age"


def test_nationality_lost_is_eligible_once_the_notice_was_served(desk):
    person, _ = insured_with_account(desk.region, nationality="USA")
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        _apply(person, "nationality_lost")
    assert (err.value.status, _slug(err), err.value.detail, err.value.extra) == (
        409, "refund-nationality-notice-missing", "经办机构须先书面告知参保人可保留个人账户。",
        {"rule": "Order No. 13 of 2011"})
    # a notice served again later: the application names the latest one, whichever was recorded first
    nationality_notice_serve(person=person, actor=desk.clerk, served_on=date(2026, 3, 2))
    notice = nationality_notice_serve(person=person, actor=desk.clerk, served_on=date(2026, 3, 9))
    assert notice.served_on and "保留个人账户" in notice.text
    refund = _apply(person, "nationality_lost")
    assert refund.events.get().details["checked"]["notice"] == notice.reference


def test_a_foreigner_leaving_china_is_eligible_a_citizen_is_not(desk):
    foreigner, _ = insured_with_account(desk.region, document_type="passport", document_number="E12345678",
                                        nationality="DEU", birth_date=date(1985, 2, 1), sex="M")
    assert _apply(foreigner, "foreigner_leaving").state == RefundState.SUBMITTED
    citizen, _ = insured_with_account(desk.region, seq=313)
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        _apply(citizen, "foreigner_leaving")
    assert (err.value.status, _slug(err), err.value.detail, err.value.extra) == (
        409, "refund-not-a-foreigner", "离境一次性支付适用于外国人。", {"rule": "Order No. 13 of 2011"})
    # a Chinese citizen travelling on a passport is not a foreigner either
    traveller, _ = insured_with_account(desk.region, document_type="passport", document_number="E87654321",
                                        nationality="CHN", birth_date=date(1985, 2, 1), sex="M")
    with pytest.raises(ApplicationError) as err:
        _apply(traveller, "foreigner_leaving")
    assert _slug(err) == "refund-not-a-foreigner"


def test_death_pays_the_heirs_whose_shares_make_the_whole(desk):
    person, _ = insured_with_account(desk.region, state=RelationshipState.AWAITING_REFUND)
    bad = [dict(HEIRS[0], share_numerator=1, share_denominator=2), HEIRS[1]]
    with pytest.raises(ValidationFailed) as err:
        _apply(person, "death", actor=desk.clerk, heirs=bad, bank_account="")
    assert err.value.errors[0]["code"] == "shares_not_whole" and err.value.errors[0]["field"] == "heirs"
    refund = _apply(person, "death", actor=desk.clerk, heirs=HEIRS, bank_account="")
    assert refund.heirs.count() == 3


def test_a_person_cannot_apply_for_the_heirs_refund_and_not_for_another_person(desk):
    person, _ = insured_with_account(desk.region)
    other, _ = insured_with_account(desk.region, seq=315)
    with pytest.raises(ValidationFailed):
        _apply(person, "death", heirs=HEIRS)
    with pytest.raises(NotFound) as err, translation.override("zh-hans"):
        _apply(other, "retirement_short", actor=person_viewer(person))
    assert err.value.detail == "您无权查看该参保人，或该参保人不存在。"


# ---------------------------------------------------------------- refused, each naming its rule

@pytest.mark.parametrize(("reason", "slug", "rule", "detail"), [
    ("settling_abroad", "refund-settling-abroad", "Order No. 13 of 2011", "仅出国（境）定居不终止参保关系，个人账户予以保留。"),
    ("other", "refund-early-withdrawal", "Social Insurance Law Art. 14", "个人账户不得提前支取。")])
def test_reasons_the_law_does_not_allow_are_refused(desk, reason, slug, rule, detail):
    person, _ = retired_short(desk)
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        _apply(person, reason)
    assert (_slug(err), err.value.extra, err.value.status, err.value.detail) == (slug, {"rule": rule}, 409, detail)
    assert not Refund.objects.exists()


def test_under_retirement_age_is_refused_with_the_date(desk):
    person, _ = retired_short(desk, born=date(1990, 5, 17))
    with pytest.raises(ApplicationError) as err:
        _apply(person, "retirement_short")
    assert _slug(err) == "refund-under-retirement-age"
    assert err.value.extra["retirement_date"] == "2053-05-17"  # born after 1976-08: 63
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        _apply(person, "retirement_short")
    assert (err.value.detail, err.value.extra) == ("参保人于 2053-05-17 达到法定退休年龄。", {
        "rule": "2024 decision on the statutory retirement age", "retirement_date": "2053-05-17"})


def test_the_day_the_retirement_age_is_reached_the_person_may_apply(desk):
    today = timezone.localdate()
    born = next(day for day in (today - timedelta(days=n) for n in range(365 * 60, 365 * 62))
                if retirement_age(day, "men_60").on == today)
    person, _ = retired_short(desk, born=born)
    assert _apply(person, "retirement_short").state == RefundState.SUBMITTED


def test_the_minimum_years_reached_is_refused(desk):
    person, _ = retired_short(desk, months=180, per_month="10.00", start=date(2005, 1, 1))
    with pytest.raises(ApplicationError) as err:
        _apply(person, "retirement_short")
    assert _slug(err) == "refund-minimum-years-reached" and err.value.extra["months"] == 180
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        _apply(person, "retirement_short")
    assert (err.value.detail, err.value.extra) == ("缴费 180 个月，已达到按月领取养老金的最低 180 个月。", {
        "rule": "Social Insurance Law Art. 16; 2024 decision", "months": 180, "minimum_months": 180})


def test_an_open_employment_is_refused(desk):
    person, _ = retired_short(desk)
    Employment.objects.create(person=person, employer=EmployerFactory(region=desk.region),
                              start_date=date(2026, 1, 1), monthly_wage=Decimal("5000.00"))
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        _apply(person, "retirement_short")
    assert (err.value.status, _slug(err), err.value.detail, err.value.extra) == (
        409, "refund-open-employment", "参保人仍在单位参保；须由单位先办理减员。", {"rule": "Order No. 13 of 2011"})
    # an employment that ended does not stop the application, nor does another person's open one
    left, _ = retired_short(desk, seq=317)
    Employment.objects.create(person=left, employer=EmployerFactory(region=desk.region), start_date=date(2025, 1, 1),
                              end_date=date(2025, 12, 31), monthly_wage=Decimal("5000.00"))
    assert _apply(left, "retirement_short").state == RefundState.SUBMITTED


def test_a_second_open_refund_is_refused(desk):
    person, _ = retired_short(desk)
    first = _apply(person, "retirement_short")
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        _apply(person, "retirement_short")
    assert (err.value.status, _slug(err), err.value.detail, err.value.extra) == (
        409, "refund-already-open", "该参保人已有办理中的一次性支付。",
        {"rule": "one open refund", "existing": f"/api/v1/me/refunds/{first.pk}", "existing_id": first.pk})
    other, _ = retired_short(desk, seq=325)  # another person's open refund stops nobody else
    assert _apply(other, "retirement_short").state == RefundState.SUBMITTED


def test_no_balance_is_refused_and_a_yuan_and_a_half_is_paid_to_the_fen(desk):
    without, _ = retired_short(desk, months=0)
    stranger = PersonFactory(region=desk.region, document_number=resident_id(region="310101", born=date(1960, 3, 10),
                                                                             seq=319))
    for person in (without, stranger):  # an account at zero, or none at all
        with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
            _apply(person, "retirement_short")
        assert (err.value.status, _slug(err), err.value.detail, err.value.extra) == (
            409, "refund-no-balance", "参保人个人账户没有可支付的余额。", {"rule": "Social Insurance Law Art. 14"})
    person, account = retired_short(desk, seq=327, months=1, per_month="1.00", start=date(2026, 1, 1))
    refund = _liquidated(desk, person, month=date(2026, 1, 1))
    assert (refund.amount, refund.interest_credited, refund.state) == (
        Decimal("1.00"), Decimal("0.00"), RefundState.LIQUIDATED)
    # fifty fen more came in: liquidated again, still without interest, and paid to the fen
    credit(account, "0.50", date(2026, 1, 20), key="late")
    refund = refund_liquidate(refund=refund, actor=desk.clerk, payout_month=date(2026, 1, 1))
    assert (refund.amount, refund.interest_credited) == (Decimal("1.50"), Decimal("0.00"))
    refund_payout_approve(refund=refund, actor=desk.approver, bank_reference="B1")
    assert PensionAccount.objects.get(pk=account.pk).balance == 0


def test_a_balance_gone_to_zero_after_the_audit_is_not_liquidated(desk):
    person, account = retired_short(desk, months=1, start=date(2026, 1, 1))
    refund = refund_audit(refund=_apply(person, "retirement_short"), actor=desk.clerk)
    AccountEntry.objects.create(account=account, kind=EntryKind.CORRECTION, amount=-account.balance,
                                contribution_month=date(2026, 1, 1), posted_on=date(2026, 1, 20), cause_type="test",
                                source_key="credited-in-error", actor="test")
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        refund_liquidate(refund=refund, actor=desk.clerk, payout_month=date(2026, 1, 1))
    assert (err.value.status, _slug(err), err.value.detail, err.value.extra) == (
        409, "refund-no-balance", "参保人个人账户没有可支付的余额。", {"rule": "Social Insurance Law Art. 14"})
    assert Refund.objects.get(pk=refund.pk).state == RefundState.AUDITED


# ---------------------------------------------------------------- the steps

def _liquidated(desk, person, month=date(2026, 6, 1)):
    refund = refund_audit(refund=_apply(person, "retirement_short"), actor=desk.clerk)
    return refund_liquidate(refund=refund, actor=desk.clerk, payout_month=month)


def test_liquidation_credits_interest_to_the_payout_month(desk):
    InterestRate.objects.create(year=2026, percent=Decimal("3.00"), effective_from=date(2027, 6, 1))
    person, account = retired_short(desk, months=3, start=date(2026, 1, 1))
    refund = _liquidated(desk, person, month=date(2026, 6, 15))  # the payout month is the month, from its first day
    # (100 x 6 + 100 x 5 + 100 x 4) x 3 / 1200 = 3.75: each credit from its posting month up to June
    assert refund.interest_credited == Decimal("3.75") and refund.amount == Decimal("303.75")
    assert Refund.objects.get(pk=refund.pk).payout_month == date(2026, 6, 1)
    interest = AccountEntry.objects.get(account=account, kind=EntryKind.INTEREST)
    assert (interest.interest_year, interest.interest_until_month) == (2026, 6)
    assert (interest.actor, interest.actor_user_id) == (desk.clerk.label(), desk.clerk_user.pk)
    assert RefundEvent.objects.get(refund=refund, kind="liquidated").details["payout_month"] == "2026-06-01"
    assert refund.prepared_by_id == desk.clerk.user_id
    assert Deadline.objects.get(rule=RefundRule.REFUND_AUDIT, subject_id=refund.pk).closed_at is not None
    assert Deadline.objects.filter(rule=RefundRule.REFUND_PAYOUT, subject_id=refund.pk,
                                   closed_at__isnull=True).exists()
    # money came in after the liquidation: liquidated again, the interest credited the first time still counts
    credit(account, "10.00", date(2026, 6, 20), key="late")
    again = refund_liquidate(refund=Refund.objects.get(pk=refund.pk), actor=desk.clerk, payout_month=date(2026, 6, 1))
    assert (again.amount, again.interest_credited) == (Decimal("313.75"), Decimal("3.75"))


def test_the_preparer_cannot_approve_the_payout(desk):
    person, _ = retired_short(desk)
    refund = _liquidated(desk, person)
    from django.contrib.auth.models import Group

    desk.clerk_user.groups.add(Group.objects.get(name="reviewer"))  # the preparer holds the approval right too
    with pytest.raises(ApplicationError) as err:
        refund_payout_approve(refund=refund, actor=desk.clerk, bank_reference="B1")
    assert _slug(err) == "refund-four-eyes" and err.value.status == 403
    assert Refund.objects.get(pk=refund.pk).state == RefundState.LIQUIDATED


def test_a_clerk_without_the_approval_permission_cannot_approve(desk):
    person, _ = retired_short(desk)
    refund = _liquidated(desk, person)
    plain = clerk(desk.region, office=desk.office)
    with pytest.raises(ApplicationError) as err:
        refund_payout_approve(refund=refund, actor=plain, bank_reference="B1")
    assert err.value.status == 403


def test_the_second_clerks_approval_pays_closes_and_keeps_the_record_readable(desk):
    person, account = retired_short(desk)
    refund = _liquidated(desk, person)
    paid = refund_payout_approve(refund=refund, actor=desk.approver, bank_reference="ICBC-2026-0001")
    assert paid.state == RefundState.PAID and paid.approved_by_id == desk.approver.user_id
    account.refresh_from_db()
    assert account.balance == 0 and account.closed_on is not None
    payout = AccountEntry.objects.get(account=account, kind=EntryKind.PAYOUT)
    assert payout.amount == -refund.amount and "ICBC-2026-0001" in payout.note
    relationship = InsuranceRelationship.objects.get(person=person)
    assert relationship.state == RelationshipState.CLOSED
    assert RelationshipEvent.objects.filter(person=person, kind=EventKind.CANCELLATION).count() == 1
    assert list(RefundEvent.objects.filter(refund=refund).values_list("kind", flat=True)) == [
        "applied", "audited", "liquidated", "paid", "closed"]
    assert RefundEvent.objects.get(refund=refund, kind="audited").details["note"] == ""  # audited without a note
    summary = account_summary(person_viewer(person))
    assert summary.account is not None and summary.balance == 0 and summary.months == 24
    with pytest.raises(ApplicationError) as err:  # paid once
        refund_payout_approve(refund=refund, actor=desk.approver, bank_reference="again")
    assert _slug(err) == "already-decided"


def test_a_balance_that_moved_after_liquidation_is_liquidated_again_without_rejecting(desk):
    """Issue 23, loose end 4: money came in after the liquidation; the approval is refused, the clerk
    liquidates again (a step of the machine from "liquidated"), and another clerk approves the new amount."""
    person, account = retired_short(desk)
    refund = _liquidated(desk, person)
    first = refund.amount
    credit(account, "50.00", date(2026, 6, 20), key="late")
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        refund_payout_approve(refund=refund, actor=desk.approver, bank_reference="B1")
    assert (err.value.status, err.value.type_slug, err.value.detail) == (
        409, "conflict", f"清算后余额已变动（清算时 {first}，现为 {first + Decimal('50.00')}）；请重新清算。")
    again = refund_liquidate(refund=Refund.objects.get(pk=refund.pk), actor=desk.clerk, payout_month=date(2026, 6, 1))
    assert again.state == RefundState.LIQUIDATED and again.amount == first + Decimal("50.00")
    paid = refund_payout_approve(refund=again, actor=desk.approver, bank_reference="B2")
    assert paid.state == RefundState.PAID and paid.amount == first + Decimal("50.00")
    assert list(RefundEvent.objects.filter(refund=refund).values_list("kind", flat=True)) == [
        "applied", "audited", "liquidated", "liquidated", "paid", "closed"]


def test_the_payout_closes_the_open_relationship_and_leaves_a_transfer_out_as_it_was(desk):
    """A relationship that ended by a transfer out stays 'transferred': the payout cancels only what
    was still open, and writes one cancellation event for it."""
    person, _account = retired_short(desk)
    earlier = InsuranceRelationship.objects.create(person=person, region=RegionFactory(code="110105"),
                                                   state=RelationshipState.TRANSFERRED, opened_on=date(2015, 1, 1),
                                                   state_since=date(2023, 12, 31))
    refund = _liquidated(desk, person)
    refund_payout_approve(refund=refund, actor=desk.approver, bank_reference="ICBC-2026-0002")
    earlier.refresh_from_db()
    assert (earlier.state, earlier.state_since) == (RelationshipState.TRANSFERRED, date(2023, 12, 31))
    here = InsuranceRelationship.objects.get(person=person, region=desk.region)
    assert here.state == RelationshipState.CLOSED
    cancellation = RelationshipEvent.objects.get(person=person, kind=EventKind.CANCELLATION)
    assert (cancellation.channel, cancellation.note, cancellation.details) == (
        "admin", "Individual account paid out; relationship cancelled.",
        {"refund_id": refund.pk, "amount": str(refund.amount)})
    with translation.override("zh-hans"):  # kept as its msgid, read in the clerk's language
        assert gettext(cancellation.note) == "个人账户已一次性支付，参保关系已注销。"
    assert RefundEvent.objects.get(refund=refund, kind="closed").details == {
        "account": PensionAccount.objects.get(person=person).pk, "relationships": [here.pk]}


def test_heirs_get_their_shares_to_the_fen(desk):
    person, account = insured_with_account(desk.region, months=1, state=RelationshipState.AWAITING_REFUND)
    refund = _apply(person, "death", actor=desk.clerk, heirs=HEIRS, bank_account="")
    refund = refund_liquidate(refund=refund_audit(refund=refund, actor=desk.clerk), actor=desk.clerk,
                              payout_month=date(2024, 1, 1))
    parts = list(refund.heirs.values_list("amount", flat=True))
    assert sum(parts) == refund.amount and max(parts) - min(parts) == Decimal("0.01")
    # the liquidation records each heir's part
    assert RefundEvent.objects.get(refund=refund, kind="liquidated").details["heirs"] == {
        str(heir.pk): str(heir.amount) for heir in refund.heirs.all()}
    refund_payout_approve(refund=refund, actor=desk.approver, bank_reference="B-heirs")
    assert AccountEntry.objects.filter(account=account, kind=EntryKind.PAYOUT).count() == 3
    assert PensionAccount.objects.get(pk=account.pk).balance == 0


def test_heir_amounts_split_by_largest_remainder():
    from fractions import Fraction

    assert heir_amounts(Decimal("100.00"), [Fraction(1, 3)] * 3) == [Decimal("33.34"), Decimal("33.33"),
                                                                        Decimal("33.33")]
    assert heir_amounts(Decimal("0.05"), [Fraction(1, 2), Fraction(1, 2)]) == [Decimal("0.03"), Decimal("0.02")]


def test_rejection_keeps_the_account_and_frees_the_person_to_apply_again(desk):
    person, account = retired_short(desk)
    refund = _apply(person, "retirement_short")
    with pytest.raises(ValidationFailed):
        refund_reject(refund=refund, actor=desk.clerk, note=" ")
    refund_reject(refund=refund, actor=desk.clerk, note="证明材料不全")
    assert PensionAccount.objects.get(pk=account.pk).balance == account.balance
    assert _apply(person, "retirement_short").state == RefundState.SUBMITTED


def test_a_clerk_of_another_region_sees_no_refund(desk):
    other = Desk(code="310104")
    person, _ = retired_short(desk)
    refund = _apply(person, "retirement_short")
    with pytest.raises(NotFound) as err, translation.override("zh-hans"):
        refund_audit(refund=refund, actor=other.clerk)
    assert err.value.detail == "本统筹区没有该一次性支付申请。"
    with pytest.raises(NotFound) as err, translation.override("zh-hans"):
        refund_apply(person=person, reason="retirement_short", actor=other.clerk, channel="admin",
                     bank_account="1")
    assert err.value.detail == "您无权查看该参保人，或该参保人不存在。"


def test_an_employment_opened_after_the_audit_stops_the_liquidation(desk):
    person, _ = retired_short(desk)
    refund = refund_audit(refund=_apply(person, "retirement_short"), actor=desk.clerk)
    job = Employment.objects.create(person=person, employer=EmployerFactory(region=desk.region),
                                    start_date=date(2026, 1, 1), monthly_wage=Decimal("5000.00"))
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        refund_liquidate(refund=refund, actor=desk.clerk)
    assert (err.value.status, _slug(err), err.value.detail, err.value.extra) == (
        409, "refund-open-employment", "参保人仍在单位参保；须由单位先办理减员。", {"rule": "Order No. 13 of 2011"})
    # a payout is prepared by a named clerk, never by the system
    with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
        refund_liquidate(refund=refund, actor=Viewer.system())
    assert (err.value.status, err.value.detail) == (403, "支付须由具名经办人员准备。")
    # the employment ended, and another person's open one, do not stop the liquidation
    Employment.objects.filter(pk=job.pk).update(end_date=date(2026, 3, 31))
    someone, _ = retired_short(desk, seq=343)
    Employment.objects.create(person=someone, employer=EmployerFactory(region=desk.region),
                              start_date=date(2026, 1, 1), monthly_wage=Decimal("5000.00"))
    assert refund_liquidate(refund=refund, actor=desk.clerk).state == RefundState.LIQUIDATED


def test_an_employment_opened_after_the_liquidation_stops_the_payout(desk):
    person, account = retired_short(desk)
    refund = _liquidated(desk, person)
    Employment.objects.create(person=person, employer=EmployerFactory(region=desk.region),
                              start_date=date(2026, 1, 1), monthly_wage=Decimal("5000.00"))
    with pytest.raises(ApplicationError) as err:
        refund_payout_approve(refund=refund, actor=desk.approver, bank_reference="B")
    assert _slug(err) == "refund-open-employment"
    assert PensionAccount.objects.get(pk=account.pk).balance == refund.amount


# ---------------------------------------------------------------- what each refusal and record says

@pytest.mark.parametrize(("heirs", "field", "code"), [
    ([], "heirs", "required"),
    ([dict(HEIRS[0], share_denominator=0)], "heirs[0].share", "invalid"),
    ([dict(HEIRS[0], share_numerator="x")], "heirs[0].share", "invalid"),
    ([{"name": "李一", "document_number": "310101200001010011"}], "heirs[0].share", "invalid"),
    ([HEIRS[0], dict(HEIRS[1], name=" ")], "heirs[1]", "required"),
    ([HEIRS[0], dict(HEIRS[1], document_number="")], "heirs[1]", "required"),
    # a heir sent without the field at all is refused the same way, never stored as "None" or a placeholder
    ([HEIRS[0], {k: v for k, v in HEIRS[1].items() if k != "name"}], "heirs[1]", "required"),
    ([HEIRS[0], {k: v for k, v in HEIRS[1].items() if k != "document_number"}], "heirs[1]", "required"),
    ([dict(HEIRS[0], share_numerator=0)], "heirs[0].share", "invalid"),
    ([dict(HEIRS[0], share_numerator=4, share_denominator=3)], "heirs[0].share", "invalid"),
    ([HEIRS[0], dict(HEIRS[1], document_number=HEIRS[0]["document_number"].lower() + " ")],
     "heirs[1].document_number", "duplicate"),
])
def test_each_fault_in_the_heirs_list_is_named_with_its_heir(desk, heirs, field, code):
    person, _ = insured_with_account(desk.region, state=RelationshipState.AWAITING_REFUND)
    with pytest.raises(ValidationFailed) as err, translation.override("zh-hans"):
        _apply(person, "death", actor=desk.clerk, heirs=heirs, bank_account="")
    assert [(e["field"], e["code"]) for e in err.value.errors] == [(field, code)]
    assert re.search("[\u4e00-\u9fff]", err.value.errors[0]["message"])  # told in the caller's language
    assert not Refund.objects.exists()


def test_a_whole_share_is_one_heir_and_the_heirs_are_kept_as_written(desk):
    person, _ = insured_with_account(desk.region, state=RelationshipState.AWAITING_REFUND)
    one = {"name": " 李一 ", "document_number": " 31010120000101001x ", "share_numerator": "1",
           "share_denominator": "1", "relation": "子女", "bank_account": "6222000011112222"}
    # at the counter without an account or a note: the heirs' accounts are paid, nothing else is recorded
    refund = refund_apply(person=person, reason="death", actor=desk.clerk, channel="admin", heirs=[one])
    refund.refresh_from_db()
    assert (refund.bank_account, refund.note) == ("", "")
    heir = refund.heirs.get()
    assert (heir.name, heir.document_number, heir.relation, heir.bank_account) == (
        "李一", "31010120000101001X", "子女", "6222000011112222")
    assert (heir.share_numerator, heir.share_denominator) == (1, 1)
    assert refund.payee_name == "" and refund.events.get().details["heirs"] == 1


def test_the_application_keeps_the_payee_the_account_and_the_note_and_needs_an_account(desk):
    person, _ = retired_short(desk)
    with pytest.raises(ValidationFailed) as err, translation.override("zh-hans"):
        _apply(person, "retirement_short", bank_account="  ")
    assert [(e["field"], e["code"], e["message"]) for e in err.value.errors] == [
        ("bank_account", "required", "须填写收款银行账号。")]
    form = SimpleUploadedFile("申请表.pdf", b"%PDF-1.4 form", content_type="application/pdf")
    refund = _apply(person, "retirement_short", payee_name="李某某", bank_account=" 6222020200112233 ",
                    note="counter", documents=[(form, "")])
    refund.refresh_from_db()
    assert (refund.payee_name, refund.bank_account, refund.note) == ("李某某", "6222020200112233", "counter")
    assert (refund.applied_by, refund.channel, refund.region_id) == (person_viewer(person).label(), "api",
                                                                     desk.region.pk)
    document = refund.documents.get()  # a file sent without its kind is the application form
    assert (document.kind, document.region_id, document.uploaded_by) == (
        "application_form", desk.region.pk, person_viewer(person).label())
    event = refund.events.get()
    assert (event.details["heirs"], event.details["documents"]) == (0, [document.pk])
    assert (event.details["channel"], event.details["reason"]) == ("api", "retirement_short")
    assert event.details["checked"]["balance"] == str(PensionAccount.objects.get(person=person).balance)
    # a payee or an account longer than the record holds is cut to it, not refused by the database
    other, _ = retired_short(desk, seq=321)
    long = _apply(other, "retirement_short", payee_name="李" * 101, bank_account="6" * 41)
    long.refresh_from_db()
    assert (long.payee_name, long.bank_account) == ("李" * 100, "6" * 40)


def test_a_person_applying_for_a_reason_of_the_counter_is_told_so_on_the_reason(desk):
    person, _ = retired_short(desk)
    with pytest.raises(ValidationFailed) as err, translation.override("zh-hans"):
        _apply(person, "death", heirs=HEIRS)
    assert [(e["field"], e["code"], e["message"]) for e in err.value.errors] == [
        ("reason", "invalid_choice", "向继承人支付须到经办机构窗口申请。")]


def test_the_nationality_notice_is_numbered_per_region_and_year_and_names_who_served_it(desk):
    person, _ = insured_with_account(desk.region, nationality="USA")
    other, _ = insured_with_account(desk.region, seq=316, nationality="USA")
    last_year, _ = insured_with_account(desk.region, seq=323, nationality="USA")
    stranger = Desk(code="310104")
    elsewhere, _ = insured_with_account(stranger.region, seq=331, nationality="USA")
    # a notice of the year before and one of another region do not count in this region's 2026 numbers
    nationality_notice_serve(person=last_year, actor=desk.clerk, served_on=date(2025, 12, 30))
    nationality_notice_serve(person=elsewhere, actor=stranger.clerk, served_on=date(2026, 3, 1))
    first = nationality_notice_serve(person=person, actor=desk.clerk, served_on=date(2026, 3, 2))
    second = nationality_notice_serve(person=other, actor=desk.clerk, served_on=date(2026, 3, 3))
    assert first.reference == f"GJ310101202600001-{person.pk}"
    assert second.reference == f"GJ310101202600002-{other.pk}"
    assert (first.served_on, first.served_by, first.served_by_user_id) == (date(2026, 3, 2), desk.clerk.label(),
                                                                          desk.clerk_user.pk)
    assert first.region_id == desk.region.pk and first.person_id == person.pk
    with pytest.raises(NotFound) as err, translation.override("zh-hans"):
        nationality_notice_serve(person=person, actor=stranger.clerk)
    assert err.value.detail == "您无权查看该参保人，或该参保人不存在。"


def test_a_rejection_keeps_its_reason_and_the_audit_keeps_the_note(desk):
    person, _ = retired_short(desk)
    refund = _apply(person, "retirement_short")
    with pytest.raises(ValidationFailed) as err, translation.override("zh-hans"):
        refund_reject(refund=refund, actor=desk.clerk, note=" ")
    assert [(e["field"], e["code"], e["message"]) for e in err.value.errors] == [("note", "required", "驳回须说明理由。")]
    with pytest.raises(ValidationFailed) as err:  # no note at all: the same refusal, not an error
        refund_reject(refund=refund, actor=desk.clerk, note=None)
    assert [(e["field"], e["code"]) for e in err.value.errors] == [("note", "required")]
    rejected = refund_reject(refund=refund, actor=desk.clerk, note=" 证明材料不全 ")
    assert Refund.objects.get(pk=rejected.pk).decision_note == "证明材料不全"
    assert Refund.objects.get(pk=rejected.pk).state == RefundState.REJECTED
    audited = refund_audit(refund=_apply(person, "retirement_short"), actor=desk.clerk, note="材料齐全")
    assert RefundEvent.objects.get(refund=audited, kind="audited").details["note"] == "材料齐全"


def test_the_payout_needs_the_banks_reference_and_records_it_trimmed(desk):
    person, account = retired_short(desk)
    refund = _liquidated(desk, person)
    with pytest.raises(ValidationFailed) as err:
        refund_payout_approve(refund=refund, actor=desk.approver, bank_reference="  ")
    assert [(e["field"], e["code"]) for e in err.value.errors] == [("bank_reference", "required")]
    paid = refund_payout_approve(refund=refund, actor=desk.approver, bank_reference=" ICBC-7 ")
    paid.refresh_from_db()
    assert (paid.bank_reference, paid.closed_on) == ("ICBC-7", PensionAccount.objects.get(pk=account.pk).closed_on)
    payout = AccountEntry.objects.get(account=account, kind=EntryKind.PAYOUT)
    assert payout.note == f"ICBC-7 {person.name}" and payout.actor_user_id == desk.approver_user.pk
    # the entry names what caused it, once per payee (the person: 0), and who approved it
    assert (payout.cause_type, payout.cause_id, payout.source_key, payout.actor) == (
        "payout", refund.pk, f"refund:{refund.pk}:0", desk.approver.label())
    assert RefundEvent.objects.get(refund=refund, kind="paid").details["payments"] == [[0, str(refund.amount)]]


def test_a_long_bank_reference_is_kept_as_long_as_each_record_holds(desk):
    person, account = retired_short(desk)
    refund = _liquidated(desk, person)
    reference = "R" * 310
    refund_payout_approve(refund=refund, actor=desk.approver, bank_reference=reference)
    assert Refund.objects.get(pk=refund.pk).bank_reference == "R" * 64
    assert AccountEntry.objects.get(account=account, kind=EntryKind.PAYOUT).note == "R" * 300


def test_each_steps_deadline_names_the_person_masked_and_reads_in_the_clerks_language(desk):
    person, _ = retired_short(desk)
    refund = _liquidated(desk, person)
    masked = mask_document(person.document_number)
    deadlines = Deadline.objects.filter(subject_id=refund.pk).order_by("id")
    assert [d.rule for d in deadlines] == [RefundRule.REFUND_AUDIT, RefundRule.REFUND_LIQUIDATION,
                                           RefundRule.REFUND_PAYOUT]
    for deadline in deadlines:  # the queue finds the person by name; the number is never shown whole
        assert deadline.subject_label == f"{person.name} {masked}"
        with translation.override("zh-hans"):
            assert message_render(deadline.subject_text_data) == (
                f"{person.name} ({masked})的个人账户一次性支付：达到退休年龄但缴费不足最低年限")
        with translation.override("en"):
            assert message_render(deadline.subject_text_data) == (
                f"lump-sum refund of {person.name} ({masked}): retirement age with fewer than the minimum years")


def test_a_heir_is_kept_as_long_as_the_record_holds_and_without_what_was_not_given(desk):
    """A name, document number, relation or account longer than its column is cut to it, not refused by the
    database; a heir given without a relation or an account has none (never "None")."""
    person, _ = insured_with_account(desk.region, state=RelationshipState.AWAITING_REFUND)
    long = dict(HEIRS[0], name="李" * 101, document_number="3" * 31, relation="子" * 31, bank_account="6" * 41)
    bare = {k: v for k, v in HEIRS[1].items()}
    refund = _apply(person, "death", actor=desk.clerk, bank_account="",
                    heirs=[long, bare, dict(HEIRS[2], share_numerator=1, share_denominator=3)])
    first, second, _third = refund.heirs.order_by("id")
    assert (first.name, first.document_number, first.relation, first.bank_account) == (
        "李" * 100, "3" * 30, "子" * 30, "6" * 40)
    assert (second.relation, second.bank_account) == ("", "")


def test_shares_that_do_not_make_the_whole_are_refused_with_their_sum(desk):
    person, _ = insured_with_account(desk.region, state=RelationshipState.AWAITING_REFUND)
    bad = [dict(HEIRS[0], share_numerator=1, share_denominator=2), HEIRS[1]]
    with pytest.raises(ValidationFailed) as err, translation.override("zh-hans"):
        _apply(person, "death", actor=desk.clerk, heirs=bad, bank_account="")
    assert err.value.errors == [{"field": "heirs", "code": "shares_not_whole",
                                 "message": "继承人份额合计为 5/6，不等于全部余额。", "total": "5/6"}]


def test_each_refusal_of_the_payout_is_told_in_the_clerks_language_and_pays_nothing(desk):
    from django.contrib.auth.models import Group

    person, account = retired_short(desk)
    refund = _liquidated(desk, person)

    def refusal(**kw):
        with pytest.raises(ApplicationError) as err, translation.override("zh-hans"):
            refund_payout_approve(refund=refund, **kw)
        return (err.value.status, err.value.type_slug, err.value.detail, err.value.extra,
                [(e["field"], e["code"], e["message"]) for e in err.value.errors])

    for missing in (None, " "):  # no reference at all is refused the same way, never recorded as a placeholder
        assert refusal(actor=desk.approver, bank_reference=missing)[4] == [
            ("bank_reference", "required", "须填写银行支付流水号。")]
    desk.clerk_user.groups.add(Group.objects.get(name="reviewer"))
    assert refusal(actor=desk.clerk, bank_reference="B1")[:4] == (
        403, "refund-four-eyes", "此支付由您经办，须由另一名经办人员复核。", {"rule": "four eyes"})
    job = Employment.objects.create(person=person, employer=EmployerFactory(region=desk.region),
                                    start_date=date(2026, 1, 1), monthly_wage=Decimal("5000.00"))
    assert refusal(actor=desk.approver, bank_reference="B1")[:4] == (
        409, "refund-open-employment", "参保人仍在单位参保；须由单位先办理减员。", {"rule": "Order No. 13 of 2011"})
    assert PensionAccount.objects.get(pk=account.pk).balance == refund.amount
    # an employment that ended, and another person's open one, do not stop the payout
    Employment.objects.filter(pk=job.pk).update(end_date=date(2026, 3, 31))
    someone, _ = retired_short(desk, seq=341)
    Employment.objects.create(person=someone, employer=EmployerFactory(region=desk.region),
                              start_date=date(2026, 1, 1), monthly_wage=Decimal("5000.00"))
    paid = refund_payout_approve(refund=refund, actor=desk.approver, bank_reference="B1")
    assert paid.state == RefundState.PAID
