"""Two enrolments of the same person at once (issue 28): one wins, the other is a conflict; two runs of
the monthly charges at once charge every month once; a person's stop and an employer's enrolment of them at
once lock in one order (the person, the relationship, the enrolment): one waits for the other."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from common.access import Viewer
from common.problems import ApplicationError
from contributions.models import SelfPaidMonth
from flexible.models import FlexibleEnrolment
from flexible.services import enrolment as enrolment_services
from flexible.services.charges import flexible_months_charge
from flexible.services.enrolment import flexible_stop
from insured.models import EventKind, RelationshipEvent
from insured.services.staffing import enrolment_submit
from tests.builders import person_viewer, portal
from tests.concurrency import run_together
from tests.employers.factories import EmployerFactory
from tests.flexible.factories import enrolled, flexible_region, months_ago, person_in, this_month

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_enrolments_at_once_one_wins(shanghai):
    flexible_region(shanghai)
    person = person_in(shanghai)
    results = run_together(lambda: enrolled(person, base="10000.00"), lambda: enrolled(person, base="20000.00"))
    assert FlexibleEnrolment.objects.filter(person=person).count() == 1
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 1 and refused[0].type_slug == "flexible-enrolled"


def test_two_charge_runs_at_once_charge_each_month_once(shanghai):
    flexible_region(shanghai)
    people = [person_in(shanghai) for _ in range(4)]
    for person in people:
        enrolled(person, start=months_ago(2))
    results = run_together(lambda: flexible_months_charge(actor=Viewer.system()),
                           lambda: flexible_months_charge(actor=Viewer.system()))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r[1] for r in results) == 12
    assert SelfPaidMonth.objects.count() == 12


def test_a_stop_and_an_employers_enrolment_at_once_write_one_switch(shanghai, monkeypatch):
    """The stop holds what it locked first while the employer's enrolment runs as far as it can; in the one
    lock order the enrolment waits for the person, then sees the stop. (In two orders the enrolment read
    the enrolment as still paying and wrote a second `flexible_stop`, or, once it locked the enrolment too,
    the two deadlocked.)"""
    flexible_region(shanghai)
    person = person_in(shanghai)
    enrolled(person, start=months_ago(1))
    employer = EmployerFactory(region=shanghai)
    locked, hired = threading.Event(), threading.Event()
    transition = enrolment_services.transition

    def stop_then_wait(*args, **kwargs):  # the stop has taken its first locks: let the employer run
        result = transition(*args, **kwargs)
        locked.set()
        hired.wait(3)  # not a timing assertion: the employer either finishes or waits for our locks
        return result

    monkeypatch.setattr(enrolment_services, "transition", stop_then_wait)

    def hire():
        locked.wait(10)  # the stop first: it has taken its locks
        try:
            return enrolment_submit(employer=employer, document_number=person.document_number, name=person.name,
                                    start_date=this_month(), monthly_wage=Decimal("9000.00"),
                                    actor=portal(employer), channel="api")
        finally:
            hired.set()

    results = run_together(lambda: flexible_stop(actor=person_viewer(person)), hire)
    assert not [r for r in results if isinstance(r, Exception)], results
    stops = RelationshipEvent.objects.filter(person=person, kind=EventKind.FLEXIBLE_STOPPED)
    assert stops.count() == 1
    assert FlexibleEnrolment.objects.get(person=person).state == "suspended"
