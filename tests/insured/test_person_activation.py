"""Issue 10 item 9: a clerk issues an activation letter at the counter, the person sets a password at
/accounts/activate/, resets it by e-mail on record; wrong codes are throttled."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from agency.models import SecurityEvent, SecurityEventKind
from common.access import viewer_for_user
from common.problems import ApplicationError
from insured.logins import person_activation_issue
from insured.models import PersonActivation, PersonLogin
from tests.agency.factories import OfficeFactory, clerk_user
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "my-own-pass-2026"


@pytest.fixture
def counter():
    office = OfficeFactory()
    clerk = clerk_user(office)
    person = PersonFactory(region=office.region, email="wang@example.com")
    client = Client()
    client.force_login(clerk)
    return {"clerk": clerk, "person": person, "admin": client, "office": office}


def _issue_in_admin(counter) -> str:
    response = counter["admin"].post("/admin/insured/insuredperson/", {
        "action": "issue_activation_letter", "_selected_action": [counter["person"].pk]})
    assert response.status_code == 200
    page = response.content.decode()
    assert counter["person"].name in page
    assert counter["person"].document_number not in page  # the printed letter masks the number
    return re.search(r'class="code">([A-Z0-9-]+)<', page).group(1)


def _activate(document_number, code, password=NEW_PASSWORD, client=None):
    return (client or Client()).post("/accounts/activate/", {"document_number": document_number, "code": code,
                                                             "password1": password, "password2": password})


def test_the_clerk_prints_a_letter_and_the_person_sets_a_password_and_logs_in(counter):
    code = _issue_in_admin(counter)
    person = counter["person"]
    activation = PersonActivation.objects.get(person=person)
    assert code.replace("-", "") not in activation.code_hash  # stored hashed only
    assert activation.issued_by == counter["clerk"]
    assert activation.expires_at > timezone.now() + timedelta(days=13)
    issued = SecurityEvent.objects.get(kind=SecurityEventKind.ACTIVATION_ISSUED)
    assert (issued.actor, issued.region_id) == (f"user:{counter['clerk'].pk}", person.region_id)

    response = _activate(person.document_number.lower(), code.lower())
    assert response.status_code == 302
    login = PersonLogin.objects.get(person=person)
    assert login.user.check_password(NEW_PASSWORD) and not login.user.is_staff
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.ACTIVATION_USED).exists()

    client = Client()
    assert client.post("/accounts/login/", {"username": person.document_number,
                                            "password": NEW_PASSWORD}).status_code == 302
    assert client.get("/api/v1/me").json()["id"] == person.pk
    # The code works once.
    assert _activate(person.document_number, code, "another-pass-2026").status_code == 400


def test_a_letter_expires(counter):
    code = _issue_in_admin(counter)
    PersonActivation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _activate(counter["person"].document_number, code).status_code == 400
    assert not PersonLogin.objects.exists()


def test_a_new_letter_voids_the_unused_one(counter):
    first = _issue_in_admin(counter)
    second = _issue_in_admin(counter)
    assert _activate(counter["person"].document_number, first).status_code == 400
    assert _activate(counter["person"].document_number, second).status_code == 302


def test_a_weak_password_is_refused_and_the_code_stays_valid(counter):
    code = _issue_in_admin(counter)
    assert _activate(counter["person"].document_number, code, "123").status_code == 400
    assert _activate(counter["person"].document_number, code).status_code == 302


def test_a_clerk_cannot_issue_a_letter_for_a_person_of_another_region(counter):
    stranger = PersonFactory()  # another region
    with pytest.raises(ApplicationError):
        person_activation_issue(person_id=stranger.pk, actor=viewer_for_user(counter["clerk"]))
    counter["admin"].post("/admin/insured/insuredperson/", {"action": "issue_activation_letter",
                                                            "_selected_action": [stranger.pk]})
    assert not PersonActivation.objects.filter(person=stranger).exists()


def test_wrong_codes_are_throttled(counter, settings):
    settings.LOGIN_ACCOUNT_FAILURES = 5
    code = _issue_in_admin(counter)
    number = counter["person"].document_number
    for n in range(5):
        assert _activate(number, f"WRONG-CODE-{n:04d}").status_code == 400
    assert _activate(number, code).status_code == 429  # locked out, even with the right code
    assert not PersonLogin.objects.exists()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT, account=number).exists()


def test_password_reset_by_email_on_record(counter):
    code = _issue_in_admin(counter)
    person = counter["person"]
    _activate(person.document_number, code)
    User.objects.filter(username=person.document_number).update(email="")  # the record is what counts

    assert Client().post("/accounts/password-reset/", {"email": "nobody@example.com"}).status_code == 302
    assert len(mail.outbox) == 0
    assert Client().post("/accounts/password-reset/", {"email": "WANG@example.com"}).status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["wang@example.com"]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "reset-pass-2026",
                                                    "new_password2": "reset-pass-2026"})
    assert done.status_code == 302
    assert Client().post("/accounts/login/", {"username": person.document_number,
                                              "password": "reset-pass-2026"}).status_code == 302
    kinds = set(SecurityEvent.objects.values_list("kind", flat=True))
    assert {SecurityEventKind.PASSWORD_RESET_REQUESTED, SecurityEventKind.PASSWORD_RESET_DONE} <= kinds


def test_a_reset_link_dies_when_the_email_on_record_changes(counter):
    code = _issue_in_admin(counter)
    person = counter["person"]
    _activate(person.document_number, code)
    Client().post("/accounts/password-reset/", {"email": "wang@example.com"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    type(person).objects.filter(pk=person.pk).update(email="new@example.com")
    page = Client().get(link, follow=True).content.decode()
    assert "no longer valid" in page
