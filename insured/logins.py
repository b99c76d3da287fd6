"""Persons' logins without a developer (issue 10): activation letters and password resets.

A clerk issues an activation letter at the counter (`person_activation_issue`): a one-time code,
printed, valid ACTIVATION_LETTER_DAYS days, stored only as a password hash; a new letter replaces
the person's unused one. The person sets a password at /accounts/activate/ with their document
number and the code (`person_activation_redeem`); wrong codes count as failed logins
(agency.login_guard). A person may reset the password by e-mail to the address on record.
Every step is a SecurityEvent row.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency import events
from agency.login_guard import login_failure_record, login_lock_find, login_refused_record
from agency.models import LoginChannel
from common.access import Viewer
from common.identifiers import mask_document
from common.problems import ApplicationError, Conflict, ValidationFailed
from common.services import STAFF, entry, row_lock
from insured.models import InsuredPerson, PersonActivation, PersonLogin

ISSUE_PERMISSION = "insured.add_personactivation"
LINK_PERMISSION = "insured.add_personlogin"  # supervisors
UNLINK_PERMISSION = "insured.delete_personlogin"
# No 0/O, 1/I/L: the code is read off paper and typed in.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def code_format(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def code_normal(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def person_account_region(account: str) -> int | None:
    """A person's login account is their document number (the username)."""
    found = (PersonLogin.objects.filter(user__username=account).values_list("person__region_id", flat=True)
             .first())
    if found is None:
        found = InsuredPerson.objects.filter(document_number=account.upper()).values_list("region_id",
                                                                                          flat=True).first()
    return found



def person_activation_issue(*, person_id: int, actor: Viewer) -> tuple[PersonActivation, str]:
    """A new activation letter for a person of the clerk's region; returns it with the plain code
    (printed once, never stored)."""
    person = row_lock(InsuredPerson.objects.all(), person_id, actor=actor, missing=_("No such person in your region."))
    now = timezone.now()
    PersonActivation.objects.filter(person=person, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    activation = PersonActivation.objects.create(
        person=person, code_hash=make_password(code), issued_by_id=actor.user_id,
        expires_at=now + timedelta(days=settings.ACTIVATION_LETTER_DAYS))
    events.activation_issued(account=person.document_number, region_id=person.region_id, actor=actor,
                             detail=f"letter {activation.pk}")
    return activation, code_format(code)


person_activation_issue = entry(person_activation_issue, callers=STAFF, permission=ISSUE_PERMISSION,
                                refusal=gettext_lazy("Only a clerk may issue activation letters."))


def person_login_link(*, user_id: int, person_id: int, actor: Viewer) -> PersonLogin:
    """A supervisor links an existing login (a user without staff rights) to a person of their region:
    from then on that user reads the person's record. The activation letter is the usual way; this
    is for the cases a letter cannot serve (a login created before the letters)."""
    person = row_lock(InsuredPerson.objects.all(), person_id, actor=actor, missing=_("No such person in your region."))
    user = get_user_model().objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise ValidationFailed.field("user", "not_found", _("No such user."))
    if user.is_staff or user.is_superuser:
        raise ValidationFailed.field("user", "staff", _("A staff account cannot be a person's login."))
    if PersonLogin.objects.filter(user=user).exists():
        raise Conflict(_("This user is already linked to a person."), type_slug="conflict",
                       errors=[{"field": "user", "code": "linked", "message": _("Already linked.")}])
    if PersonLogin.objects.filter(person=person).exists():
        raise Conflict(_("This person already has a login."), type_slug="conflict",
                       errors=[{"field": "person", "code": "linked", "message": _("Already has a login.")}])
    login = PersonLogin.objects.create(user=user, person=person)
    events.person_login_linked(account=user.get_username(), region_id=person.region_id, actor=actor,
                               detail=f"{person.name} {mask_document(person.document_number)}")
    return login


person_login_link = entry(person_login_link, callers=STAFF, permission=LINK_PERMISSION,
                          refusal=gettext_lazy("Only a supervisor may link a login to a person."))


def person_login_unlink(*, login_id: int, actor: Viewer) -> None:
    """The user no longer reads the person's record (a login linked by mistake, a shared account)."""
    login = row_lock(PersonLogin.objects.all(), login_id, actor=actor, missing=_("No such person login in your region."),
                     related=("user", "person"))
    person, account = login.person, login.user.get_username()
    login.delete()
    events.person_login_unlinked(account=account, region_id=person.region_id, actor=actor,
                                 detail=f"{person.name} {mask_document(person.document_number)}")


person_login_unlink = entry(person_login_unlink, callers=STAFF, permission=UNLINK_PERMISSION,
                            refusal=gettext_lazy("Only a supervisor may unlink a login from a person."))


class ActivationRefused(ApplicationError):
    status = 400
    type_slug = "activation-refused"


def person_activation_redeem(*, document_number: str, code: str, password: str, address: str | None):
    """Set the person's password with the letter's code; returns the person's user.

    A wrong code is recorded as a failed login outside the redeeming transaction, so it counts
    even though the caller gets an error."""
    number = (document_number or "").strip().upper()
    lock = login_lock_find(account=number, address=address)
    if lock is not None:
        login_refused_record(channel=LoginChannel.ACTIVATION, account=number, address=address, lock=lock)
        raise ActivationRefused("Too many failed attempts: try again later, or ask at the counter.",
                                status=429, type_slug="login-locked")
    user = _activation_redeem(number=number, code=code, password=password, address=address)
    if user is None:
        login_failure_record(channel=LoginChannel.ACTIVATION, account=number, address=address)
        raise ActivationRefused("The document number and code do not match a valid activation letter.")
    return user


@transaction.atomic
def _activation_redeem(*, number: str, code: str, password: str, address: str | None):
    now = timezone.now()
    activation = (PersonActivation.objects.select_for_update().select_related("person")
                  .filter(person__document_number=number, used_at__isnull=True, revoked_at__isnull=True,
                          expires_at__gt=now).first())
    if activation is None or not check_password(code_normal(code), activation.code_hash):
        return None
    person = activation.person
    user_model = get_user_model()
    login = PersonLogin.objects.select_related("user").filter(person=person).first()
    user = login.user if login is not None else user_model(username=person.document_number, is_staff=False)
    try:
        validate_password(password, user)
    except DjangoValidationError as err:
        raise ValidationFailed("The password is not acceptable.",
                               errors=[{"field": "password", "code": "weak", "message": m} for m in err.messages])
    if login is None and user_model.objects.filter(username=person.document_number).exists():
        raise ActivationRefused("An account with this document number exists; ask at the counter.")
    user.set_password(password)
    user.email = person.email
    user.save()
    if login is None:
        PersonLogin.objects.create(user=user, person=person)
    activation.used_at = now
    activation.save(update_fields=["used_at"])
    events.activation_used(account=number, address=address, region_id=person.region_id,
                           detail=f"letter {activation.pk}")
    return user


class PersonPasswordResetTokens(PasswordResetTokenGenerator):
    """Reset links bound to the e-mail address on the person's record: a changed address voids them."""

    key_salt = "insured.logins.PersonPasswordResetTokens"

    def _make_hash_value(self, user, timestamp):
        login = PersonLogin.objects.select_related("person").filter(user=user).first()
        email = login.person.email if login is not None else ""
        login_at = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}{user.password}{login_at}{timestamp}{email}"


person_reset_tokens = PersonPasswordResetTokens()


def person_users_by_email(email: str):
    """Active persons' users whose record has this e-mail address (staff reset at the office)."""
    logins = (PersonLogin.objects.select_related("user", "person")
              .filter(person__email__iexact=email.strip(), user__is_active=True, user__is_staff=False))
    for login in logins:
        if login.user.has_usable_password():
            login.user.email = login.person.email  # the address on record, for this mail only
            yield login.user


def _login_region_id(user) -> int | None:
    login = PersonLogin.objects.select_related("person").filter(user=user).first()
    return login.person.region_id if login else None


def password_reset_request_record(*, user, address: str | None) -> None:
    events.password_reset_requested(account=user.get_username(), address=address, region_id=_login_region_id(user))


def password_reset_done_record(*, user, address: str | None) -> None:
    events.password_reset_done(account=user.get_username(), address=address, region_id=_login_region_id(user))


def letter_context(activation: PersonActivation, code: str) -> dict:
    return {"person": activation.person, "masked_document": mask_document(activation.person.document_number),
            "code": code, "expires_at": activation.expires_at, "activation": activation}
