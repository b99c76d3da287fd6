"""Payment orders (issue 22, item 1): what an order asks for, where to, its reference and validity,
who may ask, and its states (paid when a collector's record quoted it and its charges are settled,
expired after its validity, withdrawn)."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from collection.models import CollectionEvent, CollectionTerms, OrderState, PaymentOrder
from collection.references import reference_valid
from collection.services.orders import (
    payment_order_cancel,
    payment_order_issue,
    payment_orders_expire,
    payment_orders_settle,
)
from common.access import Kind, Viewer
from common.problems import Conflict, Forbidden, NotFound, ValidationFailed
from contributions.selectors.arrears import employer_arrears
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import portal
from tests.collection.orders_helpers import collected, collection_account
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)


@pytest.fixture
def employer():
    employer = EmployerFactory()
    collection_account(employer.region)
    charge(employer, date(2026, 1, 1), "1000.00")  # due 2026-01-15: 125 days late on 2026-05-20
    charge(employer, date(2026, 2, 1), "2000.00")
    charge(employer, date(2026, 6, 1), "500.00", due_on=date(2026, 6, 15))  # not due yet
    return employer


def clerk_of(region, groups=("clerk",)):
    user = clerk_user(OfficeFactory(region=region), groups=groups)
    return Viewer(Kind.CLERK, user_id=user.pk, region_id=region.pk, office_id=user.clerk_profile.office_id)


def test_an_order_asks_for_every_open_charge_with_its_late_fee_to_the_day_of_issue(employer):
    order = payment_order_issue(actor=portal(employer), today=TODAY)
    lines = list(order.lines.select_related("charge").order_by("charge__due_on"))
    assert [(f"{line.charge.period:%Y-%m}", line.amount) for line in lines] == [
        ("2026-01", D("1000.00")), ("2026-02", D("2000.00")), ("2026-06", D("500.00"))]
    # 0.05% a day: January 125 days, February (due 2-15) 94 days; June's fee does not run yet.
    assert [line.late_fee for line in lines] == [D("62.50"), D("94.00"), D("0.00")]
    assert order.amount == D("3656.50")
    # The same figures as the arrears of that day: an order asks for what the employer owes.
    arrears = employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=TODAY)
    assert order.amount == arrears.total
    assert order.late_fee_per_day == D("1.50")  # 3000.00 of principal whose fee runs, at 0.05%
    assert order.account.region_id == employer.region_id
    assert reference_valid(order.reference)
    assert order.state == OrderState.OPEN and order.issued_on == TODAY
    assert order.valid_until == TODAY + timedelta(days=30)  # the default terms
    event = CollectionEvent.objects.get(kind="order_issued")
    assert event.details["reference"] == order.reference and event.details["periods"] == ["2026-01", "2026-02",
                                                                                        "2026-06"]


def test_chosen_months_and_the_regions_validity(employer):
    CollectionTerms.objects.create(region=employer.region, order_valid_days=10)
    order = payment_order_issue(actor=portal(employer), periods=[date(2026, 2, 1)], today=TODAY)
    assert [line.charge.period for line in order.lines.all()] == [date(2026, 2, 1)]
    assert order.amount == D("2094.00") and order.valid_until == date(2026, 5, 30)
    with pytest.raises(ValidationFailed) as refused:
        payment_order_issue(actor=portal(employer), periods=[date(2026, 2, 1), date(2025, 12, 1)], today=TODAY)
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [("periods", "nothing_open")]
    assert "2025-12" in refused.value.errors[0]["message"]


def test_a_part_paid_charge_asks_only_for_what_is_left_and_its_fee_counts_each_part(employer):
    collected(employer, employer.region.collection_accounts.get(), "400.00", date(2026, 1, 25))
    order = payment_order_issue(actor=portal(employer), periods=[date(2026, 1, 1)], today=TODAY)
    line = order.lines.get()
    assert line.amount == D("600.00")
    # 400.00 paid 10 days late, 600.00 still unpaid after 125 days: (4000 + 75000) x 0.0005
    assert line.late_fee == D("39.50")
    assert order.amount == employer_arrears(employer_id=employer.pk, region_id=employer.region_id,
                                            on=TODAY).periods[0].total


def test_nothing_open_and_no_account_are_refused_with_their_problems():
    employer = EmployerFactory()
    collection_account(employer.region)
    with pytest.raises(Conflict) as refused:
        payment_order_issue(actor=portal(employer), today=TODAY)
    assert refused.value.type_slug == "nothing-to-pay"
    other = EmployerFactory()  # its region has no collection account
    charge(other, date(2026, 1, 1), "10.00")
    with pytest.raises(Conflict) as refused:
        payment_order_issue(actor=portal(other), today=TODAY)
    assert refused.value.type_slug == "no-collection-account"
    assert not PaymentOrder.objects.exists()


def test_a_closed_account_is_not_paid_to(employer):
    account = employer.region.collection_accounts.get()
    account.closed_on = date(2026, 3, 31)
    account.save()
    newer = collection_account(employer.region, opened_on=date(2026, 4, 1))
    assert payment_order_issue(actor=portal(employer), today=TODAY).account == newer


def test_a_portal_orders_for_its_own_employer_and_a_clerk_for_the_region_only(employer):
    other = EmployerFactory(region=employer.region)
    charge(other, date(2026, 1, 1), "10.00")
    order = payment_order_issue(actor=portal(employer), employer_id=other.pk, today=TODAY)
    assert order.employer == employer  # the employer comes from the caller, never from the request
    clerk = clerk_of(employer.region)
    assert payment_order_issue(actor=clerk, employer_id=other.pk, today=TODAY).employer == other
    with pytest.raises(NotFound):
        payment_order_issue(actor=clerk_of(RegionFactory()), employer_id=other.pk, today=TODAY)
    with pytest.raises(Forbidden):
        payment_order_issue(actor=clerk_of(employer.region, groups=()), employer_id=other.pk, today=TODAY)
    with pytest.raises(Forbidden):
        payment_order_issue(actor=Viewer(Kind.PERSON, person_id=1), today=TODAY)


def test_collected_money_quoting_the_order_pays_it_once_its_charges_are_settled(employer):
    account = employer.region.collection_accounts.get()
    order = payment_order_issue(actor=portal(employer), periods=[date(2026, 1, 1), date(2026, 2, 1)],
                                today=TODAY)
    collected(employer, account, "1000.00", TODAY, order=order, transaction_id="TX-1")  # January only
    order.refresh_from_db()
    assert order.state == OrderState.OPEN
    collected(employer, account, "2156.50", TODAY, order=order, transaction_id="TX-2")
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    event = CollectionEvent.objects.get(kind="order_paid")
    assert event.details["records"] == ["TX-1", "TX-2"] and event.employer_id == employer.pk


def test_money_that_quotes_no_order_leaves_it_open_until_the_order_is_quoted(employer):
    account = employer.region.collection_accounts.get()
    order = payment_order_issue(actor=portal(employer), periods=[date(2026, 1, 1)], today=TODAY)
    collected(employer, account, "1062.50", TODAY, matched_by="uscc")  # by USCC: the order is not quoted
    order.refresh_from_db()
    assert order.state == OrderState.OPEN
    assert payment_orders_settle(actor=Viewer.system()) == []


def test_orders_expire_the_day_after_their_validity_and_a_late_payment_still_pays_them(employer):
    order = payment_order_issue(actor=portal(employer), periods=[date(2026, 1, 1)], today=TODAY)
    assert payment_orders_expire(actor=Viewer.system(), today=order.valid_until) == 0
    assert payment_orders_expire(actor=Viewer.system(), today=order.valid_until + timedelta(days=1)) == 1
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    assert CollectionEvent.objects.filter(kind="order_expired").count() == 1
    late = order.valid_until + timedelta(days=3)
    collected(employer, employer.region.collection_accounts.get(), "1200.00", late, order=order)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    with pytest.raises(Forbidden):
        payment_orders_expire(actor=portal(employer))


def test_a_withdrawn_order_cannot_be_withdrawn_again_or_by_another_employer(employer):
    order = payment_order_issue(actor=portal(employer), today=TODAY)
    with pytest.raises(NotFound):
        payment_order_cancel(order_id=order.pk, actor=portal(EmployerFactory()))
    payment_order_cancel(order_id=order.pk, actor=portal(employer), note="wrong months")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    with pytest.raises(Conflict) as refused:
        payment_order_cancel(order_id=order.pk, actor=portal(employer))
    assert refused.value.type_slug == "already-decided"
    assert CollectionEvent.objects.get(kind="order_cancelled").details["note"] == "wrong months"


def test_the_order_is_paid_when_the_moneys_transaction_commits_not_before(employer):
    from django.test import TestCase

    from tests.collection.factories import applied_record

    account = employer.region.collection_accounts.get()
    order = payment_order_issue(actor=portal(employer), periods=[date(2026, 1, 1)], today=TODAY)
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        applied_record(employer, D("1062.50"), TODAY, account=account, order=order, reference_text=order.reference)
        applied_record(employer, D("5.00"), TODAY, account=account)  # the same transaction: one look after it
        order.refresh_from_db()
        assert order.state == OrderState.OPEN  # the Application is written after the money is allocated
    assert len(callbacks) == 1
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_a_paid_order_whose_money_the_collector_reversed_is_open_again_and_expires_as_any(employer):
    from collection.reversals import reversal_apply
    from tests.collection.factories import reversal_of

    account = employer.region.collection_accounts.get()
    order = payment_order_issue(actor=portal(employer), periods=[date(2026, 1, 1)], today=TODAY)
    application = collected(employer, account, "1062.50", TODAY, order=order, transaction_id="TX-9")
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    reversal_apply(reversal_of(application.record, value_date=TODAY + timedelta(days=2)), actor=Viewer.system())
    order.refresh_from_db()  # open again at once, in the reversal's transaction (not at the daily task's look)
    assert order.state == OrderState.OPEN
    assert CollectionEvent.objects.filter(kind="order_reopened", details__order=order.pk).count() == 1
    assert payment_orders_settle(actor=Viewer.system()) == []  # nothing moves twice
    assert payment_orders_expire(actor=Viewer.system(), today=order.valid_until + timedelta(days=1)) == 1
