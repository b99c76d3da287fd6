"""The callers a test acts as, built in one place for every test.

A service sees its caller as a `common.access.Viewer`; the API and the admin see a logged-in
`Client`. These builders make both the way the project does: a clerk or a supervisor is a real
staff user with an office in the region and the group's permissions (`agency/groups.py`); a portal
is the employer's client; a person is the person's own login (username: their document number).
"""

from django.contrib.auth.models import User
from django.test import Client

from common.access import Kind, Viewer, viewer_for_user
from insured.models import PersonLogin
from tests.agency.factories import OfficeFactory, clerk_user

PERSON_PASSWORD = "a-long-test-pass"


def portal(employer, *, client_id: str = "tests") -> Viewer:
    """The employer's portal client, as the services see it."""
    return Viewer(Kind.EMPLOYER, employer_id=employer.pk, client_id=client_id)


def staff_viewer(user: User) -> Viewer:
    """The viewer of a staff user made already (with `clerk_user`, or the demo's)."""
    return viewer_for_user(user)


def clerk(region, groups=("clerk",), *, office=None) -> Viewer:
    """A new staff user of the region's first office (one is opened when it has none) in `groups`."""
    office = office or region.offices.first() or OfficeFactory(region=region)
    return staff_viewer(clerk_user(office, groups=groups))


def supervisor(region, *, office=None) -> Viewer:
    return clerk(region, ("supervisor",), office=office)


def user_of(viewer: Viewer) -> User:
    return User.objects.get(pk=viewer.user_id)


def person_viewer(person) -> Viewer:
    """The insured person themselves."""
    return Viewer(Kind.PERSON, person_id=person.pk)


def person_user(person, *, password: str = PERSON_PASSWORD) -> User:
    """The person's own login, made once: later calls return the same user."""
    login = PersonLogin.objects.filter(person=person).select_related("user").first()
    if login is not None:
        return login.user
    user = User.objects.create_user(person.document_number, password=password)
    PersonLogin.objects.create(user=user, person=person)
    return user


def logged_in(who, **defaults) -> Client:
    """A browser session of a user (or of a viewer's user), without the staff second factor
    (tests/conftest.py turns it off; tests/agency/test_staff_security.py covers it)."""
    client = Client(**defaults)
    client.force_login(user_of(who) if isinstance(who, Viewer) else who)
    return client


def person_client(person, *, login_page: bool = False, **defaults) -> Client:
    """The person's browser session; with `login_page` logged in through the login page as a browser does
    (sessions, throttling), otherwise with force_login."""
    user = person_user(person)
    client = Client(**defaults)
    if not login_page:
        client.force_login(user)
        return client
    response = client.post("/accounts/login/", {"username": person.document_number, "password": PERSON_PASSWORD})
    assert response.status_code == 302, response.content
    return client
