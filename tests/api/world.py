"""A small world with one caller of every kind, for the authorization matrix and schemathesis.

Region A (310101) has two registered employers, each with staff and a portal; region B has its own
clerk and a person. Portal tokens are taken at /o/token/ as an HR system would; sessions are logged in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.test import Client

from agency.deadlines import today_in_shanghai
from common.access import Kind, Viewer
from employers.services.clients import employer_client_issue, employer_client_revoke
from employers.services.registrations import registration_return, registration_submit
from insured.services.staffing import enrolment_submit
from tests.agency.factories import OfficeFactory, RegionFactory, UserFactory, clerk_user
from tests.builders import person_user, portal, staff_viewer
from tests.contributions.reads import file
from tests.employers.factories import EmployerFactory
from tests.ids import resident_id, uscc
from tests.insured.factories import PersonFactory

CONTRIBUTION_PERIOD = date(2026, 1, 1)
STATEMENT_YEAR = 2025  # a finished year: the person has its statement (the schema's example year)
ROLES = ["anonymous", "portal_read", "portal_write", "portal_revoked", "portal_other_employer", "person",
         "person_other", "clerk", "clerk_other_region", "staff_without_office", "superuser"]


@dataclass
class World:
    region_a: object
    region_b: object
    employer: object
    other_employer: object
    person: object  # on the employer's staff, with a login
    other_person: object  # on the other employer's staff, with a login
    person_b: object  # registered in region B
    change_application: object  # the employer's change, returned for correction
    new_application: object  # filed by an anonymous applicant
    tracking_token: str
    declaration: object  # the employer's declaration of the current month
    statement: object  # the person's statement of STATEMENT_YEAR
    tokens: dict[str, str] = field(default_factory=dict)  # role -> bearer token
    users: dict[str, User] = field(default_factory=dict)  # role -> session user

    def client(self, role: str, **defaults) -> Client:
        """A Django test client acting as `role`."""
        if role in self.tokens:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[role]}"
        client = Client(**defaults)
        if role in self.users:
            client.force_login(self.users[role])
        return client


def _portal_token(employer, scope: str, *, revoke: bool = False) -> str:
    issued, secret = employer_client_issue(employer=employer, actor=Viewer.system(), scopes=scope,
                                           client_secret=f"secret-{scope}-x")
    response = Client().post("/o/token/", {"grant_type": "client_credentials", "client_secret": secret,
                                           "client_id": issued.application.client_id, "scope": scope})
    assert response.status_code == 200, response.content
    if revoke:
        employer_client_revoke(client=issued, actor=Viewer.system())
    return response.json()["access_token"]


def _enrol(employer, number: str, name: str) -> None:
    actor = portal(employer, client_id="world")
    enrolment_submit(employer=employer, document_number=number, name=name, actor=actor, channel="api",
                     start_date=today_in_shanghai() - timedelta(days=10), monthly_wage=Decimal("9000.00"))


def build_world() -> World:
    region_a, region_b = RegionFactory(code="310101"), RegionFactory(code="310104")
    office_a, office_b = OfficeFactory(region=region_a), OfficeFactory(region=region_b)
    employer, other_employer = EmployerFactory(region=region_a), EmployerFactory(region=region_a)
    _enrol(employer, resident_id(seq=401), "李雷")
    _enrol(employer, resident_id(seq=403), "韩梅梅")
    _enrol(other_employer, resident_id(seq=405), "王芳")
    from insured.models import InsuranceRelationship, InsuredPerson

    person = InsuredPerson.objects.get(document_number=resident_id(seq=401))
    other_person = InsuredPerson.objects.get(document_number=resident_id(seq=405))
    person_b = PersonFactory(region=region_b)
    # Both were insured in the statement year (months before this world's employers): a statement of
    # STATEMENT_YEAR is theirs to ask for (a year before any relationship is refused).
    InsuranceRelationship.objects.filter(person__in=[person, other_person]).update(
        opened_on=date(STATEMENT_YEAR, 1, 1))
    # Contribution lines of CONTRIBUTION_PERIOD (the schema's example of `period`): the monthly
    # notices and the persons' months have something to show.
    staff = InsuredPerson.objects.get(document_number=resident_id(seq=403))
    file(employer, CONTRIBUTION_PERIOD, {person: "9000.00", staff: "9000.00"})
    file(other_employer, CONTRIBUTION_PERIOD, {other_person: "9000.00"})

    tokens = {"portal_read": _portal_token(employer, "read"),
              "portal_write": _portal_token(employer, "read write"),
              "portal_revoked": _portal_token(employer, "read write", revoke=True),
              "portal_other_employer": _portal_token(other_employer, "read write")}
    reviewer = clerk_user(office_a, groups=("clerk", "reviewer"))
    users = {"person": person_user(person), "person_other": person_user(other_person),
             "clerk": reviewer, "clerk_other_region": clerk_user(office_b, groups=("clerk", "reviewer")),
             "staff_without_office": UserFactory(is_staff=True),
             "superuser": UserFactory(is_staff=True, is_superuser=True)}

    today = today_in_shanghai()
    change, _token = registration_submit(kind="change", actor=portal(employer, client_id="world"),
                                         changed_on=today - timedelta(days=2), changes={"address": "上海市黄浦区示例路1号"})
    registration_return(application=change, actor=staff_viewer(reviewer),
                        reason="请补充变更登记表。")
    new, tracking_token = registration_submit(kind="new", actor=Viewer(Kind.NOBODY), uscc=uscc(seed=77001),
                                              name="上海新设科技有限公司", employer_kind="enterprise",
                                              region_code="310101", established_on=today - timedelta(days=3),
                                              contact_name="赵经理", contact_phone="021-55550001")
    declaration = _declare(employer, today)
    from statements.services.generation import _statement_generate_one

    statement, _created = _statement_generate_one(person_id=person.pk, year=STATEMENT_YEAR, actor=Viewer.system())
    return World(region_a=region_a, region_b=region_b, employer=employer, other_employer=other_employer,
                 person=person, other_person=other_person, person_b=person_b, change_application=change,
                 new_application=new, tracking_token=tracking_token, declaration=declaration, statement=statement,
                 tokens=tokens,
                 users=users)


def _declare(employer, today):
    """The employer's declaration of the current month (its two persons on staff)."""
    from agency.models import AverageWage
    from contributions.services.declarations import declaration_file

    AverageWage.objects.create(region=employer.region, year=today.year, monthly_wage=Decimal("12000.00"),
                               effective_from=today.replace(month=1, day=1))
    rows = [{"document_number": resident_id(seq=401), "wage": "9000.00"},
            {"document_number": resident_id(seq=403), "wage": "5000.00"}]
    return declaration_file(employer_id=employer.pk, period=today.replace(day=1), rows=rows, source="json",
                            actor=portal(employer, client_id="world")).declaration
