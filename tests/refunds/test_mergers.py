"""Employer clearance on a merger: staff and open charges move to the successor at a month boundary,
no month paid twice or missed; the merged employer can then be cancelled."""

from datetime import date
from decimal import Decimal

import pytest

from common.problems import Forbidden, NotFound
from contributions.models import Charge, ChargeKind
from contributions.payments import payment_record
from contributions.selectors.arrears import employer_arrears
from employers.hooks import employer_cancellation_blockers
from insured.models import Employment, EventKind, RelationshipEvent
from refunds.models import EmployerMerger
from refunds.services.mergers import employer_merge
from tests.agency.factories import clerk_user
from tests.contributions.charges import charge, portal_viewer
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory
from tests.refunds.factories import Desk, clerk_viewer

pytestmark = pytest.mark.django_db


def _months(start: date, end: date | None, until: date) -> set[date]:
    out, m = set(), start.replace(day=1)
    last = (end or until).replace(day=1)
    while m <= last:
        out.add(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


@pytest.fixture
def desk():
    return Desk()


@pytest.mark.parametrize(("last_month", "ends", "continues"), [
    (date(2026, 6, 1), date(2026, 6, 30), date(2026, 7, 1)),
    (date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 1)),
    (date(2028, 2, 1), date(2028, 2, 29), date(2028, 3, 1))])
def test_staff_continue_at_the_successor_from_the_next_month(desk, last_month, ends, continues):
    old, new = EmployerFactory(region=desk.region), EmployerFactory(region=desk.region)
    person = PersonFactory(region=desk.region)
    employment = Employment.objects.create(person=person, employer=old, start_date=date(2025, 3, 10),
                                           monthly_wage=Decimal("8000.00"))
    merger = employer_merge(predecessor=old, successor=new, last_month=last_month, actor=desk.approver)
    employment.refresh_from_db()
    continued = Employment.objects.get(person=person, employer=new)
    assert (employment.end_date, continued.start_date, continued.end_date) == (ends, continues, None)
    assert continued.monthly_wage == employment.monthly_wage
    until = date(2029, 1, 1)
    at_old, at_new = _months(employment.start_date, employment.end_date, until), _months(continued.start_date,
                                                                                          None, until)
    assert not at_old & at_new  # no month paid twice
    assert at_old | at_new == _months(employment.start_date, None, until)  # none missed
    events = RelationshipEvent.objects.filter(person=person).order_by("id")
    assert [(e.kind, e.employer_id, e.effective_date) for e in events] == [
        (EventKind.STAFF_REDUCTION, old.pk, ends), (EventKind.ENROLMENT, new.pk, continues)]
    assert merger.staff_moved == 1 and merger.details["staff"][0]["to_employment"] == continued.pk


def test_open_charges_move_with_their_lateness_and_the_merged_employer_can_be_cancelled(desk):
    old, new = EmployerFactory(region=desk.region), EmployerFactory(region=desk.region)
    Employment.objects.create(person=PersonFactory(region=desk.region), employer=old, start_date=date(2025, 1, 1),
                              monthly_wage=Decimal("6000.00"))
    unpaid = charge(old, date(2026, 1, 1), "1000.00")  # due 2026-01-15, unpaid
    partly = charge(old, date(2026, 2, 1), "500.00")  # due 2026-02-15
    payment_record(employer_id=old.pk, bank_reference="P-1", amount=Decimal("200.00"), paid_on=date(2026, 2, 10),
                   actor=portal_viewer(old))  # pays January in part, 26 days late
    codes = {b.code for b in employer_cancellation_blockers(old.pk)}
    assert {"unpaid_charges"} <= codes and len(codes) == 2  # staff on the roll, charges unpaid
    before = employer_arrears(employer_id=old.pk, region_id=desk.region.pk, on=date(2026, 6, 1))

    merger = employer_merge(predecessor=old, successor=new, last_month=date(2026, 6, 1), actor=desk.approver)

    # January's 800 unpaid, the late fee of its 200 paid late (26 days x 0.05% = 2.60, posted at the
    # merged employer, whose lateness it was), February's 500.
    assert merger.charges_moved == 3 and employer_cancellation_blockers(old.pk) == []
    fee = Charge.objects.get(employer=old, kind=ChargeKind.LATE_FEE)
    assert (fee.parent_id, fee.amount) == (unpaid.pk, Decimal("2.60"))
    taken = Charge.objects.filter(employer=new, kind=ChargeKind.MERGER_IN).order_by("period", "id")
    assert [(c.parent_id, c.amount, c.due_on, c.fee_from) for c in taken] == [
        (unpaid.pk, Decimal("800.00"), unpaid.due_on, unpaid.fee_from),
        (fee.pk, Decimal("2.60"), fee.due_on, None),
        (partly.pk, Decimal("500.00"), partly.due_on, partly.fee_from)]
    after_old = employer_arrears(employer_id=old.pk, region_id=desk.region.pk, on=date(2026, 6, 1))
    after_new = employer_arrears(employer_id=new.pk, region_id=desk.region.pk, on=date(2026, 6, 1))
    assert after_old.periods == []
    # The successor owes what the merged employer owed, late fee included (the lateness runs on).
    assert [(p.period, p.principal + p.late_fee) for p in after_new.periods] == [
        (p.period, p.principal + p.late_fee) for p in before.periods]
    assert sum(p.late_fee for p in after_new.periods) > 0


def test_a_merger_needs_the_permission_and_both_employers_in_the_region(desk):
    old, new = EmployerFactory(region=desk.region), EmployerFactory(region=desk.region)
    with pytest.raises(Forbidden):
        employer_merge(predecessor=old, successor=new, last_month=date(2026, 6, 1), actor=desk.clerk)
    other = Desk(code="310104")
    elsewhere = EmployerFactory(region=other.region)
    with pytest.raises(NotFound):
        employer_merge(predecessor=old, successor=elsewhere, last_month=date(2026, 6, 1), actor=desk.approver)
    supervisor = clerk_viewer(clerk_user(other.office, groups=("supervisor",)))
    with pytest.raises(NotFound):
        employer_merge(predecessor=old, successor=new, last_month=date(2026, 6, 1), actor=supervisor)
    assert not EmployerMerger.objects.exists()


def test_the_successor_paying_a_charge_it_took_over_credits_the_persons_accounts(desk):
    """The months a merged employer declared and the successor pays reach the persons' accounts once."""
    from accounts.models import AccountEntry, EntryKind
    from tests.contributions.reads import amounts, file

    old, new = EmployerFactory(region=desk.region), EmployerFactory(region=desk.region)
    person = PersonFactory(region=desk.region)
    Employment.objects.create(person=person, employer=old, start_date=date(2025, 1, 1),
                              monthly_wage=Decimal("6000.00"))
    _declaration, march = file(old, date(2026, 3, 1), {person: "6000.00"})
    employer_merge(predecessor=old, successor=new, last_month=date(2026, 6, 1), actor=desk.approver)
    assert not AccountEntry.objects.filter(account__person=person).exists()  # nothing paid yet

    payment_record(employer_id=new.pk, bank_reference="P-NEW", amount=march.amount, paid_on=date(2026, 7, 10),
                   actor=portal_viewer(new))
    credits = AccountEntry.objects.filter(account__person=person, kind=EntryKind.CREDIT)
    assert [(e.contribution_month, e.amount, e.posted_on) for e in credits] == [
        (date(2026, 3, 1), amounts("6000.00")["pension_individual"], date(2026, 7, 10))]
