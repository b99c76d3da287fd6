"""Payments: allocation order, overpayment as credit, late fees posted when a principal is settled,
duplicate bank references, refusals, and the database's own money rules."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import translation

from agency.deadlines import today_in_shanghai
from common.problems import ValidationFailed
from contributions.events import EventKind
from contributions.models import Allocation, Charge, ChargeKind, ContributionEvent, Payment, RegionContributionSettings
from contributions.payments import payment_record
from contributions.selectors.arrears import employer_arrears
from tests.agency.factories import OfficeFactory, clerk_user
from tests.builders import portal, staff_viewer
from tests.contributions.charges import charge
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def pay(employer, amount, paid_on, ref=None):
    payment, _ = payment_record(employer_id=employer.pk, bank_reference=ref or f"REF-{Payment.objects.count() + 1}",
                                amount=D(str(amount)), paid_on=paid_on, actor=portal(employer))
    return payment


def paid(c):
    return sum((a.amount for a in Allocation.objects.filter(charge=c)), D(0))


def test_oldest_charge_is_paid_first_and_overpayment_stays_a_credit_for_the_next_charge():
    employer = EmployerFactory()
    march = charge(employer, date(2026, 3, 1), "100.00")
    jan = charge(employer, date(2026, 1, 1), "300.00")
    pay(employer, "350.00", date(2026, 1, 10))
    assert paid(jan) == D("300.00") and paid(march) == D("50.00")
    pay(employer, "80.00", date(2026, 3, 10))  # 30 overpaid
    assert paid(march) == D("100.00")
    assert employer_arrears(employer_id=employer.pk, region_id=employer.region_id, on=date(2026, 3, 10)).credit == D("30.00")
    april = charge(employer, date(2026, 4, 1), "50.00")
    from contributions.allocation import charges_settle, employer_lock

    with transaction.atomic():
        employer_lock(employer.pk)
        charges_settle(employer_id=employer.pk, actor="tests")
    allocation = Allocation.objects.get(charge=april)
    assert allocation.amount == D("30.00") and allocation.effective_on == date(2026, 3, 10)


def test_fee_days_both_ends_due_15th_paid_16th_is_one_day():
    employer = EmployerFactory()
    c = charge(employer, date(2026, 1, 1), "10000.00")  # due 2026-01-15
    on_time = EmployerFactory()
    c2 = charge(on_time, date(2026, 1, 1), "10000.00")
    pay(on_time, "10000.00", date(2026, 1, 15))
    assert not Charge.objects.filter(parent=c2, kind=ChargeKind.LATE_FEE).exists()
    pay(employer, "10000.00", date(2026, 1, 16))
    fee = Charge.objects.get(parent=c, kind=ChargeKind.LATE_FEE)
    assert fee.amount == D("5.00")  # 10000 x 0.05% x 1 day
    assert fee.due_on == date(2026, 1, 16)


def test_principal_first_then_late_fee_and_the_region_can_choose_oldest_first():
    employer = EmployerFactory()
    jan = charge(employer, date(2026, 1, 1), "1000.00")
    feb = charge(employer, date(2026, 2, 1), "1000.00")
    pay(employer, "1000.00", date(2026, 2, 24))  # jan 40 days late: fee 20.00; pays jan principal
    jan_fee = Charge.objects.get(parent=jan, kind=ChargeKind.LATE_FEE)
    assert jan_fee.amount == D("20.00")
    pay(employer, "1010.00", date(2026, 2, 15))  # principal first: feb 1000, then jan's fee 10 of 20
    assert paid(feb) == D("1000.00") and paid(jan_fee) == D("10.00")

    other = EmployerFactory()
    RegionContributionSettings.objects.create(region=other.region, allocation_order="oldest_first")
    jan = charge(other, date(2026, 1, 1), "1000.00")
    feb = charge(other, date(2026, 2, 1), "1000.00")
    pay(other, "1030.00", date(2026, 2, 24))  # jan 1000 then its fee 20, then feb 10
    assert paid(Charge.objects.get(parent=jan, kind=ChargeKind.LATE_FEE)) == D("20.00")
    assert paid(feb) == D("10.00")


def test_partly_paid_charge_bears_fee_per_part_rounded_once():
    employer = EmployerFactory()
    c = charge(employer, date(2026, 1, 1), "333.33")
    pay(employer, "111.11", date(2026, 1, 18))  # 3 days on 111.11
    pay(employer, "222.22", date(2026, 1, 25))  # 10 days on 222.22
    fee = Charge.objects.get(parent=c, kind=ChargeKind.LATE_FEE)
    # (111.11 x 3 + 222.22 x 10) x 0.0005 = 1.277865 -> 1.28 (rounded once, not 0.17 + 1.11)
    assert fee.amount == D("1.28")


def test_same_bank_reference_answers_the_first_payment_and_changes_nothing():
    employer = EmployerFactory()
    charge(employer, date(2026, 1, 1), "100.00")
    first, created = payment_record(employer_id=employer.pk, bank_reference="BANK-1", amount=D("60.00"),
                                    paid_on=date(2026, 1, 10), actor=portal(employer))
    again, created_again = payment_record(employer_id=employer.pk, bank_reference="BANK-1", amount=D("99.00"),
                                          paid_on=date(2026, 1, 11), actor=portal(employer))
    assert created and not created_again and again.pk == first.pk and again.amount == D("60.00")
    assert Payment.objects.count() == 1 and Allocation.objects.count() == 1
    other = EmployerFactory()  # references are per employer: another's is recorded as a new one
    theirs, created = payment_record(employer_id=other.pk, bank_reference="BANK-1", amount=D("60.00"),
                                     paid_on=date(2026, 1, 10), actor=portal(other))
    assert created and theirs.employer_id == other.pk and Payment.objects.count() == 2


@pytest.mark.parametrize("amount,paid_on,field,code", [
    ("0.00", None, "amount", "not_positive"), ("-5.00", None, "amount", "not_positive"),
    ("10.00", "tomorrow", "paid_on", "future"), ("1.005", None, "amount", "fen"),
])
def test_bad_payments_are_refused(amount, paid_on, field, code):
    employer = EmployerFactory()
    day = today_in_shanghai() + timedelta(days=1) if paid_on == "tomorrow" else date(2026, 1, 1)
    with pytest.raises(ValidationFailed) as err:
        payment_record(employer_id=employer.pk, bank_reference="X1", amount=D(amount), paid_on=day,
                       actor=portal(employer))
    assert [(e["field"], e["code"]) for e in err.value.errors] == [(field, code)]
    assert not Payment.objects.exists()


def test_a_refused_payment_names_every_fault_at_once_in_the_callers_language():
    employer = EmployerFactory()
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as err:
        payment_record(employer_id=employer.pk, bank_reference="   ", amount=D("1.001"),
                       paid_on=today_in_shanghai() + timedelta(days=1), actor=portal(employer))
    assert err.value.detail == "缴款被拒绝。"
    assert [(e["field"], e["code"], e["message"]) for e in err.value.errors] == [
        ("bank_reference", "required", "请填写银行参考号。"), ("amount", "fen", "金额以元为单位，保留两位小数。"),
        ("paid_on", "future", "缴款日期不能晚于今天。")]
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as err:
        payment_record(employer_id=employer.pk, bank_reference="X1", amount=D("-1.00"), paid_on=date(2026, 1, 1),
                       actor=portal(employer))
    assert err.value.errors[0]["message"] == "缴款金额须为正数。"
    with pytest.raises(ValidationFailed) as err:  # no reference at all is refused too, never stored as a made-up one
        payment_record(employer_id=employer.pk, bank_reference=None, amount=D("1.00"), paid_on=date(2026, 1, 1),
                       actor=portal(employer))
    assert [(e["field"], e["code"]) for e in err.value.errors] == [("bank_reference", "required")]
    assert not Payment.objects.exists()


def test_one_fen_paid_today_is_recorded_with_its_reference_trimmed_its_actor_and_its_event():
    employer = EmployerFactory()
    charge(employer, date(2026, 1, 1), "100.00")
    user = clerk_user(OfficeFactory(region=employer.region))
    actor = staff_viewer(user)
    today = today_in_shanghai()
    payment, created = payment_record(employer_id=employer.pk, bank_reference="  BANK-7 ", amount=D("0.01"),
                                      paid_on=today, actor=actor)
    assert created
    assert (payment.bank_reference, payment.amount, payment.paid_on) == ("BANK-7", D("0.01"), today)
    assert (payment.channel, payment.note, payment.actor, payment.actor_user_id) == ("collector", "", actor.label(),
                                                                                    user.pk)
    event = ContributionEvent.objects.get(kind=EventKind.PAYMENT_RECORDED)
    assert (event.employer_id, event.actor, event.actor_user_id) == (employer.pk, actor.label(), user.pk)
    assert event.details == {"payment": payment.pk, "bank_reference": "BANK-7", "amount": "0.01",
                             "paid_on": today.isoformat(), "channel": "collector", "allocated": "0.01"}


def test_the_payments_event_counts_only_what_this_payment_allocated():
    employer = EmployerFactory()
    charge(employer, date(2026, 1, 1), "100.00")
    pay(employer, "60.00", date(2026, 1, 10), ref="FIRST")
    second = pay(employer, "80.00", date(2026, 1, 12), ref="SECOND")  # 40 pays the rest, 40 stays a credit
    event = ContributionEvent.objects.get(kind=EventKind.PAYMENT_RECORDED, details__payment=second.pk)
    assert event.details["allocated"] == "40.00" and event.details["amount"] == "80.00"


def test_a_person_who_pays_for_themselves_is_recorded_once_per_reference_and_their_month_is_paid(shanghai):
    from flexible.tasks import flexible_charges_run
    from tests.flexible.factories import enrolled, flexible_region, person_in, this_month

    flexible_region(shanghai)
    person = person_in(shanghai)
    enrolled(person, start=this_month(), base="10000.00")
    flexible_charges_run()
    month = Charge.objects.get(person=person)
    user = clerk_user(OfficeFactory(region=shanghai))
    actor = staff_viewer(user)
    today = today_in_shanghai()
    payment, created = payment_record(person_id=person.pk, bank_reference=" SELF-1 ", amount=month.amount,
                                      paid_on=today, actor=actor)
    assert created and payment.person_id == person.pk and payment.employer_id is None
    assert (payment.bank_reference, payment.channel, payment.note) == ("SELF-1", "collector", "")
    assert (payment.actor, payment.actor_user_id) == (actor.label(), user.pk)
    assert paid(month) == month.amount
    assert Allocation.objects.get(charge=month).actor == actor.label()
    again, created_again = payment_record(person_id=person.pk, bank_reference="SELF-1", amount=D("1.00"),
                                          paid_on=today, actor=actor)
    assert not created_again and again.pk == payment.pk
    later, created_later = payment_record(person_id=person.pk, bank_reference="SELF-2", amount=D("3.00"),
                                          paid_on=today, actor=actor)  # another reference is another payment
    assert created_later and later.pk != payment.pk and later.amount == D("3.00")
    assert Payment.objects.filter(person=person).count() == 2 and Allocation.objects.filter(charge=month).count() == 1
    other = person_in(shanghai)  # references are per payer
    theirs, created = payment_record(person_id=other.pk, bank_reference="SELF-1", amount=D("5.00"), paid_on=today,
                                     actor=actor)
    assert created and theirs.person_id == other.pk


def test_recording_a_payment_is_no_service_and_no_screen_or_api_reaches_it():
    """Issue 22: only the collection feed makes money count; the step is not an entry point, and no
    API or admin module of contributions imports it."""
    from pathlib import Path

    from common.services import is_entry_point

    assert not is_entry_point(payment_record)
    here = Path(__file__).resolve().parents[2] / "contributions"
    for module in [*here.glob("apis/*.py"), *here.glob("admin/*.py"), *here.glob("services/*.py")]:
        assert "payment_record" not in module.read_text(), module


def test_payments_charges_and_allocations_are_append_only():
    employer = EmployerFactory()
    c = charge(employer, date(2026, 1, 1), "100.00")
    p = pay(employer, "100.00", date(2026, 1, 10))
    for model, pk in ((Payment, p.pk), (Allocation, Allocation.objects.get().pk), (Charge, c.pk)):
        with pytest.raises(ProgrammingError), transaction.atomic():
            model.objects.filter(pk=pk).update(amount=D("1.00"))
        with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [pk])


def test_the_database_refuses_allocations_beyond_the_payment_or_the_charge():
    employer = EmployerFactory()
    c = charge(employer, date(2026, 1, 1), "100.00")
    c2 = charge(employer, date(2026, 2, 1), "100.00")
    p = Payment.objects.create(employer=employer, bank_reference="RAW", amount=D("150.00"), paid_on=date(2026, 1, 1),
                               channel="api", actor="tests")
    with pytest.raises(IntegrityError), transaction.atomic():  # more than the charge
        Allocation.objects.create(employer=employer, charge=c, payment=p, amount=D("100.01"),
                                  effective_on=date(2026, 1, 1), actor="tests")
    Allocation.objects.create(employer=employer, charge=c, payment=p, amount=D("100.00"), effective_on=date(2026, 1, 1),
                              actor="tests")
    with pytest.raises(IntegrityError), transaction.atomic():  # more than the payment
        Allocation.objects.create(employer=employer, charge=c2, payment=p, amount=D("50.01"),
                                  effective_on=date(2026, 1, 1), actor="tests")
    other = EmployerFactory()
    foreign = charge(other, date(2026, 1, 1), "10.00")
    with pytest.raises(IntegrityError), transaction.atomic():  # across employers
        Allocation.objects.create(employer=employer, charge=foreign, payment=p, amount=D("1.00"),
                                  effective_on=date(2026, 1, 1), actor="tests")
    with connection.cursor() as cursor:
        cursor.execute("SELECT numeric_precision, numeric_scale FROM information_schema.columns "
                       "WHERE table_name IN ('contributions_payment', 'contributions_allocation') AND column_name = 'amount'")
        assert set(cursor.fetchall()) == {(14, 2)}
