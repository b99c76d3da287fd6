"""Art. 58 late enrolment: the months before the first declared month are determined from the
enrolment wage, confirmed by a clerk under a deadline, and charged with their original due days."""

from datetime import date
from decimal import Decimal as D

import pytest

from agency.models import AverageWage, Deadline
from common.access import Viewer
from common.problems import Conflict, Forbidden, NotFound
from contributions.models import Charge, ChargeKind
from contributions.models.payments import Determination, DeterminationState
from contributions.selectors.arrears import employer_arrears
from contributions.services.determinations import (
    determination_confirm,
    determination_propose,
    determination_reject,
)
from contributions.tasks import determinations_propose_due
from contributions.terms import DeterminationRule
from insured.models import Employment
from tests.agency.factories import OfficeFactory, RegionFactory
from tests.builders import clerk, logged_in, person_viewer, portal
from tests.contributions.charges import declare, line
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    region = RegionFactory(code="310101")
    OfficeFactory(region=region)
    AverageWage.objects.create(region=region, year=2026, monthly_wage=D("10000.00"), effective_from=date(2026, 1, 1))
    employer = EmployerFactory(region=region, risk_class=2, risk_float_percent=D("150"))
    person = PersonFactory(region=region)
    employment = Employment.objects.create(person=person, employer=employer, start_date=date(2026, 1, 20),
                                           monthly_wage=D("5000.00"), enrolled_late=True)
    return region, employer, person, employment


def test_months_before_the_first_declared_month_are_determined_from_the_enrolment_wage(setting):
    region, employer, person, employment = setting
    declaration, _ = declare(employer, date(2026, 4, 1), "100.00")
    line(declaration, person)
    determination = determination_propose(employment=employment, actor=Viewer.system(), today=date(2026, 4, 20))
    months = list(determination.months.order_by("period"))
    assert [m.period for m in months] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    jan = months[0]
    assert jan.base == D("6000.00")  # 5000 is below the floor, 60% of 10000
    # pension 16/8, medical 8/2, unemployment 0.5/0.5, work injury class 2 0.4% x 150% = 0.6%
    assert jan.employer_amount == D("960.00") + D("480.00") + D("30.00") + D("36.00")
    assert jan.individual_amount == D("480.00") + D("120.00") + D("30.00")
    assert jan.pension_individual == D("480.00")
    deadline = Deadline.objects.get(rule=DeterminationRule.LATE_ENROLMENT_DETERMINATION)
    assert deadline.state == "open" and deadline.region == region
    assert determination_propose(employment=employment, actor=Viewer.system()) is None  # once only


def test_confirmed_months_are_determined_charges_with_their_original_due_days(setting):
    region, employer, person, employment = setting
    determination = determination_propose(employment=employment, actor=Viewer.system(), today=date(2026, 3, 20))
    assert [m.period for m in determination.months.all()] == [date(2026, 1, 1), date(2026, 2, 1)]
    # the employer declares February itself meanwhile: only January is charged
    declaration, _ = declare(employer, date(2026, 2, 1), "100.00")
    line(declaration, person)
    viewer = clerk(region)
    charges = determination_confirm(determination=determination, actor=viewer)
    assert [(c.kind, c.period, c.due_on, c.fee_from, c.amount) for c in charges] == [
        (ChargeKind.DETERMINED, date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 15), D("2136.00"))]
    determination.refresh_from_db()
    assert determination.state == DeterminationState.CONFIRMED
    deadline = Deadline.objects.get(rule=DeterminationRule.LATE_ENROLMENT_DETERMINATION)
    assert deadline.closed_at is not None  # decided (met, or missed: it started on 2026-03-20)
    arrears = employer_arrears(employer_id=employer.pk, region_id=region.pk, on=date(2026, 3, 25))
    jan = arrears.periods[0]
    assert jan.period == date(2026, 1, 1) and jan.days == 69 and jan.late_fee == D("73.69")  # 2136 x 69 x 0.05%
    with pytest.raises(Conflict) as again:
        determination_confirm(determination=determination, actor=viewer)
    assert again.value.type_slug == "already-decided"
    with pytest.raises(Conflict):
        determination_reject(determination=determination, actor=viewer, note="changed my mind")
    determination.refresh_from_db()
    assert determination.state == DeterminationState.CONFIRMED
    assert Charge.objects.filter(kind=ChargeKind.DETERMINED).count() == 1


def test_a_clerk_of_the_region_without_the_permission_to_decide_is_refused_and_nothing_is_charged(setting):
    region, employer, person, employment = setting
    determination = determination_propose(employment=employment, actor=Viewer.system(), today=date(2026, 3, 20))
    auditor = clerk(region, ("auditor",))  # sees determinations, may not decide them
    with pytest.raises(Forbidden):
        determination_confirm(determination=determination, actor=auditor)
    with pytest.raises(Forbidden):
        determination_reject(determination=determination, actor=auditor, note="not mine to decide")
    for outsider in (portal(employer), person_viewer(person)):
        with pytest.raises(Forbidden):
            determination_confirm(determination=determination, actor=outsider)
    determination.refresh_from_db()
    assert determination.state == DeterminationState.PENDING
    assert not Charge.objects.filter(kind=ChargeKind.DETERMINED).exists()


def test_the_daily_job_proposes_once_and_another_regions_clerk_cannot_confirm(setting):
    region, employer, person, employment = setting
    assert determinations_propose_due(today=date(2026, 3, 20)) == 1
    assert determinations_propose_due(today=date(2026, 3, 21)) == 0
    other = RegionFactory(code="110105")
    OfficeFactory(region=other)
    outsider = clerk(other)
    with pytest.raises(NotFound):
        determination_confirm(determination=Determination.objects.get(), actor=outsider)


def test_clerk_confirms_in_the_admin(setting):
    region, employer, person, employment = setting
    determination = determination_propose(employment=employment, actor=Viewer.system(), today=date(2026, 3, 20))
    client = logged_in(clerk(region))
    page = client.get(f"/admin/contributions/determination/{determination.pk}/change/")
    assert page.status_code == 200
    response = client.post(f"/admin/contributions/determination/{determination.pk}/decide/",
                           {"decision": "confirm", "note": ""})
    assert response.status_code == 302
    assert Charge.objects.filter(kind=ChargeKind.DETERMINED).count() == 2
