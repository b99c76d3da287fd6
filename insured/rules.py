"""What a person's record must satisfy, checked without the database: a new person built from
what an employer or a clerk gives (`person_new`, on the enrolment path: no query), and the
original retirement-age category. The services (insured.services) save what these return."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from agency.models import Region
from common.dates import birth_date_check
from common.identifiers import IdentifierError
from common.problems import ValidationFailed, one_of_message
from common.text import text_clean
from insured.documents import document_check
from insured.models import InsuredPerson, OriginalRetirementAge


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
    retirement_age_check(original_retirement_age, sex)
    return InsuredPerson(original_retirement_age=original_retirement_age,
        document_type=document_type, document_number=checked.number, name=name, sex=sex,
        birth_date=birth_date, nationality=nationality.upper(), region=region, hukou_region_code=hukou_region_code,
        hukou_type=hukou_type, phone=phone, email=email, postal_address=postal_address,
        statement_delivery=statement_delivery)


def retirement_age_check(value: str, sex: str) -> None:
    """The original retirement-age category follows the sex: men 60; women 55 (cadre) or 50 (worker)."""
    if not value:
        return
    if value not in OriginalRetirementAge.values:
        raise ValidationFailed.field("original_retirement_age", "invalid_choice",
                                     one_of_message(OriginalRetirementAge.values))
    if (value == OriginalRetirementAge.MEN_60) != (sex == "M"):
        raise ValidationFailed.field("original_retirement_age", "sex_mismatch",
                                     _("Men have the original age 60; women 55 (cadre posts) or 50 (worker posts)."))
