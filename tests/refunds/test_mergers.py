"""Employer clearance on a merger: staff and open charges move to the successor at a month boundary,
no month paid twice or missed; the merged employer can then be cancelled."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from common.problems import Forbidden, NotFound
from contributions.models import Allocation, Charge, ChargeKind
from contributions.payments import payment_record
from contributions.selectors.arrears import employer_arrears
from employers.hooks import employer_cancellation_blockers
from employers.models import RegistrationStatus
from insured.models import Channel, Decision, Employment, EventKind, RelationshipEvent, SeparationReason
from refunds.models import EmployerMerger
from refunds.services.mergers import employer_merge
from tests.builders import portal
from tests.builders import supervisor as supervisor_of
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory
from tests.problems import refused_in_chinese
from tests.refunds.factories import Desk

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
                   actor=portal(old))  # pays January in part, 26 days late
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
    supervisor = supervisor_of(other.region, office=other.office)
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
                   actor=portal(new))
    credits = AccountEntry.objects.filter(account__person=person, kind=EntryKind.CREDIT)
    assert [(e.contribution_month, e.amount, e.posted_on) for e in credits] == [
        (date(2026, 3, 1), amounts("6000.00")["pension_individual"], date(2026, 7, 10))]


# ---------------------------------------------------------------- what each refusal and record says

def _refusal(call):
    """(status, type, detail, errors) of a refused merger, read in Chinese; nothing is recorded."""
    before = EmployerMerger.objects.count()
    refusal = refused_in_chinese(call)
    assert EmployerMerger.objects.count() == before
    return refusal


def test_each_refusal_of_a_merger_names_its_reason_in_the_clerks_language(desk):
    old, new = EmployerFactory(region=desk.region), EmployerFactory(region=desk.region)
    merge = dict(last_month=date(2026, 6, 1), actor=desk.approver)
    status, _slug, _detail, errors = _refusal(lambda: employer_merge(predecessor=old, successor=old, **merge))
    assert (status, errors) == (400, [("successor", "same", "单位不能与自身合并。")])
    elsewhere = EmployerFactory(region=Desk(code="310104").region)
    assert _refusal(lambda: employer_merge(predecessor=old, successor=elsewhere, **merge))[::2] == (
        404, "两个单位须均在本统筹区。")
    pending = EmployerFactory(region=desk.region, registration_status=RegistrationStatus.PENDING)
    assert _refusal(lambda: employer_merge(predecessor=old, successor=pending, **merge))[:3] == (
        409, "employer-not-registered", "合并后单位尚未登记。")
    # a person starting after the last day must be reduced or moved first; one starting on it moves
    late = PersonFactory(region=desk.region, name="王五")
    Employment.objects.create(person=late, employer=old, start_date=date(2026, 7, 1), monthly_wage=Decimal("6000.00"))
    assert _refusal(lambda: employer_merge(predecessor=old, successor=new, **merge))[:3] == (
        409, "conflict", "王五在被合并单位的参保开始于 2026-06-30 之后；请先办理减员或转移。")
    assert Employment.objects.get(person=late).end_date is None  # nothing of the refused merger stays
    Employment.objects.filter(person=late).update(start_date=date(2026, 6, 30))
    merger = employer_merge(predecessor=old, successor=new, **merge)
    assert (merger.staff_moved, Employment.objects.get(person=late, employer=old).end_date) == (1, date(2026, 6, 30))
    assert _refusal(lambda: employer_merge(predecessor=old, successor=new, **merge)) == (
        409, "already-decided", "该单位已办理过合并。", [])


def test_the_merger_records_who_when_each_person_moved_and_each_charge_moved(desk):
    old, new = EmployerFactory(region=desk.region), EmployerFactory(region=desk.region)
    person = PersonFactory(region=desk.region)
    employment = Employment.objects.create(person=person, employer=old, start_date=date(2025, 3, 10),
                                           monthly_wage=Decimal("8000.00"))
    unpaid = charge(old, date(2026, 1, 1), "1000.00")
    with translation.override("zh-hans"):  # any day of the last month names the month
        merger = employer_merge(predecessor=old, successor=new, last_month=date(2026, 6, 17), actor=desk.approver,
                                note="沪合〔2026〕3号")
    merger.refresh_from_db()
    label = desk.approver.label()
    assert (merger.predecessor_id, merger.successor_id, merger.region_id, merger.last_month) == (
        old.pk, new.pk, desk.region.pk, date(2026, 6, 1))
    assert (merger.staff_moved, merger.charges_moved, merger.actor, merger.actor_user_id) == (
        1, 1, label, desk.approver_user.pk)
    continued = Employment.objects.get(employer=new)
    out = Charge.objects.get(employer=old, kind=ChargeKind.MERGER_OUT)
    taken = Charge.objects.get(employer=new, kind=ChargeKind.MERGER_IN)
    staff = {"merger": True, "from_employer": old.pk, "to_employer": new.pk, "from_employment": employment.pk,
             "to_employment": continued.pk}
    assert merger.details == {
        "staff": [staff], "note": "沪合〔2026〕3号", "recorded_on": timezone.localdate().isoformat(),
        "charges": [{"charge": unpaid.pk, "kind": "declared", "period": "2026-01-01", "amount": "1000.00",
                     "out": out.pk, "in": taken.pk}]}
    # the merged employer's charge is settled by the credit as of its due day; the successor owes it, by the clerk
    assert (out.parent_id, out.amount, out.due_on, out.fee_from, out.actor) == (
        unpaid.pk, Decimal("-1000.00"), unpaid.due_on, None, label)
    settled = Allocation.objects.get(credit=out)
    assert (settled.employer_id, settled.charge_id, settled.amount, settled.effective_on, settled.settles_charge,
            settled.actor) == (old.pk, unpaid.pk, Decimal("1000.00"), unpaid.due_on, True, label)
    assert (taken.parent_id, taken.period, taken.amount, taken.due_on, taken.fee_from, taken.actor) == (
        unpaid.pk, date(2026, 1, 1), Decimal("1000.00"), unpaid.due_on, unpaid.fee_from, label)
    # the person's trail: taken off the merged employer's roll at once, enrolled at the successor at once
    ended, enrolled = RelationshipEvent.objects.filter(person=person).order_by("id")
    assert (ended.kind, ended.employer_id, ended.region_id, ended.employment_id, ended.effective_date,
            ended.decision, ended.reason, ended.note, ended.channel, ended.actor_user_id) == (
        EventKind.STAFF_REDUCTION, old.pk, desk.region.pk, employment.pk, date(2026, 6, 30), Decision.EFFECTIVE,
        SeparationReason.OTHER, f"并入{new.name}；自 2026-07-01 起在该单位继续参保。", Channel.ADMIN,
        desk.approver_user.pk)
    assert (enrolled.kind, enrolled.employer_id, enrolled.employment_id, enrolled.effective_date, enrolled.decision,
            enrolled.late, enrolled.details, enrolled.channel, enrolled.actor_user_id) == (
        EventKind.ENROLMENT, new.pk, continued.pk, date(2026, 7, 1), Decision.EFFECTIVE, False, staff,
        Channel.ADMIN, desk.approver_user.pk)
    assert (continued.person_id, continued.monthly_wage, continued.end_date) == (person.pk, Decimal("8000.00"), None)


def test_a_merger_without_a_note_records_none(desk):
    old, new = EmployerFactory(region=desk.region), EmployerFactory(region=desk.region)
    merger = employer_merge(predecessor=old, successor=new, last_month=date(2026, 6, 1), actor=desk.approver)
    assert merger.details == {"staff": [], "charges": [], "note": "", "recorded_on": timezone.localdate().isoformat()}
    assert (merger.staff_moved, merger.charges_moved) == (0, 0)


def test_only_what_is_unpaid_moves_oldest_due_first_and_a_fee_of_fen_is_posted_by_the_merger(desk):
    """A charge paid in full stays settled at the merged employer; a part paid on time owes no late fee;
    a part paid a day late owes its few fen, posted at the merged employer by the merger, and they move
    like any charge. The charges move by due day, then by period (a month declared late is due later)."""
    old, new = EmployerFactory(region=desk.region), EmployerFactory(region=desk.region)

    def pay(amount, on, reference):
        payment_record(employer_id=old.pk, bank_reference=reference, amount=Decimal(amount), paid_on=on,
                       actor=portal(old))

    paid = charge(old, date(2025, 12, 1), "50.00")  # due 2025-12-15
    pay("50.00", date(2025, 12, 10), "P-1")  # in full, on time
    february = charge(old, date(2026, 2, 1), "100.00")  # due 2026-02-15
    pay("40.00", date(2026, 2, 10), "P-2")  # in part, on time
    january = charge(old, date(2026, 1, 1), "300.00")  # due 2026-01-15
    pay("100.00", date(2026, 1, 16), "P-3")  # in part, a day late: 100 x 0.05% = 0.05
    november = charge(old, date(2025, 11, 1), "80.00", due_on=date(2026, 3, 20))  # declared late
    october = charge(old, date(2025, 10, 1), "70.00", due_on=date(2026, 3, 20))

    merger = employer_merge(predecessor=old, successor=new, last_month=date(2026, 6, 1), actor=desk.approver)

    fee = Charge.objects.get(employer=old, kind=ChargeKind.LATE_FEE)
    assert (fee.parent_id, fee.amount, fee.due_on, fee.fee_from, fee.actor) == (
        january.pk, Decimal("0.05"), date(2026, 1, 16), None, "merger")
    assert [(c["charge"], c["amount"]) for c in merger.details["charges"]] == [
        (january.pk, "200.00"), (fee.pk, "0.05"), (february.pk, "60.00"), (october.pk, "70.00"),
        (november.pk, "80.00")]
    assert not Charge.objects.filter(employer=new, parent=paid).exists()
    assert merger.charges_moved == 5
