"""Issue 22, "Done when": the backdating the issue found cannot be repeated. Each attack of the issue
is tried again, first as the portal (which can no longer record money at all), then through the only
way money enters, the collector's record, whose value date is the date that counts."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from collection.feeds import FeedRefused
from collection.models import RecordConflict, SuspenseItem
from collection.services.feed import feed_import
from common.access import Viewer
from contributions.models import Charge, ChargeKind, Payment
from contributions.selectors.payments import arrears_of
from tests.agency.factories import RegionFactory
from tests.collection.factories import CollectionAccountFactory
from tests.collection.feed import csv_file
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal

pytestmark = pytest.mark.django_db
SYSTEM = Viewer.system()
MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


@pytest.fixture
def overdue():
    """An employer with three overdue months of 10,000.00 (due on the 15th)."""
    region = RegionFactory()
    account = CollectionAccountFactory(region=region, opened_on=date(2020, 1, 1))
    employer = EmployerFactory(region=region)
    for month in MONTHS:
        declare(employer, month, "10000.00", due_on=month.replace(day=15))
    return account, employer, Portal(employer)


def _owed(employer, on=date(2026, 6, 1)):
    return arrears_of(SYSTEM, employer_id=employer.pk, on=on)


def _collect(account, *rows):
    return feed_import(content=csv_file(*[(account.account_number, *row) for row in rows]), format="csv",
                       actor=SYSTEM)


def test_a_payment_dated_1900_or_year_one_settles_nothing_and_the_late_fee_stays(overdue):
    account, employer, portal = overdue
    before = _owed(employer)
    assert before.late_fee > 0
    for day in ("1900-01-01", "0001-01-01"):
        answer = portal.post("/api/v1/employer/payments", {"bank_reference": f"MADE-UP-{day}",
                                                           "amount": "30000.00", "paid_on": day})
        assert answer.status_code == 410 and answer.json()["type"] == "/problems/payments-from-collector"
        with pytest.raises(FeedRefused) as refused:  # nor can a collector's record say so
            _collect(account, (f"T-{day}", day, "30000.00", employer.uscc))
        assert refused.value.errors[0]["code"] in ("before_account", "invalid")
    after = _owed(employer)
    assert (after.principal, after.late_fee) == (before.principal, before.late_fee) == (D("30000.00"), after.late_fee)
    assert not Payment.objects.exists() and not Charge.objects.filter(kind=ChargeKind.LATE_FEE).exists()


def test_the_day_that_counts_is_the_collectors_value_date_not_a_day_the_payer_types(overdue):
    account, employer, portal = overdue
    january = MONTHS[0]
    answer = portal.post("/api/v1/employer/payments", {"bank_reference": "EARLY", "amount": "10000.00",
                                                       "paid_on": "2026-01-14"})
    assert answer.status_code == 410
    # The money arrives weeks later: 30 days after the due day.
    arrived = january.replace(day=15) + timedelta(days=30)
    _collect(account, ("T-LATE", arrived.isoformat(), "10000.00", f"SI {employer.uscc}"))
    fee = Charge.objects.get(kind=ChargeKind.LATE_FEE)
    assert fee.amount == D("150.00") and fee.period == january  # 10,000.00 x 0.05% x 30 days, now owed
    assert Payment.objects.get().paid_on == arrived
    owed = _owed(employer)
    assert owed.principal == D("20000.00") and owed.periods[0].period == january
    assert owed.periods[0].principal == D("0.00") and owed.periods[0].total == D("150.00")


def test_a_huge_overpayment_with_nothing_open_is_not_kept_as_credit(overdue):
    account, employer, portal = overdue
    assert portal.post("/api/v1/employer/payments", {"bank_reference": "HUGE", "amount": "9999999999.99",
                                                     "paid_on": "2026-04-01"}).status_code == 410
    _collect(account, ("T-HUGE", "2026-04-01", "9999999999.99", employer.uscc))
    owed = _owed(employer, on=date(2026, 4, 1))
    assert owed.principal == D("0.00") and owed.credit == D("10000.00")  # the default credit limit
    waiting = SuspenseItem.objects.get()
    assert waiting.reason == "overpayment"
    assert Payment.objects.get().amount + waiting.amount == D("9999999999.99")


def test_a_known_record_resent_with_another_amount_is_not_answered_with_the_first(overdue):
    account, employer, _portal = overdue
    _collect(account, ("T-1", "2026-01-15", "10000.00", employer.uscc))
    resent = _collect(account, ("T-1", "2026-01-15", "99999.00", employer.uscc))
    assert resent.conflicts == 1 and RecordConflict.objects.get().amount == D("99999.00")
    assert Payment.objects.get().amount == D("10000.00")
