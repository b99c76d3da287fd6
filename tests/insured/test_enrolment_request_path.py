"""Issue 21 (the enrolment no slower than before one shape): a portal's enrolment of a new person is a
fixed number of SQL round trips; the entry point's declaration, caller check and event add none beyond
its savepoint. A slow page is what a user notices; the statement count is its deterministic proxy."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insured.models import Employment, RelationshipEvent
from tests.agency.factories import OfficeFactory
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.ids import resident_id

pytestmark = pytest.mark.django_db

# token + client + employer with its region and staffing terms; SAVEPOINT (the request's transaction,
# a savepoint inside the test's); the idempotency record; SAVEPOINT (the entry point); the person locked
# by number; INSERT person, employment, relationship, event; RELEASE; the idempotency answer; RELEASE.
# (13 before issue 21's fix: the employer, its region and terms were read again by the service.)
ENROLMENT_STATEMENTS = 12


def test_a_portal_enrolment_of_a_new_person_is_a_fixed_number_of_statements():
    portal = Portal(EmployerFactory())
    body = {"document_number": resident_id(seq=41), "name": "周七", "start_date": timezone.localdate(),
            "monthly_wage": "9000.00"}
    with CaptureQueriesContext(connection) as captured:
        response = portal.post("/api/v1/employer/enrolments", body, key="pin-1")
    assert response.status_code == 201, response.content
    statements = [q["sql"][:120] for q in captured.captured_queries]
    assert len(statements) == ENROLMENT_STATEMENTS, "\n".join(statements)
    assert Employment.objects.filter(person_id=response.json()["person_id"], employer=portal.employer).exists()
    assert RelationshipEvent.objects.filter(pk=response.json()["id"], kind="enrolment").exists()
    assert not [s for s in statements if s.startswith('SELECT "employers_employer"')]  # no second employer read


def test_the_region_terms_read_with_the_token_decide_a_review():
    """The terms come from the token's statement: a region that reviews enrolments still gets a pending one."""
    from insured.models import StaffingTerms

    employer = EmployerFactory()
    OfficeFactory(region=employer.region)  # the office whose clerks review it
    StaffingTerms.objects.update_or_create(region=employer.region, defaults={"enrolment_needs_confirmation": True})
    portal = Portal(employer)
    body = {"document_number": resident_id(seq=42), "name": "吴八", "start_date": timezone.localdate(),
            "monthly_wage": "9000.00"}
    response = portal.post("/api/v1/employer/enrolments", body, key="pin-2")
    assert response.status_code == 201, response.content
    assert response.json()["decision"] == "pending"
    assert not Employment.objects.filter(employer=employer).exists()


def test_an_employer_the_caller_kept_is_read_again_for_its_terms():
    """Only the row the portal's token brought in this request is trusted; an instance a caller kept (its
    region's terms cached, then changed in the database) is read again, so the current terms decide."""
    from insured.models import Channel, StaffingTerms
    from insured.services.staffing import enrolment_submit
    from tests import builders

    employer = EmployerFactory()
    OfficeFactory(region=employer.region)
    terms = StaffingTerms.objects.create(region=employer.region, enrolment_needs_confirmation=False)
    assert employer.region.staffing_terms is terms  # cached on the kept instance
    StaffingTerms.objects.filter(pk=terms.pk).update(enrolment_needs_confirmation=True)
    event = enrolment_submit(employer=employer, document_number=resident_id(seq=43), name="郑九",
                             start_date=timezone.localdate(), monthly_wage=Decimal("9000.00"),
                             actor=builders.portal(employer), channel=Channel.API)
    assert event.decision == "pending"
