"""Helpers of the flexible workers' tests: a region with its average wage and collection account, a
person of it, an enrolment made through the service, and the collector's file paying an order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.test import TestCase

from agency.deadlines import today_in_shanghai
from agency.models import AverageWage
from collection.models import FeedFormat
from collection.services.feed import feed_import
from common.access import Viewer
from flexible.services.enrolment import flexible_enrol, month_add, month_of
from tests.builders import person_viewer
from tests.collection.orders_helpers import collection_account
from tests.insured.factories import PersonFactory

WAGE = Decimal("10000.00")  # bounds 6,000.00 .. 30,000.00


def flexible_region(region):
    """The region's average wage for the years the tests touch, and its collection account."""
    today = today_in_shanghai()
    for year in (today.year - 1, today.year, today.year + 1):
        AverageWage.objects.create(region=region, year=year, monthly_wage=WAGE, effective_from=date(year - 1, 1, 1))
    return collection_account(region)


def person_in(region, **fields):
    fields.setdefault("hukou_region_code", region.code)
    return PersonFactory(region=region, **fields)


def enrolled(person, *, start: date | None = None, base: str = "10000.00", today: date | None = None):
    today = today or today_in_shanghai()
    return flexible_enrol(actor=person_viewer(person), region_code=person.region.code,
                          start_month=start or month_of(today), base=Decimal(base), today=today)


def this_month() -> date:
    return month_of(today_in_shanghai())


def months_ago(n: int) -> date:
    return month_add(this_month(), -n)


def collector_pays(account, reference: str, amount, *, day: date | None = None, txid: str = "FLEX-0001"):
    """The collector's CSV file reporting a transfer that quotes `reference`, imported as the feed does."""
    day = day or today_in_shanghai()
    content = ("account,transaction_id,value_date,amount,payer_name,reference\n"
               f"{account.account_number},{txid},{day.isoformat()},{amount},灵活就业人员,社保费 {reference}\n").encode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return feed_import(content=content, format=FeedFormat.CSV, name=f"{txid}.csv", actor=Viewer.system())
