"""The declaration service: roll rules, clamping, rounding, corrections, due dates, bad input, scoping."""

from datetime import date, datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agency.models import AverageWage
from common.access import Kind, Viewer
from common.problems import ApplicationError, Forbidden, NotFound
from contributions.models import Charge, ChargeKind, ContributionEvent, ContributionLine, Declaration
from contributions.models.payments import Determination, DeterminedMonth
from contributions.rates import RateCard
from contributions.selectors.declarations import roll_gaps
from contributions.services.declarations import DeclarationInvalid, declaration_file
from insured.models import Employment
from tests.agency.factories import OfficeFactory, RegionFactory
from tests.builders import clerk, person_viewer, portal
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)
TODAY = date(2026, 3, 5)  # before the declaration day (10th) and the payment day (15th)


@pytest.fixture
def world():
    region = RegionFactory()
    OfficeFactory(region=region)
    # floor 60% = 6000.00, ceiling 300% = 30000.00
    AverageWage.objects.create(region=region, year=2026, monthly_wage=D("10000.00"), effective_from=date(2026, 1, 1))
    employer = EmployerFactory(region=region, risk_class=2, risk_float_percent=D("150"))
    people = [PersonFactory(region=region) for _ in range(3)]
    for p in people:
        Employment.objects.create(person=p, employer=employer, start_date=date(2025, 6, 1), monthly_wage=D("8000"))
    recorded_in_time(Employment.objects.all())
    return region, employer, people


def recorded_in_time(employments):
    """Employments recorded long ago (created_at would be the test's real time)."""
    employments.update(created_at=timezone.make_aware(datetime(2025, 6, 1, 9, 0)))


def rows(people, *wages):
    return [{"document_number": p.document_number, "wage": w} for p, w in zip(people, wages, strict=True)]


def file(employer, people_or_rows, *wages, period="2026-03", today=TODAY, actor=None, **kw):
    data = people_or_rows if not wages else rows(people_or_rows, *wages)
    return declaration_file(employer_id=employer.pk, period=period, rows=data, source="json",
                            actor=actor or portal(employer), today=today, **kw)


def codes(excinfo):
    return sorted((e["row"] or 0, e["field"], e["code"]) for e in excinfo.value.errors)


def test_declaration_clamps_at_both_bounds_and_rounds_per_line(world):
    _region, employer, people = world
    result = file(employer, people, "5000.00", "12345.67", "40000.00")
    d = result.declaration
    assert (d.sequence, d.rows, d.lines_written, d.clamped_rows) == (1, 3, 3, 2)
    assert [(c.row, c.base, str(c.bound)) for c in result.clamped] == [(1, D("6000.00"), "floor"),
                                                                       (3, D("30000.00"), "ceiling")]
    lines = {line.person_id: line for line in ContributionLine.objects.filter(declaration=d)}
    mid = lines[people[1].pk]
    assert mid.base == D("12345.67")
    # 12345.67 x 16% = 1975.3072 -> 1975.31; x 0.5% = 61.72835 -> 61.73; work injury 0.4% x 150% = 0.6%:
    # 74.07402 -> 74.07; medical 8% = 987.6536 -> 987.65, 2% = 246.9134 -> 246.91
    assert (mid.pension_employer, mid.pension_individual, mid.unemployment_employer, mid.work_injury_employer,
            mid.medical_employer, mid.medical_individual) == (D("1975.31"), D("987.65"), D("61.73"), D("74.07"),
                                                              D("987.65"), D("246.91"))
    total = sum((line.employer_total + line.individual_total for line in lines.values()), D("0"))
    assert d.total == d.difference == total
    assert d.totals["work_injury"]["individual"] == "0.00"
    [charge] = Charge.objects.filter(declaration=d)
    assert (charge.kind, charge.amount, charge.due_on, charge.fee_from) == \
        (ChargeKind.DECLARED, total, date(2026, 3, 15), date(2026, 3, 15))
    assert not d.late and d.due_on == date(2026, 3, 15)
    assert ContributionEvent.objects.filter(declaration=d, kind="declared").count() == 1


def test_correction_up_down_and_with_a_dropped_person(world):
    _region, employer, people = world
    first = file(employer, people, "8000.00", "8000.00", "8000.00").declaration
    # The third person leaves in February... no: a reduction dated before March takes them off March's roll.
    Employment.objects.filter(person=people[2]).update(end_date=date(2026, 2, 28))
    second = file(employer, people[:2], "9000.00", "7000.00").declaration
    assert second.sequence == 2
    # Up 1000 for one, down 1000 for the other (nets to zero on these two), the third back to zero.
    diffs = {line.person_id: line.base for line in ContributionLine.objects.filter(declaration=second)}
    assert diffs == {people[0].pk: D("1000.00"), people[1].pk: D("-1000.00"), people[2].pk: D("-8000.00")}
    per_person = first.total / 3
    assert second.difference == -per_person
    assert second.total == first.total - per_person
    [credit] = Charge.objects.filter(declaration=second)
    assert credit.amount == -per_person and credit.fee_from is None
    # The same figures again: nothing changes, no line, no charge.
    third = file(employer, people[:2], "9000.00", "7000.00").declaration
    assert (third.sequence, third.lines_written, third.difference) == (3, 0, D("0.00"))
    assert not Charge.objects.filter(declaration=third).exists()
    for p, figure in ((people[0], D("9000.00")), (people[1], D("7000.00")), (people[2], D("0.00"))):
        assert sum((line.base for line in ContributionLine.objects.filter(person=p)), D("0")) == figure


def test_roll_separation_and_new_employment_in_one_month(world):
    region, employer, people = world
    new_employer = EmployerFactory(region=region)
    mover = people[2]
    Employment.objects.filter(person=mover).update(end_date=date(2026, 3, 10))
    Employment.objects.create(person=mover, employer=new_employer, start_date=date(2026, 3, 20),
                              monthly_wage=D("9000"))
    recorded_in_time(Employment.objects.all())
    # March is the old employer's: the mover is on its roll and must be declared there ...
    with pytest.raises(DeclarationInvalid) as refused:
        file(employer, people[:2], "8000.00", "8000.00")
    assert codes(refused) == [(0, "rows", "missing")]
    file(employer, people, "8000.00", "8000.00", "8000.00")
    # ... and not on the new one's, which starts with April.
    with pytest.raises(DeclarationInvalid) as refused:
        file(new_employer, [mover], "9000.00")
    assert codes(refused) == [(1, "document_number", "not_on_staff")]
    file(new_employer, [], period="2026-03")
    april = file(new_employer, [mover], "9000.00", period="2026-04", today=date(2026, 4, 2)).declaration
    assert april.rows == 1
    with pytest.raises(DeclarationInvalid) as refused:
        file(employer, [mover], "8000.00", period="2026-04", today=date(2026, 4, 2))
    assert (1, "document_number", "not_on_staff") in codes(refused)


def test_every_bad_row_is_listed_and_nothing_is_stored(world):
    region, employer, people = world
    stranger = PersonFactory(region=region)
    bad = [
        {"document_number": people[0].document_number, "wage": "-1"},
        {"document_number": people[0].document_number.lower(), "wage": "8000"},  # same person again
        {"document_number": people[1].document_number, "wage": "abc"},
        {"document_number": stranger.document_number, "wage": "8000"},
        {"document_number": "110101199003070000", "wage": "8000"},
        {"document_number": "", "wage": "8000"},
        {"document_number": people[1].document_number[:-1] + "Y", "wage": "0"},
        {"document_number": "X1", "wage": "8000.001"},
        "not a row",
        {"document_number": "X2", "wage": True},
    ]
    with pytest.raises(DeclarationInvalid) as refused:
        file(employer, bad)
    assert codes(refused) == sorted([
        (1, "wage", "not_positive"), (2, "document_number", "duplicate"), (3, "wage", "invalid"),
        (4, "document_number", "not_on_staff"), (5, "document_number", "not_on_staff"),
        (6, "document_number", "required"), (7, "wage", "not_positive"), (8, "wage", "decimals"),
        (7, "document_number", "not_on_staff"), (8, "document_number", "not_on_staff"),
        (9, "row", "invalid"), (10, "wage", "invalid"), (10, "document_number", "not_on_staff"),
        (0, "rows", "missing"),  # the third person
    ])
    assert refused.value.extra["total_errors"] == 14
    assert not Declaration.objects.exists() and not ContributionLine.objects.exists()


@pytest.mark.parametrize("period,code", [("2026-3", "invalid"), ("2026-13", "invalid"), (None, "invalid"),
                                         ("2026-04", "future"), ("2015-02", "before_establishment"),
                                         ("2025-03", "no_average_wage")])
def test_bad_periods(world, period, code):
    _region, employer, people = world
    with pytest.raises(DeclarationInvalid) as refused:
        file(employer, people, "8000", "8000", "8000", period=period)
    assert codes(refused) == [(0, "period", code)]


def test_no_rates_in_force(world):
    region, employer, people = world
    from agency.models import ContributionRate

    AverageWage.objects.create(region=region, year=2018, monthly_wage=D("7000.00"), effective_from=date(2018, 1, 1))
    assert not ContributionRate.objects.filter(effective_from__lte=date(2018, 6, 1)).exists()
    with pytest.raises(DeclarationInvalid) as refused:
        file(employer, people, "8000", "8000", "8000", period="2018-06", today=TODAY)
    assert codes(refused) == [(0, "period", "no_rates")]


def test_errors_listed_are_capped_with_the_total(world, settings):
    settings.DECLARATION_ERRORS_LISTED = 5
    _region, employer, people = world
    with pytest.raises(DeclarationInvalid) as refused:
        file(employer, [{"document_number": f"A{i}", "wage": "1"} for i in range(20)])
    assert len(refused.value.errors) == 5 and refused.value.extra["total_errors"] == 20 + 3


def test_csv_with_bom_and_name_column_and_malformed_csv(world):
    _region, employer, people = world
    text = "document_number,name,wage\r\n" + "".join(f"{p.document_number},张,8000.00\r\n" for p in people)
    result = declaration_file(employer_id=employer.pk, period="2026-03", csv_data=("\ufeff" + text).encode(),
                              source="csv", actor=portal(employer), today=TODAY)
    assert result.declaration.rows == 3 and result.declaration.source == "csv"
    for data, expected in [
        (b"\xff\xfe garbage", [(0, "file", "encoding")]),
        (b"number,amount\n1,2\n", [(0, "file", "header")]),
        (("document_number,wage\n" + f"{people[0].document_number},8000,extra\n").encode(),
         [(0, "rows", "missing"), (0, "rows", "missing"), (0, "rows", "missing"), (1, "file", "columns")]),
    ]:
        with pytest.raises(DeclarationInvalid) as refused:
            declaration_file(employer_id=employer.pk, period="2026-03", csv_data=data, source="csv",
                             actor=portal(employer), today=TODAY)
        assert codes(refused) == expected


def test_late_declaration_and_late_recorded_person_fall_due_apart(world):
    _region, employer, people = world
    first = file(employer, people[:2] + [people[2]], "8000", "8000", "8000", today=date(2026, 3, 12)).declaration
    assert first.late  # after the 10th
    newcomer = PersonFactory(region=employer.region)
    # Recorded on April 20, working since March 2: March could not have been declared with them.
    employment = Employment.objects.create(person=newcomer, employer=employer, start_date=date(2026, 3, 2),
                                           monthly_wage=D("8000"))
    Employment.objects.filter(pk=employment.pk).update(
        created_at=timezone.make_aware(datetime(2026, 4, 20, 10, 0)))
    correction = file(employer, people + [newcomer], "8000", "8000", "8000", "9000", today=date(2026, 4, 20))
    [charge] = correction.charges
    assert charge.due_on == charge.fee_from == date(2026, 4, 20)  # April's payment day (15th) is past: today
    assert charge.amount == correction.declaration.difference > 0
    # A person recorded in time but left out would have been refused (missing); one added by a plain
    # correction of a known person falls due on the month's own day:
    raised = file(employer, people + [newcomer], "9000", "8000", "8000", "9000", today=date(2026, 4, 21))
    [charge] = raised.charges
    assert charge.due_on == charge.fee_from == date(2026, 3, 15)


def test_scoping_other_portal_other_region_clerk_and_permission(world):
    region, employer, people = world
    other = EmployerFactory(region=region)
    with pytest.raises(NotFound):
        file(employer, people, "8000", "8000", "8000", actor=portal(other))
    with pytest.raises(NotFound):
        file(employer, people, "8000", "8000", "8000", actor=clerk(RegionFactory()))
    with pytest.raises(Forbidden):
        file(employer, people, "8000", "8000", "8000", actor=clerk(region, ("auditor",)))
    desk = clerk(region)
    done = file(employer, people, "8000", "8000", "8000", actor=desk)
    assert done.declaration.actor == f"user:{desk.user_id}"
    with pytest.raises(ApplicationError):
        file(employer, people, "8000", "8000", "8000", actor=person_viewer(people[0]))


def test_roll_gaps_show_undeclared_person_months_and_skip_determined_ones(world):
    region, employer, people = world
    file(employer, people, "8000", "8000", "8000", period="2026-02", today=TODAY)
    clerk = Viewer(Kind.CLERK, user_id=None, region_id=region.pk)
    gaps = roll_gaps(clerk, employer_id=employer.pk, since=date(2026, 1, 1), until=date(2026, 2, 1))
    assert {(g.person_id, g.period) for g in gaps} == {(p.pk, date(2026, 1, 1)) for p in people}
    determination = Determination.objects.create(
        employment=Employment.objects.get(person=people[0]), employer=employer, person=people[0], region=region,
        monthly_wage=D("8000"), state="confirmed")
    charge = Charge.objects.create(employer=employer, period=date(2026, 1, 1), kind=ChargeKind.DETERMINED,
                                   amount=D("1.00"), due_on=date(2026, 1, 15), actor="tests")
    DeterminedMonth.objects.create(determination=determination, period=date(2026, 1, 1), base=D("8000"),
                                   employer_amount=D("1"), individual_amount=D("0"), pension_individual=D("0"),
                                   charge=charge)
    gaps = roll_gaps(clerk, employer_id=employer.pk, since=date(2026, 1, 1), until=date(2026, 2, 1))
    assert {g.person_id for g in gaps} == {people[1].pk, people[2].pk}
    far = Viewer(Kind.CLERK, region_id=RegionFactory().pk)
    assert roll_gaps(far, employer_id=employer.pk, since=date(2026, 1, 1), until=date(2026, 2, 1)) == []


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(wage=st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2))
def test_amounts_never_negative_and_base_within_bounds(wage):
    card = RateCard(period=MARCH, floor=D("6000.00"), ceiling=D("30000.00"),
                    percents=(D("16"), D("8"), D("8"), D("2"), D("0.5"), D("0.5"), D("0.6")))
    base, clamp, amounts = card.figures(wage)
    assert card.floor <= base <= card.ceiling
    assert all(a >= 0 and a == a.quantize(D("0.01")) for a in amounts)
    assert (clamp == "floor") == (wage < card.floor) and (clamp == "ceiling") == (wage > card.ceiling)


def test_more_bad_input_codes(world, settings):
    _region, employer, people = world
    bad = [{"document_number": people[0].document_number},
           {"document_number": people[1].document_number, "wage": "12345678901.00"},
           {"document_number": people[2].document_number, "wage": "NaN"}]
    with pytest.raises(DeclarationInvalid) as refused:
        file(employer, bad)
    assert codes(refused) == [(1, "wage", "required"), (2, "wage", "too_large"), (3, "wage", "invalid")]
    settings.DECLARATION_MAX_ROWS = 2
    with pytest.raises(DeclarationInvalid) as refused:
        file(employer, people, "8000", "8000", "8000")
    assert codes(refused) == [(0, "rows", "too_many")]
    with pytest.raises(DeclarationInvalid) as refused:
        declaration_file(employer_id=employer.pk, period="2026-03", csv_data=b"document_number,wage\n\x00,1\n",
                         source="csv", actor=portal(employer), today=TODAY)
    assert codes(refused) == [(0, "file", "malformed")]
    assert not Declaration.objects.exists()


def test_an_unregistered_employer_cannot_declare(world):
    _region, employer, people = world
    employer.registration_status = "cancelled"
    employer.save(update_fields=["registration_status"])
    with pytest.raises(ApplicationError) as refused:
        file(employer, people, "8000", "8000", "8000")
    assert refused.value.type_slug == "employer-not-registered"
