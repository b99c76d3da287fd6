"""Races on real PostgreSQL: threads with their own connections, committed data."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from common.access import Viewer
from common.problems import ApplicationError
from insured.models import Decision, Employment, InsuredPerson, RelationshipEvent, StaffReduction
from insured.services.staffing import enrolment_submit, staff_reduction_confirm, staff_reduction_submit
from tests.agency.factories import OfficeFactory, RegionFactory
from tests.builders import clerk, portal
from tests.concurrency import run_together, started_until_it_waits
from tests.employers.factories import EmployerFactory
from tests.ids import resident_id
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("person_exists", [False, True])
def test_two_employers_enrolling_the_same_person_at_once_exactly_one_succeeds(person_exists):
    region = RegionFactory()
    OfficeFactory(region=region)
    a, b = EmployerFactory(region=region), EmployerFactory(region=region)
    number = resident_id(seq=777)
    if person_exists:
        from insured.services.persons import person_register

        person_register(actor=Viewer.system(), document_type="resident_id", document_number=number, name="同时",
                        region=region)

    def enrol(employer):
        return lambda: enrolment_submit(employer=employer, document_number=number, name="同时",
                                        start_date=date(2026, 1, 1), monthly_wage=Decimal("9000"),
                                        actor=portal(employer, client_id="t"),
                                        channel="api")

    results = run_together(enrol(a), enrol(b))
    successes = [r for r in results if isinstance(r, RelationshipEvent)]
    failures = [r for r in results if isinstance(r, ApplicationError)]
    assert len(successes) == 1 and len(failures) == 1, results
    assert failures[0].status == 409
    assert Employment.objects.filter(end_date__isnull=True).count() == 1


def test_two_clerks_confirming_the_same_reduction_confirm_it_once():
    region = RegionFactory()
    office = OfficeFactory(region=region)
    employer = EmployerFactory(region=region)
    number = resident_id(seq=779)
    portal_actor = portal(employer, client_id="t")
    enrolment_submit(employer=employer, document_number=number, name="确认", start_date=date(2026, 1, 1),
                     monthly_wage=Decimal("9000"), actor=portal_actor, channel="api")
    reduction = staff_reduction_submit(employer=employer, document_number=number, last_day=date(2026, 5, 31),
                                       reason="resignation", actor=portal_actor, channel="api")
    clerks = [clerk(region, office=office) for _ in range(2)]

    results = run_together(*[
        (lambda c=c: staff_reduction_confirm(reduction=reduction, actor=c, channel="admin")) for c in clerks])
    assert sum(isinstance(r, StaffReduction) for r in results) == 1, results
    assert sum(isinstance(r, ApplicationError) for r in results) == 1
    assert RelationshipEvent.objects.filter(decision=Decision.CONFIRMED).count() == 1
    assert RelationshipEvent.objects.filter(kind="suspension").count() == 1


def test_an_enrolment_racing_an_uncommitted_registration_waits_for_it_and_enrols_that_person():
    """The person is being registered (at the counter) while the employer enrols them: the enrolment's
    look-up cannot see the row yet, so its insert waits for that commit and then enrols the person
    registered, not a second one (issue 21: the look-up after the insert found nothing to insert was
    reached only when the two-employer race above happened to interleave)."""
    region = RegionFactory()
    OfficeFactory(region=region)
    employer = EmployerFactory(region=region)
    number = resident_id(seq=781)
    with transaction.atomic():  # committed only once the enrolment waits for this row's lock
        registered = PersonFactory(region=region, document_number=number, name="后登")
        outcome = started_until_it_waits(lambda: enrolment_submit(
            employer=employer, document_number=number, name="后登", start_date=date(2026, 1, 1),
            monthly_wage=Decimal("9000"), actor=portal(employer, client_id="t"), channel="api"))
    event = outcome()
    assert isinstance(event, RelationshipEvent), event
    assert (event.person_id, event.employer_id, event.kind) == (registered.pk, employer.pk, "enrolment")
    assert list(InsuredPerson.objects.filter(document_number=number).values_list("pk", flat=True)) == [registered.pk]
    assert Employment.objects.get(end_date__isnull=True).person_id == registered.pk
