"""Factories for the contributions tests (h11a: declarations; h11b appends payments)."""

from datetime import date
from decimal import Decimal

import factory

from contributions.models import Charge, Declaration
from insured.models import Employment
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory


class EmploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employment

    employer = factory.SubFactory(EmployerFactory)
    person = factory.SubFactory(PersonFactory, region=factory.SelfAttribute("..employer.region"))
    start_date = date(2024, 1, 1)
    monthly_wage = Decimal("10000.00")


class DeclarationFactory(factory.django.DjangoModelFactory):
    """A bare declaration row (no lines, no charge): for model tests. Real ones come from the service."""

    class Meta:
        model = Declaration

    employer = factory.SubFactory(EmployerFactory)
    period = date(2026, 1, 1)
    sequence = 1
    source = "json"
    rows = 0
    lines_written = 0
    total = Decimal("0.00")
    difference = Decimal("0.00")
    due_on = date(2026, 1, 15)
    declared_on = date(2026, 1, 5)
    actor = "system"


class ChargeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charge

    employer = factory.SubFactory(EmployerFactory)
    period = date(2026, 1, 1)
    kind = "declared"
    declaration = factory.SubFactory(DeclarationFactory, employer=factory.SelfAttribute("..employer"),
                                     period=factory.SelfAttribute("..period"))
    amount = Decimal("100.00")
    due_on = date(2026, 1, 15)
    fee_from = date(2026, 1, 15)
    actor = "system"
