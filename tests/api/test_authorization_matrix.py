"""Who may call what: every endpoint x every kind of caller, as one table.

Each cell is the status the caller gets; a 2xx cell also checks that the caller sees only its own
(employer, person, region). A new endpoint gets a row here (test_every_endpoint_has_a_row).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction

from tests.api.openapi import openapi_document, operations
from tests.api.world import ROLES, STATEMENT_YEAR, World, build_world
from tests.ids import resident_id, uscc

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # as in the schema
    url: Callable[[World], str]
    statuses: tuple[int, ...]  # one per role, in ROLES order
    body: Callable[[World], dict] | None = None
    check: Callable[[World, str, dict], None] | None = None  # for 2xx answers
    headers: Callable[[World], dict] | None = None


def _own_employer(w: World, role: str, body: dict) -> None:
    expected = w.other_employer if role == "portal_other_employer" else w.employer
    assert body["uscc"] == expected.uscc


def _own_staff(w: World, role: str, body: dict) -> None:
    names = {row["name"] for row in body["results"]}
    if role == "portal_other_employer":
        assert names == {w.other_person.name}
    else:
        assert w.person.name in names and w.other_person.name not in names
    assert all("*" in row["document_number"] for row in body["results"])  # masked in lists


def _own_events(w: World, role: str, body: dict) -> None:
    people = {row["person_id"] for row in body["results"]}
    mine = {"portal_other_employer": w.other_person.pk, "person_other": w.other_person.pk}.get(role, w.person.pk)
    assert mine in people
    if role.startswith("person"):
        assert people == {mine}
    else:
        assert (w.other_person.pk in people) == (role == "portal_other_employer")


def _own_entry(w: World, role: str, body: dict) -> None:
    expected = w.other_person if role == "person_other" else w.person
    assert body["id"] == expected.pk and body["document_number"] == expected.document_number


def _lookup(w: World, role: str, body: dict) -> None:
    found = [row["id"] for row in body["results"]]
    assert found == ([] if role == "clerk_other_region" else [w.person.pk])
    assert body["next"] is None and body["previous"] is None


def _person_entry(w: World, role: str, body: dict) -> None:
    assert body["id"] == w.person.pk


def _change_application(w: World, role: str, body: dict) -> None:
    assert body["id"] == w.change_application.pk and body["kind"] == "change"


def world_transfer(w: World):
    """A transfer of the world's person from region B (created in the test's savepoint)."""
    from agency.deadlines import today_in_shanghai
    from transfers.models import Transfer

    w.transfer = Transfer.objects.create(person=w.person, from_region=w.region_b, to_region=w.region_a,
                                         kind="funds", channel="api", filed_by="world", filed_on=today_in_shanghai())
    return w.transfer


def _own_transfers(w: World, role: str, body: dict) -> None:
    from transfers.models import Transfer

    mine = w.other_person if role == "person_other" else w.person
    assert {t["id"] for t in body["results"]} == set(Transfer.objects.filter(person=mine).values_list("id", flat=True))


def _own_notice(w: World, role: str, body: dict) -> None:
    expected = w.other_employer if role == "portal_other_employer" else w.employer
    assert body["employer"]["uscc"] == expected.uscc and body["period"] == "2026-01"
    _own_staff(w, role, body)


def _own_months(w: World, role: str, body: dict) -> None:
    employer = w.other_employer if role == "person_other" else w.employer
    months = [(m["period"], m["employer"]["uscc"]) for m in body["results"]]
    # 2026-01 from the contribution reads' lines; the person also has the current month (the world's declaration).
    assert ("2026-01", employer.uscc) in months and {uscc for _p, uscc in months} == {employer.uscc}


def _new_person(w: World) -> dict:
    return {"document_number": resident_id(seq=811), "name": "新员工", "monthly_wage": "8800.00",
            "start_date": str(w.person.employments.get().start_date)}


def _own_declarations(w: World, role: str, body: dict) -> None:
    from contributions.models import Declaration

    own = w.other_employer if role == "portal_other_employer" else w.employer
    ids = {row["id"] for row in body["results"]}
    assert ids == set(Declaration.objects.filter(employer=own).values_list("id", flat=True))
    assert (w.declaration.pk in ids) == (role != "portal_other_employer")


def _check_id(body: dict, expected: int) -> None:
    assert body["id"] == expected


ANON, RD, WR, REV, OTH, PER, PER2, CLK, CLK2, STAFF, SU = range(len(ROLES))
NO_SESSION = (401,) * 6  # sessions are not accepted on portal endpoints: for them, no credentials

PROBES = {
    "profile": Probe("GET", "/api/v1/employer", lambda w: "/api/v1/employer",
                     (401, 200, 200, 401, 200, *NO_SESSION), check=_own_employer),
    "staff": Probe("GET", "/api/v1/employer/staff", lambda w: "/api/v1/employer/staff",
                   (401, 200, 200, 401, 200, *NO_SESSION), check=_own_staff),
    "employer events": Probe("GET", "/api/v1/employer/events", lambda w: "/api/v1/employer/events",
                             (401, 200, 200, 401, 200, *NO_SESSION), check=_own_events),
    "enrol": Probe("POST", "/api/v1/employer/enrolments", lambda w: "/api/v1/employer/enrolments",
                   (401, 403, 201, 401, 201, *NO_SESSION), body=_new_person),
    # Another employer cannot take someone off a staff that is not theirs: not found.
    "separate": Probe("POST", "/api/v1/employer/separations", lambda w: "/api/v1/employer/separations",
                      (401, 403, 201, 401, 404, *NO_SESSION),
                      body=lambda w: {"document_number": w.person.document_number, "reason": "resignation",
                                      "last_day": str(w.person.employments.get().start_date)}),
    # Anyone may file a new registration; a portal token must carry `write`; a revoked token and a
    # session count as no credentials there (the view accepts only portal tokens).
    "file registration": Probe("POST", "/api/v1/registrations", lambda w: "/api/v1/registrations",
                               (201, 403, 201, 201, 201, 201, 201, 201, 201, 201, 201),
                               body=lambda w: {"kind": "new", "uscc": uscc(seed=99123), "name": "上海申请有限公司",
                                               "employer_kind": "enterprise", "region_code": "310101",
                                               "established_on": str(w.person.employments.get().start_date),
                                               "contact_name": "钱经理", "contact_phone": "021-55550002"}),
    # Only the employer's own portal (or the tracking token, below) sees an application.
    "follow registration": Probe("GET", "/api/v1/registrations/{id}",
                                 lambda w: f"/api/v1/registrations/{w.change_application.pk}",
                                 (404, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404), check=_change_application),
    "resubmit registration": Probe("POST", "/api/v1/registrations/{id}/resubmit",
                                   lambda w: f"/api/v1/registrations/{w.change_application.pk}/resubmit",
                                   (404, 403, 200, 404, 404, 404, 404, 404, 404, 404, 404),
                                   body=lambda w: {"data": {"address": "上海市黄浦区示例路2号"}},
                                   check=_change_application),
    # A portal token is a valid credential but not a person: forbidden; a revoked one is no credential.
    "me": Probe("GET", "/api/v1/me", lambda w: "/api/v1/me",
                (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403), check=_own_entry),
    "my events": Probe("GET", "/api/v1/me/events", lambda w: "/api/v1/me/events",
                       (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403), check=_own_events),
    "declarations": Probe("GET", "/api/v1/employer/declarations", lambda w: "/api/v1/employer/declarations",
                          (401, 200, 200, 401, 200, *NO_SESSION), check=_own_declarations),
    # An empty body: a caller allowed to declare reaches the validation (400), the others are refused first.
    "declare": Probe("POST", "/api/v1/employer/declarations", lambda w: "/api/v1/employer/declarations",
                     (401, 403, 400, 401, 400, *NO_SESSION), body=lambda w: {}),
    # The world's declaration is the employer's: another employer's portal does not find it.
    "declaration": Probe("GET", "/api/v1/employer/declarations/{id}",
                         lambda w: f"/api/v1/employer/declarations/{w.declaration.pk}",
                         (401, 200, 200, 401, 404, *NO_SESSION),
                         check=lambda w, role, body: _check_id(body, w.declaration.pk)),
    "payments": Probe("GET", "/api/v1/employer/payments", lambda w: "/api/v1/employer/payments",
                      (401, 200, 200, 401, 200, *NO_SESSION)),
    # The agency's requests for a correction filing (issue 23): each portal reads its own employer's.
    "correction requests": Probe("GET", "/api/v1/employer/correction-requests",
                                 lambda w: "/api/v1/employer/correction-requests",
                                 (401, 200, 200, 401, 200, *NO_SESSION)),
    # The collector's system alone (its own client kind, scope `collect`): every one of these callers
    # presents no credential this operation accepts (tests/collection/test_feed_api.py has the collector).
    "collector records": Probe("POST", "/api/v1/collector/records", lambda w: "/api/v1/collector/records",
                               (401,) * 11, body=lambda w: {"records": []}),
    # No payment exists in the world: the employer's own receipt id is unknown to every caller.
    "payment receipt": Probe("GET", "/api/v1/employer/payments/{id}", lambda w: "/api/v1/employer/payments/1",
                             (401, 404, 404, 401, 404, *NO_SESSION)),
    # Payment orders (issue 22): no order exists in the world, so its id is unknown to every caller; a
    # bad month reaches the validation (400) of a caller allowed to ask, the others are refused first.
    "payment orders": Probe("GET", "/api/v1/employer/payment-orders", lambda w: "/api/v1/employer/payment-orders",
                            (401, 200, 200, 401, 200, *NO_SESSION)),
    "payment order ask": Probe("POST", "/api/v1/employer/payment-orders",
                               lambda w: "/api/v1/employer/payment-orders",
                               (401, 403, 400, 401, 400, *NO_SESSION), body=lambda w: {"periods": ["2026-13"]}),
    "payment order": Probe("GET", "/api/v1/employer/payment-orders/{id}",
                           lambda w: "/api/v1/employer/payment-orders/1", (401, 404, 404, 401, 404, *NO_SESSION)),
    "payment order pdf": Probe("GET", "/api/v1/employer/payment-orders/{id}/pdf",
                               lambda w: "/api/v1/employer/payment-orders/1/pdf",
                               (401, 404, 404, 401, 404, *NO_SESSION)),
    "payment order cancel": Probe("POST", "/api/v1/employer/payment-orders/{id}/cancel",
                                  lambda w: "/api/v1/employer/payment-orders/1/cancel",
                                  (401, 403, 404, 401, 404, *NO_SESSION), body=lambda w: {}),
    "arrears": Probe("GET", "/api/v1/employer/arrears", lambda w: "/api/v1/employer/arrears",
                     (401, 200, 200, 401, 200, *NO_SESSION)),
    "employer contributions": Probe("GET", "/api/v1/employer/contributions",
                                    lambda w: "/api/v1/employer/contributions?period=2026-01",
                                    (401, 200, 200, 401, 200, *NO_SESSION), check=_own_notice),
    "my contributions": Probe("GET", "/api/v1/me/contributions", lambda w: "/api/v1/me/contributions",
                              (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403), check=_own_months),
    "my account": Probe("GET", "/api/v1/me/account", lambda w: "/api/v1/me/account",
                        (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403)),
    # A person reaches the eligibility rules (a reason the law does not allow: 409 naming Art. 14); others are refused.
    "apply refund": Probe("POST", "/api/v1/me/refunds", lambda w: "/api/v1/me/refunds",
                          (401, 403, 403, 401, 403, 409, 409, 403, 403, 403, 403),
                          body=lambda w: {"reason": "other", "bank_account": "6222020200112233"}),
    # No refund in the world: not found for the persons, refused for every other caller.
    "my refund": Probe("GET", "/api/v1/me/refunds/{id}", lambda w: "/api/v1/me/refunds/1",
                       (401, 403, 403, 401, 403, 404, 404, 403, 403, 403, 403)),
    # The other region's clerk finds nothing (an empty page, not a 403 that would confirm the number).
    "lookup": Probe("GET", "/api/v1/agency/persons",
                    lambda w: f"/api/v1/agency/persons?document={w.person.document_number}",
                    (401, 403, 403, 401, 403, 403, 403, 200, 200, 403, 200), check=_lookup),
    # A clerk registers into their own region only: the other region's clerk is told the region is not theirs.
    "register person": Probe("POST", "/api/v1/agency/persons", lambda w: "/api/v1/agency/persons",
                             (401, 403, 403, 401, 403, 403, 403, 201, 400, 403, 201),
                             body=lambda w: {"document_number": resident_id(seq=821), "name": "窗口登记",
                                             "region_code": "310101"}),
    "person entry": Probe("GET", "/api/v1/agency/persons/{id}", lambda w: f"/api/v1/agency/persons/{w.person.pk}",
                          (401, 403, 403, 401, 403, 403, 403, 200, 404, 403, 200), check=_person_entry),
    # Suspensions and transfers (issue 14) are the person's own: an empty filing reaches the validation (400).
    "apply for suspension": Probe("POST", "/api/v1/me/suspensions", lambda w: "/api/v1/me/suspensions",
                                  (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    # The world's persons contribute in region A: no certificate of an active relationship (409).
    "contribution certificate": Probe("GET", "/api/v1/me/contribution-certificate",
                                      lambda w: "/api/v1/me/contribution-certificate?region=310101",
                                      (401, 403, 403, 401, 403, 409, 409, 403, 403, 403, 403)),
    "my transfers": Probe("GET", "/api/v1/me/transfers", lambda w: "/api/v1/me/transfers",
                          (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403), check=_own_transfers),
    "file transfer": Probe("POST", "/api/v1/me/transfers", lambda w: "/api/v1/me/transfers",
                           (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    # The person's transfer: the other person does not find it.
    "my transfer": Probe("GET", "/api/v1/me/transfers/{id}", lambda w: f"/api/v1/me/transfers/{world_transfer(w).pk}",
                         (401, 403, 403, 401, 403, 200, 404, 403, 403, 403, 403),
                         check=lambda w, role, body: _check_id(body, w.transfer.pk)),
    # Statements (Art. 74): the person's own; the other person has none of that year (not found).
    "my statements": Probe("GET", "/api/v1/me/statements", lambda w: "/api/v1/me/statements",
                           (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403)),
    "my statement": Probe("GET", "/api/v1/me/statements/{year}", lambda w: f"/api/v1/me/statements/{STATEMENT_YEAR}",
                          (401, 403, 403, 401, 403, 200, 404, 403, 403, 403, 403)),
    # The person has the year's statement (200, sent again); the other person's is generated now (201).
    "ask for a statement": Probe("POST", "/api/v1/me/statements/{year}/reprint",
                                 lambda w: f"/api/v1/me/statements/{STATEMENT_YEAR}/reprint",
                                 (401, 403, 403, 401, 403, 200, 201, 403, 403, 403, 403), body=lambda w: {}),
    # The person's own estimate (issue 27): nobody else has one here.
    "my pension estimate": Probe("GET", "/api/v1/me/pension-estimate", lambda w: "/api/v1/me/pension-estimate",
                                 (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403)),
    # The determination at retirement (issue 27): nobody in the world has one yet (not found for both persons).
    "my pension determination": Probe("GET", "/api/v1/me/pension-determination",
                                      lambda w: "/api/v1/me/pension-determination",
                                      (401, 403, 403, 401, 403, 404, 404, 403, 403, 403, 403)),
    "my determination letter": Probe("GET", "/api/v1/me/pension-determination/pdf",
                                     lambda w: "/api/v1/me/pension-determination/pdf",
                                     (401, 403, 403, 401, 403, 404, 404, 403, 403, 403, 403)),
    "my access log": Probe("GET", "/api/v1/me/access-log", lambda w: "/api/v1/me/access-log",
                           (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403)),
    # Anyone holding a statement checks it, with or without (valid) credentials.
    "verify statement": Probe("GET", "/api/v1/statements/verify",
                              lambda w: f"/api/v1/statements/verify?code={w.statement.verification_code}",
                              (200,) * 11),
    # The `.../with-documents` and `.../csv` operations take multipart (an empty form here): a caller
    # who may reaches the validation (400), the others are refused first, as on the JSON operations.
    "declare csv": Probe("POST", "/api/v1/employer/declarations/csv", lambda w: "/api/v1/employer/declarations/csv",
                         (401, 403, 400, 401, 400, *NO_SESSION), body=lambda w: {}),
    "separate with documents": Probe("POST", "/api/v1/employer/separations/with-documents",
                                     lambda w: "/api/v1/employer/separations/with-documents",
                                     (401, 403, 400, 401, 400, *NO_SESSION), body=lambda w: {}),
    "file registration with documents": Probe("POST", "/api/v1/registrations/with-documents",
                                              lambda w: "/api/v1/registrations/with-documents",
                                              # a read-only portal token is refused before the body is read
                                              (400, 403, 400, 400, 400, 400, 400, 400, 400, 400, 400),
                                              body=lambda w: {}),
    "resubmit registration with documents": Probe(
        "POST", "/api/v1/registrations/{id}/resubmit/with-documents",
        lambda w: f"/api/v1/registrations/{w.change_application.pk}/resubmit/with-documents",
        (404, 403, 200, 404, 404, 404, 404, 404, 404, 404, 404), body=lambda w: {"reason": "补充材料"}),
    "apply refund with documents": Probe("POST", "/api/v1/me/refunds/with-documents",
                                         lambda w: "/api/v1/me/refunds/with-documents",
                                         (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    "apply for suspension with documents": Probe("POST", "/api/v1/me/suspensions/with-documents",
                                                 lambda w: "/api/v1/me/suspensions/with-documents",
                                                 (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403),
                                                 body=lambda w: {}),
    "file transfer with documents": Probe("POST", "/api/v1/me/transfers/with-documents",
                                          lambda w: "/api/v1/me/transfers/with-documents",
                                          (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    # Documents as PDF operations of their own.
    "my statement pdf": Probe("GET", "/api/v1/me/statements/{year}/pdf",
                              lambda w: f"/api/v1/me/statements/{STATEMENT_YEAR}/pdf",
                              (401, 403, 403, 401, 403, 200, 404, 403, 403, 403, 403)),
    "contribution certificate pdf": Probe("GET", "/api/v1/me/contribution-certificate/pdf",
                                          lambda w: "/api/v1/me/contribution-certificate/pdf?region=310101",
                                          (401, 403, 403, 401, 403, 409, 409, 403, 403, 403, 403)),
    "transfer letter": Probe("GET", "/api/v1/me/transfers/{id}/letter",
                             lambda w: f"/api/v1/me/transfers/{world_transfer(w).pk}/letter",
                             (401, 403, 403, 401, 403, 409, 404, 403, 403, 403, 403)),
    "transfer form": Probe("GET", "/api/v1/me/transfers/{id}/form",
                           lambda w: f"/api/v1/me/transfers/{world_transfer(w).pk}/form",
                           (401, 403, 403, 401, 403, 409, 404, 403, 403, 403, 403)),
    # Disputes (issue 23) are the person's own: an empty filing reaches the validation (400); no dispute in
    # the world, so a person does not find one (404) and every other caller is refused.
    "my disputes": Probe("GET", "/api/v1/me/disputes", lambda w: "/api/v1/me/disputes",
                         (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403)),
    "file dispute": Probe("POST", "/api/v1/me/disputes", lambda w: "/api/v1/me/disputes",
                          (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    "file dispute with documents": Probe("POST", "/api/v1/me/disputes/with-documents",
                                         lambda w: "/api/v1/me/disputes/with-documents",
                                         (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    "my dispute": Probe("GET", "/api/v1/me/disputes/{id}", lambda w: "/api/v1/me/disputes/1",
                        (401, 403, 403, 401, 403, 404, 404, 403, 403, 403, 403)),
    "dispute letter": Probe("GET", "/api/v1/me/disputes/{id}/letter", lambda w: "/api/v1/me/disputes/1/letter",
                            (401, 403, 403, 401, 403, 404, 404, 403, 403, 403, 403)),
    # The monthly notice and alerts (issue 28) are the person's own; an empty write reaches the validation (400).
    "my monthly notices": Probe("GET", "/api/v1/me/monthly-notices", lambda w: "/api/v1/me/monthly-notices",
                                (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403)),
    "my notice preference": Probe("GET", "/api/v1/me/notice-preference", lambda w: "/api/v1/me/notice-preference",
                                  (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403)),
    "set notice preference": Probe("POST", "/api/v1/me/notice-preference", lambda w: "/api/v1/me/notice-preference",
                                   (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    "my alerts": Probe("GET", "/api/v1/me/alerts", lambda w: "/api/v1/me/alerts",
                       (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403)),
    "look into alert": Probe("POST", "/api/v1/me/alerts/look-into", lambda w: "/api/v1/me/alerts/look-into",
                             (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    # Persons who insure themselves (issue 28) act on their own enrolment only: the world's persons are
    # employees, not flexible workers (no enrolment to stop or resume: 404; nothing to pay: 409); an
    # empty enrolment or base change reaches the validation.
    "my flexible enrolment": Probe("GET", "/api/v1/me/flexible-enrolment", lambda w: "/api/v1/me/flexible-enrolment",
                                   (401, 403, 403, 401, 403, 404, 404, 403, 403, 403, 403)),
    "enrol as flexible worker": Probe("POST", "/api/v1/me/flexible-enrolment",
                                      lambda w: "/api/v1/me/flexible-enrolment",
                                      (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    "change flexible base": Probe("POST", "/api/v1/me/flexible-enrolment/base",
                                  lambda w: "/api/v1/me/flexible-enrolment/base",
                                  (401, 403, 403, 401, 403, 400, 400, 403, 403, 403, 403), body=lambda w: {}),
    "stop flexible": Probe("POST", "/api/v1/me/flexible-enrolment/stop", lambda w: "/api/v1/me/flexible-enrolment/stop",
                           (401, 403, 403, 401, 403, 404, 404, 403, 403, 403, 403), body=lambda w: {}),
    "resume flexible": Probe("POST", "/api/v1/me/flexible-enrolment/resume",
                             lambda w: "/api/v1/me/flexible-enrolment/resume",
                             (401, 403, 403, 401, 403, 404, 404, 403, 403, 403, 403), body=lambda w: {}),
    "flexible payment order": Probe("POST", "/api/v1/me/flexible-payment-orders",
                                    lambda w: "/api/v1/me/flexible-payment-orders",
                                    (401, 403, 403, 401, 403, 409, 409, 403, 403, 403, 403), body=lambda w: {}),
    "flexible planner": Probe("GET", "/api/v1/me/flexible-planner", lambda w: "/api/v1/me/flexible-planner",
                              (401, 403, 403, 401, 403, 200, 200, 403, 403, 403, 403)),
    # The statements' public keys: anyone.
    "statement keys": Probe("GET", "/.well-known/statement-keys.json", lambda w: "/.well-known/statement-keys.json",
                            (200,) * 11),
}
# Cross-region the other way: region B's person is region B's clerk's only.
CROSS_REGION = Probe("GET", "/api/v1/agency/persons/{id}", lambda w: f"/api/v1/agency/persons/{w.person_b.pk}",
                     (401, 403, 403, 401, 403, 403, 403, 404, 200, 403, 200))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end; each test
    runs in a savepoint of it (pytest-django's `db`), so a cell's writes do not reach the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        from django.apps import apps

        from agency.models import CalendarYear
        from agency.reference_data import reference_data_load

        if not CalendarYear.objects.exists():
            reference_data_load(apps)
        yield build_world()
        transaction.set_rollback(True)


def _call(world: World, probe: Probe, role: str):
    client = world.client(role, **(probe.headers(world) if probe.headers else {}))
    if probe.method == "GET":
        return client.get(probe.url(world))
    if probe.path.endswith(("/with-documents", "/csv")):  # multipart operations
        return client.post(probe.url(world), data=probe.body(world))
    return client.post(probe.url(world), data=json.dumps(probe.body(world)), content_type="application/json")


CELLS = [pytest.param(name, role, id=f"{name}-{role}") for name in PROBES for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CELLS)
def test_authorization_matrix(world, name, role):
    probe = PROBES[name]
    response = _call(world, probe, role)
    expected = probe.statuses[ROLES.index(role)]
    assert response.status_code == expected, (name, role, response.content[:300])
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == expected
    elif probe.check is not None:
        probe.check(world, role, response.json())


@pytest.mark.parametrize("role", ROLES)
def test_cross_region_person_entry(world, role):
    response = _call(world, CROSS_REGION, role)
    assert response.status_code == CROSS_REGION.statuses[ROLES.index(role)], (role, response.content[:300])


def test_the_tracking_token_and_only_it_opens_an_anonymous_application(world):
    url = f"/api/v1/registrations/{world.new_application.pk}"
    assert world.client("anonymous", HTTP_X_TRACKING_TOKEN=world.tracking_token).get(url).status_code == 200
    assert world.client("anonymous", HTTP_X_TRACKING_TOKEN=world.tracking_token + "x").get(url).status_code == 404
    assert world.client("anonymous").get(url).status_code == 404
    # The employer's portal does not see an application it did not file (it concerns no employer yet).
    assert world.client("portal_write").get(url).status_code == 404
    # Someone else's token does not open another application.
    other = f"/api/v1/registrations/{world.change_application.pk}"
    assert world.client("anonymous", HTTP_X_TRACKING_TOKEN=world.tracking_token).get(other).status_code == 404


def test_every_endpoint_has_a_row():
    documented = {(method, path) for method, path, _ in operations(openapi_document())}
    assert documented == {(p.method, p.path) for p in PROBES.values()}
    assert all(len(p.statuses) == len(ROLES) for p in PROBES.values())
