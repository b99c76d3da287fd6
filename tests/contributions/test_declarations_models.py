"""The database holds the contribution record's invariants (models and migration 0001)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from contributions.models import Charge, ContributionLine, Declaration, RegionContributionSettings
from contributions.partitions import line_partition_name, line_partitions_ensure
from tests.contributions.factories import ChargeFactory, DeclarationFactory
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")


def _line(declaration, person, **overrides):
    values = dict(period=declaration.period, employer=declaration.employer, person=person, declaration=declaration,
                  wage=Decimal("10000.00"), base=Decimal("10000.00"), pension_employer=Decimal("1600.00"),
                  pension_individual=Decimal("800.00"), medical_employer=ZERO, medical_individual=ZERO,
                  unemployment_employer=ZERO, unemployment_individual=ZERO, work_injury_employer=ZERO)
    values.update(overrides)
    return ContributionLine.objects.create(**values)


def test_one_declaration_per_employer_period_and_sequence():
    first = DeclarationFactory()
    DeclarationFactory(employer=first.employer, period=first.period, sequence=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeclarationFactory(employer=first.employer, period=first.period, sequence=2)


def test_periods_are_first_days_of_months():
    with pytest.raises(IntegrityError), transaction.atomic():
        DeclarationFactory(period=date(2026, 1, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        ChargeFactory(period=date(2026, 1, 2), declaration=None, kind="provisional")


@pytest.mark.parametrize("model_factory", [DeclarationFactory, ChargeFactory])
def test_declarations_and_charges_are_append_only(model_factory):
    row = model_factory()
    model = type(row)
    with pytest.raises(DatabaseError, match="(Cannot update or delete|insert-only)"), transaction.atomic():
        model.objects.filter(pk=row.pk).update(due_on=date(2026, 2, 1))
    with pytest.raises(DatabaseError, match="(Cannot update or delete|insert-only)"), transaction.atomic():
        model.objects.filter(pk=row.pk).delete()
    assert model.objects.get(pk=row.pk).due_on == row.due_on


def test_charge_amount_rules():
    employer = EmployerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ChargeFactory(employer=employer, amount=ZERO)
    with pytest.raises(IntegrityError), transaction.atomic():  # only declared differences and reversals go negative
        ChargeFactory(employer=employer, kind="provisional", declaration=None, amount=Decimal("-1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():  # a declared charge names its declaration
        ChargeFactory(employer=employer, kind="declared", declaration=None)
    credit = ChargeFactory(employer=employer, amount=Decimal("-12.34"))
    assert Charge.objects.get(pk=credit.pk).amount == Decimal("-12.34")


def test_lines_go_to_their_years_partition_and_are_insert_only():
    declaration = DeclarationFactory(period=date(2031, 7, 1))
    assert line_partitions_ensure([2031]) == [2031]
    assert line_partitions_ensure([2031]) == []  # exists now (in this transaction)
    line = _line(declaration, PersonFactory())
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM contributions_contributionline WHERE id = %s", [line.id])
        assert cursor.fetchone()[0] == line_partition_name(2031)
    with pytest.raises(DatabaseError, match="(Cannot update or delete|insert-only)"), transaction.atomic():
        ContributionLine.objects.filter(pk=line.pk).update(base=Decimal("1.00"))
    with pytest.raises(DatabaseError, match="(Cannot update or delete|insert-only)"), transaction.atomic():
        ContributionLine.objects.filter(pk=line.pk).delete()
    assert ContributionLine.objects.get(pk=line.pk).base == Decimal("10000.00")


def test_line_period_and_clamp_are_checked():
    declaration = DeclarationFactory()
    person = PersonFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        _line(declaration, person, period=date(2026, 1, 3))
    with pytest.raises(IntegrityError), transaction.atomic():
        _line(declaration, person, clamp="wrong")


def test_region_settings_default_when_the_region_has_no_row():
    employer = EmployerFactory()
    defaults = RegionContributionSettings.for_region(employer.region_id)
    assert defaults.pk is None
    assert (defaults.declaration_day, defaults.payment_day, defaults.late_fee_daily_rate) == (10, 15, Decimal("0.0005"))
    RegionContributionSettings.objects.create(region=employer.region, declaration_day=5, payment_day=20)
    assert RegionContributionSettings.for_region(employer.region_id).payment_day == 20
    with pytest.raises(IntegrityError), transaction.atomic():
        RegionContributionSettings.objects.create(region=EmployerFactory().region, payment_day=31)


def test_declaration_str_and_correction_flag():
    declaration = DeclarationFactory(sequence=2)
    assert declaration.is_correction and "2026-01 #2" in str(declaration)
    assert Declaration.objects.count() == 1
