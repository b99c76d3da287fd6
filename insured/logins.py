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
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from agency.login_guard import login_failure_record, login_lock_find, login_refused_record
from agency.models import LoginChannel, SecurityEvent, SecurityEventKind
from common.access import Viewer, scope
from common.identifiers import mask_document
from common.problems import ApplicationError, ValidationFailed
from insured.models import InsuredPerson, PersonActivation, PersonLogin

ISSUE_PERMISSION = "insured.add_personactivation"
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



@transaction.atomic
def person_activation_issue(*, person_id: int, viewer: Viewer, user) -> tuple[PersonActivation, str]:
    """A new activation letter for a person of the clerk's region; returns it with the plain code
    (printed once, never stored)."""
    if not user.has_perm(ISSUE_PERMISSION):
        raise PermissionDenied("Only a clerk may issue activation letters.")
    person = scope(InsuredPerson.objects.select_for_update(), viewer).filter(pk=person_id).first()
    if person is None:
        raise ApplicationError("No such person in your region.", status=404, type_slug="not-found")
    now = timezone.now()
    PersonActivation.objects.filter(person=person, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    activation = PersonActivation.objects.create(
        person=person, code_hash=make_password(code), issued_by=user,
        expires_at=now + timedelta(days=settings.ACTIVATION_LETTER_DAYS))
    SecurityEvent.objects.create(kind=SecurityEventKind.ACTIVATION_ISSUED, channel=LoginChannel.ACTIVATION,
                                 account=person.document_number, region_id=person.region_id,
                                 actor=viewer.label(), detail=f"letter {activation.pk}")
    return activation, code_format(code)


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
    SecurityEvent.objects.create(kind=SecurityEventKind.ACTIVATION_USED, channel=LoginChannel.ACTIVATION,
                                 account=number, address=address, region_id=person.region_id,
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


def password_reset_event(*, kind: str, user, address: str | None) -> None:
    login = PersonLogin.objects.select_related("person").filter(user=user).first()
    SecurityEvent.objects.create(kind=kind, channel=LoginChannel.PERSON, account=user.get_username(),
                                 address=address, region_id=login.person.region_id if login else None)


def letter_context(activation: PersonActivation, code: str) -> dict:
    return {"person": activation.person, "masked_document": mask_document(activation.person.document_number),
            "code": code, "expires_at": activation.expires_at, "activation": activation}
