"""Suspense (issue 22, item 4): a clerk assigns money that matched nothing to an employer (a second
clerk approves above the region's sum) or returns it to the payer; every step is an event, and
nothing ever leaves suspense another way."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from collection.events import EventKind
from collection.models import CollectionEvent, CollectionTerms, MatchedBy, SuspenseReason, SuspenseState
from collection.services.suspense import suspense_approve, suspense_assign, suspense_refuse, suspense_return
from common.access import viewer_for_user
from common.problems import ApplicationError, Conflict, Forbidden, NotFound, ValidationFailed
from contributions.selectors.arrears import employer_arrears
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.collection.factories import CollectionAccountFactory, CollectorRecordFactory, record_in_suspense
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory
from tests.problems import refused_in_chinese

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    return RegionFactory()


@pytest.fixture
def account(region):
    return CollectionAccountFactory(region=region)


@pytest.fixture
def clerks(region):
    office = OfficeFactory(region=region)
    return (viewer_for_user(clerk_user(office, groups=("clerk",))),
            viewer_for_user(clerk_user(office, groups=("reviewer",))),
            viewer_for_user(clerk_user(office, groups=("reviewer",))))


def kinds(item):
    return list(CollectionEvent.objects.filter(record=item.record).order_by("id").values_list("kind", flat=True))


def test_a_small_item_assigned_by_one_clerk_pays_the_employers_oldest_charge_as_of_the_value_date(account, clerks):
    clerk = clerks[0]
    employer = EmployerFactory(region=account.region)
    declare(employer, date(2025, 12, 1), "800.00", due_on=date(2025, 12, 15))
    item = record_in_suspense(CollectorRecordFactory(account=account, amount=Decimal("800.00"),
                                                     value_date=date(2025, 12, 12)))

    item = suspense_assign(item=item, employer=employer, actor=clerk, note="USCC mistyped")

    assert item.state == SuspenseState.ASSIGNED
    payment = item.application.payment
    assert (payment.amount, payment.paid_on, payment.channel) == (Decimal("800.00"), date(2025, 12, 12), "collector")
    assert item.application.matched_by == MatchedBy.CLERK
    # paid before the due day: nothing owed and no late fee, read months later
    assert employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=date(2026, 3, 1)).total == 0
    assert kinds(item) == [EventKind.SUSPENSE_ENTERED, EventKind.RECORD_APPLIED, EventKind.SUSPENSE_ASSIGNED]


def test_above_the_four_eyes_sum_a_second_clerk_approves_and_the_proposer_cannot(account, clerks):
    clerk, reviewer, _other = clerks
    CollectionTerms.objects.create(region=account.region, four_eyes_above=Decimal("5000.00"))
    employer = EmployerFactory(region=account.region)
    item = record_in_suspense(CollectorRecordFactory(account=account, amount=Decimal("5000.01")))

    item = suspense_assign(item=item, employer=employer, actor=clerk)
    assert item.state == SuspenseState.ASSIGNMENT_PROPOSED and item.application is None
    assert not employer.payments.exists()  # nothing paid before the second clerk

    with pytest.raises(Forbidden):  # a clerk without the approval permission
        suspense_approve(item=item, actor=clerk)
    item.refresh_from_db()
    assert item.state == SuspenseState.ASSIGNMENT_PROPOSED

    item = suspense_approve(item=item, actor=reviewer)
    assert item.state == SuspenseState.ASSIGNED
    assert item.application.employer == employer and employer.payments.get().amount == Decimal("5000.01")
    assert kinds(item) == [EventKind.SUSPENSE_ENTERED, EventKind.SUSPENSE_PROPOSED, EventKind.RECORD_APPLIED,
                           EventKind.SUSPENSE_ASSIGNED]
    approved = CollectionEvent.objects.filter(record=item.record, kind=EventKind.SUSPENSE_ASSIGNED).get()
    assert approved.details["proposed_by"] == clerk.user_id and approved.actor_user_id == reviewer.user_id


def test_the_clerk_who_proposed_may_not_approve_their_own_proposal(account, clerks):
    _clerk, reviewer, other = clerks
    CollectionTerms.objects.create(region=account.region, four_eyes_above=Decimal("100.00"))
    employer = EmployerFactory(region=account.region)
    item = record_in_suspense(CollectorRecordFactory(account=account, amount=Decimal("100.01")))
    suspense_assign(item=item, employer=employer, actor=reviewer)

    with pytest.raises(ApplicationError) as refused:
        suspense_approve(item=item, actor=reviewer)
    assert (refused.value.type_slug, refused.value.status) == ("suspense-four-eyes", 403)
    item.refresh_from_db()
    assert item.state == SuspenseState.ASSIGNMENT_PROPOSED and not employer.payments.exists()

    suspense_refuse(item=item, actor=other, note="wrong employer: the payer is its parent company")
    item.refresh_from_db()
    assert (item.state, item.proposed_employer_id) == (SuspenseState.WAITING, None)
    assert kinds(item)[-1] == EventKind.SUSPENSE_REFUSED


def test_at_the_four_eyes_sum_exactly_one_clerk_is_enough(account, clerks):
    CollectionTerms.objects.create(region=account.region, four_eyes_above=Decimal("100.00"))
    item = record_in_suspense(CollectorRecordFactory(account=account, amount=Decimal("100.00")))
    item = suspense_assign(item=item, employer=EmployerFactory(region=account.region), actor=clerks[0])
    assert item.state == SuspenseState.ASSIGNED


def test_without_terms_the_default_sum_applies(account, clerks):
    item = record_in_suspense(CollectorRecordFactory(account=account, amount=Decimal("50000.01")))
    item = suspense_assign(item=item, employer=EmployerFactory(region=account.region), actor=clerks[0])
    assert item.state == SuspenseState.ASSIGNMENT_PROPOSED


def test_a_return_to_the_payer_is_recorded_with_the_banks_reference_and_ends_the_item(account, clerks):
    item = record_in_suspense(CollectorRecordFactory(account=account))
    with pytest.raises(ValidationFailed) as refused:
        suspense_return(item=item, return_reference=" ", actor=clerks[0])
    assert refused.value.errors[0]["field"] == "return_reference"

    item = suspense_return(item=item, return_reference="ICBC-RT-2026-0001", actor=clerks[0], note="payer asked")
    assert (item.state, item.return_reference) == (SuspenseState.RETURNED, "ICBC-RT-2026-0001")
    assert kinds(item) == [EventKind.SUSPENSE_ENTERED, EventKind.SUSPENSE_RETURNED]
    with pytest.raises(Conflict):  # returned is final: it cannot be assigned afterwards
        suspense_assign(item=item, employer=EmployerFactory(region=account.region), actor=clerks[0])


def test_an_employer_of_another_region_cannot_receive_the_money(account, clerks):
    item = record_in_suspense(CollectorRecordFactory(account=account))
    stranger = EmployerFactory(region=RegionFactory())
    with pytest.raises(ValidationFailed) as refused:
        suspense_assign(item=item, employer=stranger, actor=clerks[0])
    assert refused.value.errors[0]["field"] == "employer"
    assert not stranger.payments.exists()


def test_a_clerk_of_another_region_does_not_see_the_item(account):
    item = record_in_suspense(CollectorRecordFactory(account=account))
    outsider = viewer_for_user(clerk_user(OfficeFactory(region=RegionFactory()), groups=("reviewer",)))
    with pytest.raises(NotFound):
        suspense_return(item=item, return_reference="X-1", actor=outsider)
    item.refresh_from_db()
    assert item.state == SuspenseState.WAITING


def test_a_reversal_waiting_in_suspense_is_returned_to_the_payer_never_assigned(account, clerks):
    clerk = clerks[0]
    reversal = record_in_suspense(CollectorRecordFactory(account=account, payer_account=""),
                                  reason=SuspenseReason.REVERSAL_UNAPPLIED)
    with pytest.raises(ApplicationError) as refused:
        suspense_assign(item=reversal, employer=EmployerFactory(region=account.region), actor=clerk)
    assert (refused.value.type_slug, refused.value.status) == ("suspense-not-assignable", 409)
    # settled with the payer: returned even though the collector reported no payer's account
    item = suspense_return(item=reversal, return_reference="RT-9", actor=clerk)
    assert item.state == SuspenseState.RETURNED


def test_money_without_a_payers_account_cannot_be_returned(account, clerks):
    item = record_in_suspense(CollectorRecordFactory(account=account, payer_account=""))
    with pytest.raises(ValidationFailed) as refused:
        suspense_return(item=item, return_reference="RT-1", actor=clerks[0])
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [("return_reference", "no_payer_account")]
    item.refresh_from_db()
    assert item.state == SuspenseState.WAITING


def test_an_assignment_names_its_employer(account, clerks):
    item = record_in_suspense(CollectorRecordFactory(account=account))
    with pytest.raises(ValidationFailed) as refused:
        suspense_assign(item=item, employer=None, actor=clerks[0])
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [("employer", "required")]


def test_each_decision_records_who_decided_when_and_why(account, clerks):
    clerk, reviewer, other = clerks
    employer = EmployerFactory(region=account.region)
    declare(employer, date(2025, 12, 1), "800.00", due_on=date(2025, 12, 15))
    item = suspense_assign(item=record_in_suspense(CollectorRecordFactory(account=account, amount=Decimal("800.00"))),
                           employer=employer, actor=clerk, note="USCC mistyped")
    assert (item.decided_by_id, item.note) == (clerk.user_id, "USCC mistyped") and item.decided_at is not None
    assigned = CollectionEvent.objects.get(record=item.record, kind=EventKind.SUSPENSE_ASSIGNED)
    assert (assigned.actor_user_id, assigned.details["note"]) == (clerk.user_id, "USCC mistyped")

    returned = suspense_return(item=record_in_suspense(CollectorRecordFactory(account=account)),
                               return_reference="  ICBC-RT-7 ", actor=clerk, note="payer asked")
    returned.refresh_from_db()
    assert (returned.return_reference, returned.note, returned.decided_by_id) == ("ICBC-RT-7", "payer asked",
                                                                                clerk.user_id)
    assert returned.decided_at is not None
    event = CollectionEvent.objects.get(record=returned.record, kind=EventKind.SUSPENSE_RETURNED)
    assert (event.details["return_reference"], event.details["note"]) == ("ICBC-RT-7", "payer asked")

    CollectionTerms.objects.create(region=account.region, four_eyes_above=Decimal("100.00"))
    proposed = suspense_assign(item=record_in_suspense(CollectorRecordFactory(account=account,
                                                                              amount=Decimal("100.01"))),
                               employer=employer, actor=clerk)
    assert (proposed.proposed_employer_id, proposed.proposed_by_id) == (employer.pk, clerk.user_id)
    assert proposed.proposed_at is not None
    with pytest.raises(ValidationFailed) as refused:
        suspense_refuse(item=proposed, actor=reviewer, note="  ")
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [("note", "required")]
    suspense_refuse(item=proposed, actor=other, note=" the payer is its parent company ")
    proposed.refresh_from_db()
    assert (proposed.proposed_by_id, proposed.proposed_at) == (None, None)
    event = CollectionEvent.objects.get(record=proposed.record, kind=EventKind.SUSPENSE_REFUSED)
    assert (event.employer_id, event.details["note"], event.actor_user_id) == (
        employer.pk, "the payer is its parent company", other.user_id)

    # proposed again with the clerk's note, approved by a second clerk with theirs: both kept, with who decided
    again = suspense_assign(item=proposed, employer=employer, actor=clerk, note="payer is the employer's branch")
    event = CollectionEvent.objects.filter(record=again.record, kind=EventKind.SUSPENSE_PROPOSED).latest("id")
    assert (event.employer_id, event.details["note"]) == (employer.pk, "payer is the employer's branch")
    approved = suspense_approve(item=again, actor=reviewer, note="branch confirmed by phone")
    approved.refresh_from_db()
    assert (approved.decided_by_id, approved.note) == (reviewer.user_id, "branch confirmed by phone")
    assert approved.decided_at is not None
    event = CollectionEvent.objects.get(record=approved.record, kind=EventKind.SUSPENSE_ASSIGNED)
    assert (event.details["note"], event.details["proposed_by"]) == ("branch confirmed by phone", clerk.user_id)

    # a bank reference longer than the record holds is kept to its 64 characters, not refused by the database
    long = suspense_return(item=record_in_suspense(CollectorRecordFactory(account=account)),
                           return_reference="R" * 70, actor=clerk)
    long.refresh_from_db()
    assert long.return_reference == "R" * 64


def test_each_refusal_of_a_step_is_told_in_the_clerks_language_and_leaves_the_item_waiting(account, clerks):
    clerk, reviewer, _other = clerks
    employer = EmployerFactory(region=account.region)
    item = record_in_suspense(CollectorRecordFactory(account=account))
    assert refused_in_chinese(lambda: suspense_assign(item=item, employer=None, actor=clerk)) == (
        400, "validation-error", "请指明款项所属的单位。", [("employer", "required", "请指明款项所属的单位。")])
    stranger = EmployerFactory(region=RegionFactory())
    assert refused_in_chinese(lambda: suspense_assign(item=item, employer=stranger, actor=clerk))[3] == [
        ("employer", "other_region", "单位必须属于该收款账户所在的统筹区。")]
    assert refused_in_chinese(lambda: suspense_return(item=item, return_reference=" ", actor=clerk))[3] == [
        ("return_reference", "required", "请填写退回付款方的转账银行流水号。")]
    outsider = viewer_for_user(clerk_user(OfficeFactory(region=RegionFactory()), groups=("reviewer",)))
    assert refused_in_chinese(lambda: suspense_return(item=item, return_reference="RT-1", actor=outsider))[:3] == (
        404, "not-found", "本统筹区没有这笔暂挂款项。")
    unknown = record_in_suspense(CollectorRecordFactory(account=account, payer_account=""))
    assert refused_in_chinese(lambda: suspense_return(item=unknown, return_reference="RT-1", actor=clerk))[3] == [
        ("return_reference", "no_payer_account", "征收方未报付款账户，款项无法退回；请分配或向征收方查询。")]
    reversal = record_in_suspense(CollectorRecordFactory(account=account, payer_account=""),
                                  reason=SuspenseReason.REVERSAL_UNAPPLIED)
    assert refused_in_chinese(lambda: suspense_assign(item=reversal, employer=employer, actor=clerk)) == (
        409, "suspense-not-assignable", "冲正款项与付款方了结后退回，不能分配。", [])

    CollectionTerms.objects.create(region=account.region, four_eyes_above=Decimal("100.00"))
    proposed = suspense_assign(item=record_in_suspense(CollectorRecordFactory(account=account)), employer=employer,
                               actor=reviewer)
    with pytest.raises(ApplicationError) as own, translation.override("zh-hans"):
        suspense_approve(item=proposed, actor=reviewer)
    assert (own.value.status, own.value.type_slug, own.value.detail, own.value.extra) == (
        403, "suspense-four-eyes", "此分配由您提议，须由另一名经办人审批。", {"rule": "four eyes"})
    assert refused_in_chinese(lambda: suspense_refuse(item=proposed, actor=clerks[2], note=None))[3] == [
        ("note", "required", "请说明拒绝该分配的理由。")]
    for waiting in (item, unknown, reversal):
        waiting.refresh_from_db()
        assert waiting.state == SuspenseState.WAITING and waiting.decided_by_id is None
    proposed.refresh_from_db()
    assert proposed.state == SuspenseState.ASSIGNMENT_PROPOSED


def test_money_an_employer_could_not_keep_is_not_assigned_and_waits(account, clerks):
    """An employer with nothing open, in a region that keeps no credit: the money would come straight back."""
    CollectionTerms.objects.create(region=account.region, credit_limit=Decimal("0.00"))
    employer = EmployerFactory(region=account.region)
    item = record_in_suspense(CollectorRecordFactory(account=account, amount=Decimal("300.00")))
    assert refused_in_chinese(lambda: suspense_assign(item=item, employer=employer, actor=clerks[0]))[:3] == (
        409, "conflict", "该单位没有未结应缴款项，也不能保留余额：款项会直接回到暂挂。请改为退回付款方。")
    item.refresh_from_db()
    assert (item.state, item.application_id) == (SuspenseState.WAITING, None)
    assert not employer.payments.exists()
