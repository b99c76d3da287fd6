"""The daily reconciliation (issue 22, item 7): per collection account and value date,
collected = allocated + employer credit + suspense + returned + reversed."""

from datetime import date
from decimal import Decimal

import pytest

from collection.models import ReconciliationDay
from collection.reversals import reversal_apply
from collection.services.reconciliation import collection_reconcile
from collection.services.suspense import suspense_assign, suspense_return
from common.access import Viewer, viewer_for_user
from tests.agency.factories import OfficeFactory, clerk_user
from tests.collection.factories import (
    CollectionAccountFactory,
    CollectorRecordFactory,
    record_applied,
    record_in_suspense,
    reversal_of,
)
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 1, 12)


def test_every_yuan_of_a_day_is_in_one_place_and_the_day_reconciles():
    account = CollectionAccountFactory()
    clerk = viewer_for_user(clerk_user(OfficeFactory(region=account.region)))
    employer = EmployerFactory(region=account.region)
    declare(employer, date(2025, 12, 1), "600.00", due_on=date(2025, 12, 15))
    record = lambda amount: CollectorRecordFactory(account=account, amount=Decimal(amount), value_date=DAY)  # noqa: E731
    record_applied(record("1000.00"), employer)                                   # 600 + 8.40 fee (28 days), rest credit
    suspense_assign(item=record_in_suspense(record("50.00")), employer=employer, actor=clerk)  # credit
    record_in_suspense(record("70.00"))                                            # waiting
    suspense_return(item=record_in_suspense(record("80.00")), return_reference="RT-1", actor=clerk)
    reversal_apply(reversal_of(record_in_suspense(record("90.00")).record), actor=Viewer.system())
    bounced = record("200.00")
    record_applied(bounced, EmployerFactory(region=account.region))
    reversal_apply(reversal_of(bounced, value_date=date(2026, 1, 14)), actor=Viewer.system())

    checked = collection_reconcile(actor=Viewer.system(), since=date(2026, 1, 1), until=date(2026, 1, 31))
    day = ReconciliationDay.objects.get(account=account, value_date=DAY)
    assert (day.collected, day.allocated, day.credit, day.suspense, day.returned, day.reversed, day.difference) == (
        Decimal("1490.00"), Decimal("608.40"), Decimal("441.60"), Decimal("70.00"), Decimal("80.00"),
        Decimal("290.00"), Decimal("0.00"))
    assert checked.differences == 0

    # checked again with nothing changed: no new row; the day's figures move when money moves
    collection_reconcile(actor=Viewer.system(), since=date(2026, 1, 1), until=date(2026, 1, 31))
    assert ReconciliationDay.objects.filter(account=account, value_date=DAY).count() == 1
