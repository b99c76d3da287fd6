"""Two clerks approving the same payout at once: paid once. Two applications at once: one refund."""

from datetime import date

import pytest

from accounts.models import AccountEntry, EntryKind
from common.problems import ApplicationError
from refunds.models import Refund, RefundEvent, RefundState
from refunds.services.refunds import refund_apply, refund_audit, refund_liquidate, refund_payout_approve
from tests.builders import clerk, person_viewer
from tests.concurrency import run_together
from tests.refunds.factories import Desk, insured_with_account

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_approvers_pay_once():
    desk = Desk()
    second = clerk(desk.region, ("clerk", "reviewer"), office=desk.office)
    person, account = insured_with_account(desk.region, original_retirement_age="men_60")
    refund = refund_apply(person=person, reason="retirement_short", actor=person_viewer(person), channel="api",
                          bank_account="6222")
    refund = refund_liquidate(refund=refund_audit(refund=refund, actor=desk.clerk), actor=desk.clerk,
                              payout_month=date(2026, 6, 1))
    results = run_together(
        lambda: refund_payout_approve(refund=Refund(pk=refund.pk), actor=desk.approver, bank_reference="R-1"),
        lambda: refund_payout_approve(refund=Refund(pk=refund.pk), actor=second, bank_reference="R-2"))
    paid = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(paid) == 1 and len(refused) == 1 and refused[0].type_slug == "already-decided"
    assert AccountEntry.objects.filter(account=account, kind=EntryKind.PAYOUT).count() == 1
    assert RefundEvent.objects.filter(refund_id=refund.pk, kind="paid").count() == 1
    assert Refund.objects.get(pk=refund.pk).state == RefundState.PAID


def test_two_applications_at_once_make_one_refund():
    desk = Desk()
    person, _ = insured_with_account(desk.region, original_retirement_age="men_60")
    apply = lambda: refund_apply(person=person, reason="retirement_short", actor=person_viewer(person),  # noqa: E731
                                 channel="api", bank_account="6222")
    results = run_together(apply, apply)
    assert sum(isinstance(r, Refund) for r in results) == 1
    assert [r.type_slug for r in results if isinstance(r, ApplicationError)] == ["refund-already-open"]
    assert Refund.objects.filter(person=person).count() == 1
