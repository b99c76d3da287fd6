"""Two enrolments of the same person at once (issue 28): one wins, the other is a conflict; and two runs of
the monthly charges at once charge every month once."""

from __future__ import annotations

import pytest

from common.access import Viewer
from common.problems import ApplicationError
from contributions.models import SelfPaidMonth
from flexible.models import FlexibleEnrolment
from flexible.services.charges import flexible_months_charge
from tests.concurrency import run_together
from tests.flexible.factories import enrolled, flexible_region, months_ago, person_in

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
