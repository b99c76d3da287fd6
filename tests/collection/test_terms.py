from decimal import Decimal

import pytest

from collection.models import Application
from collection.terms import Terms, terms_for
from tests.agency.factories import RegionFactory
from tests.collection.factories import CollectionTermsFactory, applied_record, waiting_record
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def test_a_region_without_terms_has_the_defaults_and_its_own_row_wins():
    bare, kept = RegionFactory(), RegionFactory()
    CollectionTermsFactory(region=kept, credit_limit=Decimal("0.00"), order_valid_days=10)
    assert terms_for(bare) == Terms() == terms_for(bare.pk)
    assert terms_for(kept).credit_limit == Decimal("0.00") and terms_for(kept).order_valid_days == 10


def test_the_factories_leave_what_the_feed_leaves():
    from datetime import date

    employer = EmployerFactory()
    declare(employer, date(2026, 1, 1), "300.00", due_on=date(2026, 2, 15))
    record = applied_record(employer, "300.00", date(2026, 2, 10))
    payment = Application.objects.get(record=record).payment
    assert payment.paid_on == date(2026, 2, 10) and payment.channel == "collector"
    assert sum(a.amount for a in payment.allocations.all()) == Decimal("300.00")
    item = waiting_record("12.34")
    assert item.amount == Decimal("12.34") and item.state == "waiting"
