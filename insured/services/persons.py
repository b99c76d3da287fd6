from __future__ import annotations

import re
from datetime import date

import pghistory
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from agency.models import Region
from common.access import Viewer, scope, viewer_may
from common.dates import birth_date_check
from common.hot_paths import insert_or_nothing
from common.identifiers import IdentifierError
from common.problems import Duplicate, Forbidden, NotFound, ValidationFailed, one_of_message
from common.text import text_clean
from insured.documents import document_check
from insured.models import HukouType, InsuredPerson, OriginalRetirementAge, StatementDelivery

REGISTER_PERMISSION = "insured.add_insuredperson"
UPDATE_PERMISSION = "insured.change_insuredperson"
# What person_update changes. The identity (document, birth date, sex) is what the person is found
# by; the region moves with enrolments and transfers. A corrected name stays in the history.
UPDATABLE = ("name", "nationality", "hukou_region_code", "hukou_type", "phone", "email", "postal_address",
             "statement_delivery", "original_retirement_age")


def _field_error(field: str, err: IdentifierError) -> ValidationFailed:
    extra = {"expected": err.expected} if err.expected else {}
    return ValidationFailed.field(field, err.code, err.message, **extra)


def person_new(*, document_type: str, document_number: str, name: str, region: Region,
               birth_date: date | None = None, sex: str | None = None, nationality: str = "CHN",
               hukou_region_code: str = "", hukou_type: str = "urban", phone: str = "", email: str = "",
               postal_address: str = "", statement_delivery: str = "online",
               original_retirement_age: str = "") -> InsuredPerson:
    """A checked, unsaved person; birth date and sex come from an ID number. No database access."""
    try:
        checked = document_check(document_type, document_number)
    except IdentifierError as err:
        raise _field_error("document_number", err) from None
    if checked.birth_date is not None:
        if birth_date is not None and birth_date != checked.birth_date:
            raise ValidationFailed.field("birth_date", "mismatch",
                                         _("The document number gives the date of birth %(day)s.") % {"day": checked.birth_date})
        birth_date, sex = checked.birth_date, checked.sex
    if birth_date is None or sex is None:
        field = "birth_date" if birth_date is None else "sex"
        raise ValidationFailed.field(field, "required", _("Required for this document type."))
    birth_date_check(birth_date, field="document_number" if checked.birth_date is not None else "birth_date")
    name = text_clean(name, field="name")
    postal_address = text_clean(postal_address, field="postal_address", multiline=True)
    if not name:
        raise ValidationFailed.field("name", "required", _("A name is required."))
    if statement_delivery == "post" and not postal_address.strip():
        raise ValidationFailed.field("postal_address", "required", _("Statements by post need a postal address."))
    if statement_delivery == "email" and not email.strip():
        raise ValidationFailed.field("email", "required", _("Statements by e-mail need an e-mail address."))
    _retirement_age_check(original_retirement_age, sex)
    return InsuredPerson(original_retirement_age=original_retirement_age,
        document_type=document_type, document_number=checked.number, name=name, sex=sex,
        birth_date=birth_date, nationality=nationality.upper(), region=region, hukou_region_code=hukou_region_code,
        hukou_type=hukou_type, phone=phone, email=email, postal_address=postal_address,
        statement_delivery=statement_delivery)


@transaction.atomic
def person_register(*, actor: Viewer, region: Region, **fields) -> InsuredPerson:
    """Register a person once per document number (the other arguments are those of `person_new`),
    in a region the actor serves; requires insured.add_insuredperson."""
    if not viewer_may(actor, REGISTER_PERMISSION):
        raise Forbidden(_("Your group may not register persons."))
    if not scope(Region.objects.filter(pk=region.pk), actor).exists():
        raise ValidationFailed.field("region_code", "unknown_region", _("Not a region you serve."))
    person = person_new(region=region, **fields)
    existing = InsuredPerson.objects.filter(document_number=person.document_number).only("id").first()
    if existing is not None:
        raise _duplicate(existing)
    if not insert_or_nothing(person, conflict=("document_number",)):  # registered a moment ago
        raise _duplicate(InsuredPerson.objects.filter(document_number=person.document_number).only("id").get())
    return person


def _duplicate(existing: InsuredPerson) -> Duplicate:
    return Duplicate(_("A person with this document number is already registered."),
                     existing=f"/api/v1/agency/persons/{existing.pk}", existing_id=existing.pk,
                     errors=[{"field": "document_number", "code": "duplicate",
                              "message": _("Already registered.")}])


def _retirement_age_check(value: str, sex: str) -> None:
    """The original retirement-age category follows the sex: men 60; women 55 (cadre) or 50 (worker)."""
    if not value:
        return
    if value not in OriginalRetirementAge.values:
        raise ValidationFailed.field("original_retirement_age", "invalid_choice",
                                     one_of_message(OriginalRetirementAge.values))
    if (value == OriginalRetirementAge.MEN_60) != (sex == "M"):
        raise ValidationFailed.field("original_retirement_age", "sex_mismatch",
                                     _("Men have the original age 60; women 55 (cadre posts) or 50 (worker posts)."))


def _contact_check(values: dict) -> None:
    """What person_new checks of the fields a person_update may change."""
    if "name" in values and not values["name"]:
        raise ValidationFailed.field("name", "required", _("A name is required."))
    if values.get("statement_delivery", StatementDelivery.ONLINE) not in StatementDelivery.values:
        raise ValidationFailed.field("statement_delivery", "invalid_choice",
                                     one_of_message(StatementDelivery.values))
    if values.get("hukou_type", HukouType.URBAN) not in HukouType.values:
        raise ValidationFailed.field("hukou_type", "invalid_choice", one_of_message(HukouType.values))
    if values.get("hukou_region_code") and not re.fullmatch(r"\d{6}", values["hukou_region_code"]):
        raise ValidationFailed.field("hukou_region_code", "invalid", _("A division code is 6 digits."))
    if "nationality" in values and not re.fullmatch(r"[A-Z]{3}", values["nationality"]):
        raise ValidationFailed.field("nationality", "invalid", _("ISO 3166-1 alpha-3, e.g. CHN."))
    if values.get("email"):
        try:
            validate_email(values["email"])
        except DjangoValidationError:
            raise ValidationFailed.field("email", "invalid", _("Not a valid e-mail address.")) from None


@transaction.atomic
def person_update(*, person: InsuredPerson, actor: Viewer, **changes) -> InsuredPerson:
    """Change a person's contact details, statement channel, household registration or name (any of
    UPDATABLE); returns the person. Locks the row within the actor's scope, requires
    insured.change_insuredperson, and leaves the values before the change in the person's history."""
    if not viewer_may(actor, UPDATE_PERMISSION):
        raise Forbidden(_("Your group may not change persons' records."))
    for field in changes:
        if field not in UPDATABLE:
            raise ValidationFailed.field(field, "not_changeable",
                                         _("%(field)s cannot be changed here.") % {"field": field})
    locked = scope(InsuredPerson.objects.select_for_update(), actor).filter(pk=person.pk).first()
    if locked is None:
        raise NotFound(_("No such person is visible to you."))
    values = {field: text_clean(value or "", field=field, multiline=field == "postal_address")
              for field, value in changes.items()}
    if "nationality" in values:
        values["nationality"] = values["nationality"].upper()
    _contact_check(values)
    if "original_retirement_age" in values:
        _retirement_age_check(values["original_retirement_age"], locked.sex)
    after = {field: values.get(field, getattr(locked, field)) for field in UPDATABLE}
    if after["statement_delivery"] == StatementDelivery.POST and not after["postal_address"]:
        raise ValidationFailed.field("postal_address", "required", _("Statements by post need a postal address."))
    if after["statement_delivery"] == StatementDelivery.EMAIL and not after["email"]:
        raise ValidationFailed.field("email", "required", _("Statements by e-mail need an e-mail address."))
    changed = [field for field, value in values.items() if getattr(locked, field) != value]
    if changed:
        for field in changed:
            setattr(locked, field, values[field])
        with pghistory.context(service="person_update", actor=actor.label()):
            locked.save(update_fields=changed)
    return locked
