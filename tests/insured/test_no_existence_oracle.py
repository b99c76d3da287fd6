"""No existence oracle in the portal's writes that take a document number (issue 25, item 4).

An employer's portal must not learn from a refusal whether a number is registered, under which
name, on whose roll, when the person left another employer or that they died. Each probe below
was answered differently before (name-mismatch, open-employment, a 400 naming the other employer's
last day, relationship-closed); a portal now gets one answer for all of them, and a clerk at the
counter still gets the reason."""

from datetime import date
from decimal import Decimal

import pytest

from common.problems import ApplicationError
from insured.models import Employment, InsuredPerson
from insured.services.staffing import enrolment_submit, staff_reduction_confirm, staff_reduction_submit
from tests.builders import clerk, portal
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.ids import resident_id

pytestmark = pytest.mark.django_db

NAME = "林晓"


def _number(seq: int) -> str:
    return resident_id(region="310101", born=date(1980, 2, 14), seq=seq)


def _enrol_at(employer, number, *, name=NAME, start=date(2025, 3, 3)):
    return enrolment_submit(employer=employer, document_number=number, name=name, start_date=start,
                            monthly_wage=Decimal("8000.00"), actor=portal(employer), channel="api")


def _leave(employer, number, region, *, last_day=date(2026, 6, 30), reason="resignation"):
    reduction = staff_reduction_submit(employer=employer, document_number=number, last_day=last_day, reason=reason,
                                       actor=portal(employer), channel="api")
    staff_reduction_confirm(reduction=reduction, actor=clerk(region, groups=("reviewer",)), channel="admin")


@pytest.fixture
def others(shanghai, beijing):
    """Four persons whose records belong to other employers (and one to another region)."""
    elsewhere = EmployerFactory(region=beijing, name="北京远方科技有限公司")
    neighbour = EmployerFactory(region=shanghai, name="上海邻居贸易有限公司")
    _enrol_at(elsewhere, _number(601))                         # registered in Beijing, as 林晓
    _enrol_at(neighbour, _number(602))                         # on the neighbour's roll
    _enrol_at(neighbour, _number(603))
    _leave(neighbour, _number(603), shanghai)                  # left the neighbour on 2026-06-30
    _enrol_at(neighbour, _number(604))
    _leave(neighbour, _number(604), shanghai, reason="death")  # died: the account awaits the heirs' refund
    return {"elsewhere": elsewhere, "neighbour": neighbour}


PROBES = [
    ("registered in another region under another name", 601, "林小", date(2026, 7, 6)),
    ("registered under another name, on another employer's roll", 602, "林小", date(2026, 7, 6)),
    ("on another employer's roll", 602, NAME, date(2026, 7, 6)),
    ("left another employer after the new start", 603, NAME, date(2026, 6, 1)),
    ("died", 604, NAME, date(2026, 7, 6)),
]


def _answer(response) -> dict:
    body = response.json()
    return {"status": response.status_code, **{k: v for k, v in body.items() if k not in ("instance", "request_id")}}


def test_a_portal_gets_one_answer_whatever_the_other_records_say(others, shanghai):
    prober = Portal(EmployerFactory(region=shanghai, name="上海探查有限公司"))
    answers = {}
    for what, seq, name, start in PROBES:
        response = prober.post("/api/v1/employer/enrolments", {"document_number": _number(seq), "name": name,
                                                               "start_date": start, "monthly_wage": "9000.00"})
        answers[what] = _answer(response)
    distinct = {repr(sorted(answer.items())) for answer in answers.values()}
    assert len(distinct) == 1, answers
    answer = next(iter(answers.values()))
    assert answer["status"] == 409 and answer["type"] == "/problems/not-enrollable"
    assert answer["errors"][0]["field"] == "document_number"
    text = repr(answer)
    for leak in ("北京远方", "上海邻居", "2026-06-30", NAME, "林小"):
        assert leak not in text
    assert not Employment.objects.filter(employer=prober.employer).exists()


def test_what_is_the_portals_own_is_still_told(shanghai):
    employer = EmployerFactory(region=shanghai)
    me = Portal(employer)
    body = {"document_number": _number(611), "name": NAME, "start_date": date(2026, 1, 5), "monthly_wage": "9000.00"}
    assert me.post("/api/v1/employer/enrolments", body).status_code == 201
    again = me.post("/api/v1/employer/enrolments", body)
    assert again.status_code == 409 and again.json()["type"] == "/problems/already-enrolled"
    # its own former employee: the overlap names the day the portal itself reported
    _leave(employer, _number(611), shanghai)
    back = me.post("/api/v1/employer/enrolments", {**body, "start_date": date(2026, 6, 1)})
    assert back.status_code == 400 and back.json()["errors"][0]["code"] == "overlaps"
    assert "2026-06-30" in back.json()["errors"][0]["message"]


@pytest.mark.parametrize(("seq", "name", "start", "reason"), [
    (601, "林小", date(2026, 7, 6), "name-mismatch"),
    (602, NAME, date(2026, 7, 6), "open-employment"),
    (603, NAME, date(2026, 6, 1), "validation-error"),
    (604, NAME, date(2026, 7, 6), "relationship-closed"),
])
def test_a_clerk_at_the_counter_gets_the_reason(others, shanghai, seq, name, start, reason):
    employer = EmployerFactory(region=shanghai)
    with pytest.raises(ApplicationError) as refused:
        enrolment_submit(employer=employer, document_number=_number(seq), name=name, start_date=start,
                         monthly_wage=Decimal("9000.00"), actor=clerk(shanghai), channel="admin")
    assert refused.value.type_slug == reason


def test_a_separation_answers_alike_for_a_number_on_another_roll_and_a_number_nobody_holds(others, shanghai):
    prober = Portal(EmployerFactory(region=shanghai))
    unknown = _number(699)
    assert not InsuredPerson.objects.filter(document_number=unknown).exists()
    answers = [_answer(prober.post("/api/v1/employer/separations",
                                   {"document_number": number, "last_day": date(2026, 7, 31),
                                    "reason": "resignation"}))
               for number in (_number(602), unknown)]
    assert answers[0] == answers[1] and answers[0]["status"] == 404


@pytest.mark.parametrize("body", [
    {"name": ""},                                   # no name
    {"name": NAME, "birth_date": "1981-02-14"},     # a birth date the number contradicts
])
def test_input_checks_answer_alike_for_a_known_and_an_unknown_number(others, shanghai, body):
    prober = Portal(EmployerFactory(region=shanghai))
    answers = [_answer(prober.post("/api/v1/employer/enrolments",
                                   {"document_number": number, "start_date": date(2026, 7, 6), "monthly_wage": "9000.00",
                                    **body}))
               for number in (_number(602), _number(698))]
    assert answers[0] == answers[1] and answers[0]["status"] == 400, answers
    assert not InsuredPerson.objects.filter(document_number=_number(698)).exists()
