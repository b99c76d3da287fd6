"""Property: whatever arrives, is assigned, returned or reversed, every yuan of a collection day is in
one place (the reconciliation finds no difference), no charge receives more than it owes, a reversed
payment holds no credit, and the individual accounts hold exactly the credits of the months paid."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.services.reconciliation import reconciliation_run
from collection.models import SuspenseItem
from collection.reversals import reversal_apply
from collection.services.reconciliation import collection_reconcile
from collection.services.suspense import suspense_assign, suspense_return
from collection.suspense import OPEN_STATES
from common.access import Viewer, viewer_for_user
from contributions.models import AMOUNT_COLUMNS, Allocation, Charge, ContributionLine, Payment
from contributions.selectors.arrears import employer_arrears
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
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db
SYSTEM = Viewer.system()
START = date(2025, 3, 1)

amounts = st.integers(1, 300_000).map(lambda fen: Decimal(fen) / 100)
# (day offset, amount, where: matched / suspense-assigned / suspense-returned / suspense-left, reversed later?)
arrivals = st.tuples(st.integers(0, 200), amounts, st.sampled_from(["matched", "assign", "return", "wait"]),
                     st.booleans())


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(months=st.lists(amounts, min_size=1, max_size=5), records=st.lists(arrivals, min_size=1, max_size=7))
def test_collected_money_is_always_in_one_place(months, records):
    account = CollectionAccountFactory()
    clerk = viewer_for_user(clerk_user(OfficeFactory(region=account.region), groups=("reviewer",)))
    employer = EmployerFactory(region=account.region)
    person = PersonFactory(region=account.region)
    for i, amount in enumerate(months):
        period = date(2025, 1 + i, 1)
        declaration, charge = declare(employer, period, str(amount), due_on=period.replace(day=15))
        parts = {c: Decimal("0.00") for c in AMOUNT_COLUMNS}
        parts["pension_individual"] = (amount * Decimal("0.08")).quantize(Decimal("0.01"))
        ContributionLine.objects.create(declaration=declaration, charge=charge, person=person, employer=employer,
                                        period=period, wage=Decimal("6000"), base=Decimal("6000"), **parts)
    for offset, amount, where, reversed_later in records:
        record = CollectorRecordFactory(account=account, amount=amount, value_date=START + timedelta(days=offset))
        if where == "matched":
            record_applied(record, employer)
        else:
            item = record_in_suspense(record)
            if where == "assign":
                item = suspense_assign(item=item, employer=employer, actor=clerk)
                if item.state == "proposed":
                    from collection.services.suspense import suspense_approve

                    other = viewer_for_user(clerk_user(OfficeFactory(region=account.region), groups=("reviewer",)))
                    suspense_approve(item=item, actor=other)
            elif where == "return":
                suspense_return(item=item, return_reference=f"RT-{record.pk}", actor=clerk)
        if reversed_later and where != "return":
            reversal_apply(reversal_of(record, value_date=record.value_date + timedelta(days=3)), actor=SYSTEM)

    checked = collection_reconcile(actor=SYSTEM, since=START, until=START + timedelta(days=210))
    assert checked.differences == 0
    for charge in Charge.objects.filter(employer=employer):
        given_total = sum(Allocation.objects.filter(charge=charge).values_list("amount", flat=True), Decimal(0))
        assert Decimal(0) <= given_total <= charge.amount
    arrears = employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=date(2026, 1, 1))
    live = Payment.objects.filter(employer=employer, reversal__isnull=True)
    paid_in = sum(live.values_list("amount", flat=True), Decimal(0))
    allocated = sum(Allocation.objects.filter(employer=employer, payment__isnull=False)
                    .values_list("amount", flat=True), Decimal(0))
    assert paid_in == allocated + arrears.credit  # a reversed payment is neither allocated nor credit
    assert reconciliation_run(full=True, actor=SYSTEM).differences_found == 0
    assert not SuspenseItem.objects.filter(record__account=account, state__in=OPEN_STATES,
                                           record__reversed_by__isnull=False).exists()
