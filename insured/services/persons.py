from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency.models import Region
from common.access import Viewer, scope
from common.hot_paths import insert_or_nothing
from common.problems import Duplicate, ValidationFailed, one_of_message
from common.services import STAFF, entry, row_lock
from common.text import text_clean
from common.updates import model_update
from insured.models import HukouType, InsuredPerson, StatementDelivery
from insured.rules import person_new, retirement_age_check

REGISTER_PERMISSION = "insured.add_insuredperson"
UPDATE_PERMISSION = "insured.change_insuredperson"
# What person_update changes. The identity (document, birth date, sex) is what the person is found
# by; the region moves with enrolments and transfers. A corrected name stays in the history.
UPDATABLE = ("name", "nationality", "hukou_region_code", "hukou_type", "phone", "email", "postal_address",
             "statement_delivery", "original_retirement_age")


def person_register(*, actor: Viewer, region: Region, **fields) -> InsuredPerson:
    """Register a person once per document number (the other arguments are those of
    insured.rules.person_new), in a region the actor serves; requires insured.add_insuredperson."""
    if not scope(Region.objects.filter(pk=region.pk), actor).exists():
        raise ValidationFailed.field("region_code", "unknown_region", _("Not a region you serve."))
    person = person_new(region=region, **fields)
    existing = InsuredPerson.objects.filter(document_number=person.document_number).only("id").first()
    if existing is not None:
        raise _duplicate(existing)
    if not insert_or_nothing(person, conflict=("document_number",)):  # registered a moment ago
        raise _duplicate(InsuredPerson.objects.filter(document_number=person.document_number).only("id").get())
    return person


person_register = entry(person_register, callers=STAFF, permission=REGISTER_PERMISSION,
                        refusal=gettext_lazy("Your group may not register persons."))


def _duplicate(existing: InsuredPerson) -> Duplicate:
    return Duplicate(_("A person with this document number is already registered."),
                     existing=f"/api/v1/agency/persons/{existing.pk}", existing_id=existing.pk,
                     errors=[{"field": "document_number", "code": "duplicate",
                              "message": _("Already registered.")}])


def _contact_check(values: dict) -> None:
    """What insured.rules.person_new checks of the fields a person_update may change."""
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


def person_update(*, person: InsuredPerson, actor: Viewer, **changes) -> InsuredPerson:
    """Change a person's contact details, statement channel, household registration or name (any of
    UPDATABLE); returns the person. Locks the row within the actor's scope, requires
    insured.change_insuredperson, and leaves the values before the change in the person's history."""
    for field in changes:
        if field not in UPDATABLE:
            raise ValidationFailed.field(field, "not_changeable",
                                         _("%(field)s cannot be changed here.") % {"field": field})
    locked = row_lock(InsuredPerson.objects.all(), person.pk, actor=actor, missing=_("No such person is visible to you."))
    values = {field: text_clean(value or "", field=field, multiline=field == "postal_address")
              for field, value in changes.items()}
    if "nationality" in values:
        values["nationality"] = values["nationality"].upper()
    _contact_check(values)
    if "original_retirement_age" in values:
        retirement_age_check(values["original_retirement_age"], locked.sex)
    after = {field: values.get(field, getattr(locked, field)) for field in UPDATABLE}
    if after["statement_delivery"] == StatementDelivery.POST and not after["postal_address"]:
        raise ValidationFailed.field("postal_address", "required", _("Statements by post need a postal address."))
    if after["statement_delivery"] == StatementDelivery.EMAIL and not after["email"]:
        raise ValidationFailed.field("email", "required", _("Statements by e-mail need an e-mail address."))
    model_update(locked, values, service="person_update", actor=actor)
    return locked


person_update = entry(person_update, callers=STAFF, permission=UPDATE_PERMISSION,
                      refusal=gettext_lazy("Your group may not change persons' records."))
