"""`make run`'s demo: one person's transfer completed between two demo regions, another at step two."""

import io

import pytest
from django.core.management import call_command

from accounts.models import AccountEntry, EntryKind
from transfers.models import Transfer, TransferState

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_completed_transfer_and_one_at_step_two():
    call_command("seed_demo", employers=80, persons=800, seed=1, stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    transfers = list(Transfer.objects.order_by("id"))
    assert [t.state for t in transfers] == [TransferState.COMPLETED, TransferState.ACCEPTED], out.getvalue()
    done = transfers[0]
    assert (done.from_region.code, done.to_region.code) == ("110105", "310101")
    assert done.months == 24 and done.pooled_amount == round(15000 * 24 * 0.12, 2)
    assert AccountEntry.objects.filter(kind=EntryKind.TRANSFER_IN, cause_id=done.pk).get().amount == done.account_amount
    assert "at step 2" in out.getvalue()
    call_command("demo_accounts", stdout=io.StringIO())  # idempotent
    assert Transfer.objects.count() == 2
