"""Races on real PostgreSQL: two clerks deciding the same step, two applications at once."""

from __future__ import annotations

import pytest

from common.problems import ApplicationError
from insured.models import Decision, InsuranceRelationship, RelationshipEvent, RelationshipState
from tests.builders import clerk, person_viewer
from tests.concurrency import run_together
from tests.transfers.factories import mover, region
from transfers.models import Suspension, Transfer, TransferEvent, TransferState
from transfers.services.suspensions import suspension_apply, suspension_approve
from transfers.services.transfers import transfer_accept, transfer_apply, transfer_out

pytestmark = pytest.mark.django_db(transaction=True)


def _one_wins(results, kind):
    wins = [r for r in results if isinstance(r, kind)]
    losses = [r for r in results if isinstance(r, ApplicationError)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].status == 409
    return losses[0]


def test_two_clerks_accepting_the_same_transfer_decide_it_once():
    old, new = region("310101", "黄浦区", "上海市"), region("110105", "朝阳区", "北京市")
    m = mover(old, new)
    transfer = transfer_apply(from_region=old, actor=person_viewer(m.person), channel="api")
    a, b = clerk(new), clerk(new)
    loss = _one_wins(run_together(lambda: transfer_accept(transfer=transfer, actor=a, channel="admin"),
                                  lambda: transfer_accept(transfer=transfer, actor=b, channel="admin")), Transfer)
    assert loss.extra["state"] == TransferState.ACCEPTED  # the second clerk is told it is accepted now
    assert TransferEvent.objects.filter(transfer=transfer, kind="accepted").count() == 1
    assert Transfer.objects.get().state == TransferState.ACCEPTED


def test_two_clerks_transferring_out_at_once_post_one_transfer_out():
    old, new = region("310101", "黄浦区", "上海市"), region("110105", "朝阳区", "北京市")
    m = mover(old, new)
    transfer = transfer_apply(from_region=old, actor=person_viewer(m.person), channel="api")
    transfer_accept(transfer=transfer, actor=clerk(new), channel="admin")
    a, b = clerk(old), clerk(old)
    _one_wins(run_together(lambda: transfer_out(transfer=transfer, actor=a, channel="admin"),
                           lambda: transfer_out(transfer=transfer, actor=b, channel="admin")), Transfer)
    assert TransferEvent.objects.filter(transfer=transfer, kind="transferred_out").count() == 1
    assert InsuranceRelationship.objects.get(person=m.person, region=old).state == RelationshipState.TRANSFERRED


def test_two_applications_at_once_open_one_transfer():
    old, new = region("310101", "黄浦区", "上海市"), region("110105", "朝阳区", "北京市")
    m = mover(old, new)
    loss = _one_wins(run_together(
        lambda: transfer_apply(from_region=old, actor=person_viewer(m.person), channel="api"),
        lambda: transfer_apply(from_region=old, actor=clerk(new), channel="admin", person=m.person)), Transfer)
    assert loss.type_slug == "duplicate-transfer"
    assert Transfer.objects.count() == 1


def test_two_clerks_approving_the_same_suspension_approve_it_once():
    old = region("310101", "黄浦区", "上海市")
    m = mover(old, region("110105", "朝阳区", "北京市"), enrol_new=False)
    InsuranceRelationship.objects.filter(person=m.person).update(state=RelationshipState.ACTIVE)
    suspension = suspension_apply(region=old, reason="other", actor=person_viewer(m.person), channel="api")
    a, b = clerk(old), clerk(old)
    _one_wins(run_together(lambda: suspension_approve(suspension=suspension, actor=a, channel="admin"),
                           lambda: suspension_approve(suspension=suspension, actor=b, channel="admin")), Suspension)
    assert RelationshipEvent.objects.filter(decides=suspension.request_event, decision=Decision.CONFIRMED).count() == 1
