"""Issue 21: the writes that had no caller check and no record now have both. A portal client's
issue and revocation, a person login's link, an item's assignment and an activation letter are
each refused to a caller without the permission or outside the region, and leave a SecurityEvent."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from oauth2_provider.models import AccessToken

from agency.deadlines import deadline_assign, deadline_open
from agency.models import SecurityEvent, SecurityEventKind
from common.access import viewer_for_user
from common.problems import Forbidden, NotFound, ValidationFailed
from employers.services.clients import employer_client_issue, employer_client_revoke
from employers.terms import RegistrationRule
from insured.logins import person_activation_issue, person_login_link, person_login_unlink
from insured.models import PersonActivation, PersonLogin
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return OfficeFactory(region=RegionFactory(code="310101", name="黄浦区"))


@pytest.fixture
def elsewhere():
    return OfficeFactory(region=RegionFactory(code="110105", name="朝阳区"))


def _kinds():
    return list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))


def test_a_reviewer_issues_and_revokes_a_portal_client_and_both_are_recorded(office):
    employer = EmployerFactory(region=office.region)
    reviewer = viewer_for_user(clerk_user(office, groups=("reviewer",)))
    client, _secret = employer_client_issue(employer=employer, actor=reviewer, label="HR")
    AccessToken.objects.create(application=client.application, token="t-1",
                               expires=timezone.now() + timedelta(hours=1), scope="read")
    employer_client_revoke(client=client, actor=reviewer)
    employer_client_revoke(client=client, actor=reviewer)  # already revoked: nothing more happens
    assert _kinds() == [SecurityEventKind.CLIENT_ISSUED, SecurityEventKind.CLIENT_REVOKED]
    issued = SecurityEvent.objects.get(kind=SecurityEventKind.CLIENT_ISSUED)
    assert (issued.account, issued.region_id, issued.actor) == (
        f"client:{client.application.client_id}", office.region_id, reviewer.label())
    assert not AccessToken.objects.filter(application=client.application).exists()
    client.refresh_from_db()
    assert client.issued_by_id == client.revoked_by_id == reviewer.user_id


def test_a_clerk_without_the_permission_or_of_another_region_gets_no_client(office, elsewhere):
    employer = EmployerFactory(region=office.region)
    with pytest.raises(Forbidden):
        employer_client_issue(employer=employer, actor=viewer_for_user(clerk_user(office, groups=("clerk",))))
    with pytest.raises(NotFound):
        employer_client_issue(employer=employer, actor=viewer_for_user(clerk_user(elsewhere, groups=("reviewer",))))
    client, _secret = employer_client_issue(employer=employer,
                                            actor=viewer_for_user(clerk_user(office, groups=("reviewer",))))
    with pytest.raises(NotFound):
        employer_client_revoke(client=client, actor=viewer_for_user(clerk_user(elsewhere, groups=("reviewer",))))
    client.refresh_from_db()
    assert client.revoked_at is None
    assert _kinds() == [SecurityEventKind.CLIENT_ISSUED]


def test_an_activation_letter_refused_to_a_clerk_without_the_permission_is_a_problem(office):
    person = PersonFactory(region=office.region)
    auditor = viewer_for_user(clerk_user(office, groups=("auditor",)))
    with pytest.raises(Forbidden) as refused:
        person_activation_issue(person_id=person.pk, actor=auditor)
    assert refused.value.status == 403
    assert not PersonActivation.objects.exists() and _kinds() == []


def test_a_supervisor_links_a_login_to_a_person_of_their_region_and_it_is_recorded(office, elsewhere):
    person = PersonFactory(region=office.region)
    user = User.objects.create_user("zhou-qiang", password="x-long-password-1")
    with pytest.raises(Forbidden):  # a plain clerk may not
        person_login_link(user_id=user.pk, person_id=person.pk,
                          actor=viewer_for_user(clerk_user(office, groups=("clerk",))))
    with pytest.raises(NotFound):  # nor a supervisor of another region
        person_login_link(user_id=user.pk, person_id=person.pk,
                          actor=viewer_for_user(clerk_user(elsewhere, groups=("supervisor",))))
    supervisor = viewer_for_user(clerk_user(office, groups=("supervisor",)))
    staff_user = clerk_user(office)
    with pytest.raises(ValidationFailed):  # a staff account is never a person's login
        person_login_link(user_id=staff_user.pk, person_id=person.pk, actor=supervisor)
    login = person_login_link(user_id=user.pk, person_id=person.pk, actor=supervisor)
    assert PersonLogin.objects.get(user=user).person == person
    linked = SecurityEvent.objects.get()
    assert (linked.kind, linked.account, linked.actor) == (SecurityEventKind.PERSON_LOGIN_LINKED, "zhou-qiang",
                                                           supervisor.label())
    with pytest.raises(Forbidden):  # unlinking is a superuser's
        person_login_unlink(login_id=login.pk, actor=supervisor)
    assert PersonLogin.objects.filter(pk=login.pk).exists()


def test_an_assignment_is_checked_and_recorded(office, elsewhere):
    clerk, colleague = clerk_user(office), clerk_user(office)
    deadline = deadline_open(rule=RegistrationRule.REGISTRATION_REVIEW, subject=PersonFactory(region=office.region),
                             region=office.region, starts_on=timezone.localdate())
    with pytest.raises(NotFound):
        deadline_assign(deadline=deadline, assignee=None, actor=viewer_for_user(clerk_user(elsewhere)))
    with pytest.raises(ValidationFailed):  # a clerk of another region cannot be given it
        deadline_assign(deadline=deadline, assignee=clerk_user(elsewhere), actor=viewer_for_user(clerk))
    deadline_assign(deadline=deadline, assignee=colleague, actor=viewer_for_user(clerk))
    deadline.refresh_from_db()
    assert deadline.assignee == colleague
    assigned = SecurityEvent.objects.get()
    assert (assigned.kind, assigned.region_id, assigned.actor) == (
        SecurityEventKind.DEADLINE_ASSIGNED, office.region_id, viewer_for_user(clerk).label())


def test_the_person_logins_admin_links_through_the_service(office):
    from django.test import Client

    person = PersonFactory(region=office.region)
    user = User.objects.create_user("li-na", password="x-long-password-2")
    supervisor = clerk_user(office, groups=("supervisor",))
    client = Client()
    client.force_login(supervisor)
    response = client.post("/admin/insured/personlogin/add/", {"user": user.pk, "person": person.pk})
    assert response.status_code == 302
    assert PersonLogin.objects.get(user=user).person == person
    linked = SecurityEvent.objects.get(kind=SecurityEventKind.PERSON_LOGIN_LINKED)
    assert linked.actor == viewer_for_user(supervisor).label()
    again = client.post("/admin/insured/personlogin/add/", {"user": user.pk, "person": PersonFactory(
        region=office.region).pk})
    assert again.status_code == 200 and "Already linked." in again.content.decode()  # on the form; nothing written
    assert PersonLogin.objects.count() == 1
