from __future__ import annotations

from datetime import date

from django.db import transaction

from agency.models import Region
from common.compiled import insert_or_nothing
from common.identifiers import IdentifierError
from common.problems import Duplicate, ValidationFailed
from insured.documents import document_check
from insured.models import InsuredPerson


def _field_error(field: str, err: IdentifierError) -> ValidationFailed:
    extra = {"expected": err.expected} if err.expected else {}
    return ValidationFailed.field(field, err.code, err.message, **extra)


def person_new(*, document_type: str, document_number: str, name: str, region: Region,
               birth_date: date | None = None, sex: str | None = None, nationality: str = "CHN",
               hukou_region_code: str = "", hukou_type: str = "urban", phone: str = "", email: str = "",
               postal_address: str = "", statement_delivery: str = "online") -> InsuredPerson:
    """A checked, unsaved person; birth date and sex come from an ID number. No database access."""
    try:
        checked = document_check(document_type, document_number)
    except IdentifierError as err:
        raise _field_error("document_number", err) from None
    if checked.birth_date is not None:
        if birth_date is not None and birth_date != checked.birth_date:
            raise ValidationFailed.field("birth_date", "mismatch",
                                         f"The document number gives the date of birth {checked.birth_date}.")
        birth_date, sex = checked.birth_date, checked.sex
    if birth_date is None or sex is None:
        field = "birth_date" if birth_date is None else "sex"
        raise ValidationFailed.field(field, "required", "Required for this document type.")
    if not name.strip():
        raise ValidationFailed.field("name", "required", "A name is required.")
    if statement_delivery == "post" and not postal_address.strip():
        raise ValidationFailed.field("postal_address", "required", "Statements by post need a postal address.")
    if statement_delivery == "email" and not email.strip():
        raise ValidationFailed.field("email", "required", "Statements by e-mail need an e-mail address.")
    return InsuredPerson(
        document_type=document_type, document_number=checked.number, name=name.strip(), sex=sex,
        birth_date=birth_date, nationality=nationality.upper(), region=region, hukou_region_code=hukou_region_code,
        hukou_type=hukou_type, phone=phone, email=email, postal_address=postal_address,
        statement_delivery=statement_delivery)


@transaction.atomic
def person_register(**fields) -> InsuredPerson:
    """Register a person once per document number (the arguments of `person_new`)."""
    person = person_new(**fields)
    existing = InsuredPerson.objects.filter(document_number=person.document_number).only("id").first()
    if existing is not None:
        raise _duplicate(existing)
    if not insert_or_nothing(person, conflict=("document_number",)):  # registered a moment ago
        raise _duplicate(InsuredPerson.objects.filter(document_number=person.document_number).only("id").get())
    return person


def _duplicate(existing: InsuredPerson) -> Duplicate:
    return Duplicate("A person with this document number is already registered.",
                     existing=f"/api/v1/agency/persons/{existing.pk}", existing_id=existing.pk,
                     errors=[{"field": "document_number", "code": "duplicate",
                              "message": "Already registered."}])
