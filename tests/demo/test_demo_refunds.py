"""`make run`'s refunds: one paid for a foreigner leaving China, one heirs' refund awaiting the
second approval; played once."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from accounts.models import PensionAccount
from refunds.models import Refund, RefundState
from refunds.selectors import payouts_awaiting_approval
from tests.builders import staff_viewer
from tests.demo.test_seed_demo import seed

pytestmark = pytest.mark.django_db


def test_demo_accounts_leave_a_paid_refund_and_one_awaiting_the_second_approval():
    seed(employers=80, persons=500)
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert "heirs' refund awaits" in out.getvalue()
    paid = Refund.objects.get(reason="foreigner_leaving")
    assert paid.state == RefundState.PAID and paid.prepared_by_id != paid.approved_by_id
    assert PensionAccount.objects.get(person=paid.person).balance == 0
    waiting = Refund.objects.get(reason="death")
    assert waiting.state == RefundState.LIQUIDATED and waiting.heirs.count() == 2
    supervisor = staff_viewer(User.objects.get(username="supervisor"))
    assert list(payouts_awaiting_approval(supervisor)) == [waiting]
    call_command("demo_accounts", stdout=io.StringIO())  # once only
    assert Refund.objects.count() == 2
