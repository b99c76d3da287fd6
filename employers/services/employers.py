"""The employer's own record, outside its registration: the contact details a clerk keeps current.

What the registration decides (code, name, kind, region, establishment, status and number) changes
only through a registration application and its review (Art. 57, employers/services/registrations.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.access import Viewer
from common.problems import ValidationFailed
from common.services import STAFF, entry, row_lock
from common.updates import model_update
from employers.models import Employer

UPDATE_PERMISSION = "employers.change_employer"
CONTACT_FIELDS = {"contact_name": 100, "contact_phone": 30, "contact_email": 254, "address": 300}


def employer_update(*, employer: Employer, actor: Viewer, **changes: str) -> Employer:
    """Change the employer's contact details (any of CONTACT_FIELDS); returns the employer.

    Locks the row within the actor's scope, requires employers.change_employer, and leaves the
    values before the change in the employer's history (pghistory, with the actor in its context)."""
    for field in changes:
        if field not in CONTACT_FIELDS:
            raise ValidationFailed.field(field, "not_changeable",
                                         f"{field} is part of the registration: file a change of registration "
                                         "(Art. 57) instead.")
    locked = row_lock(Employer.objects.all(), employer.pk, actor=actor, missing=_("No such employer is visible to you."))
    values = {}
    for field, value in changes.items():
        value = (value or "").strip()
        if len(value) > CONTACT_FIELDS[field]:
            raise ValidationFailed.field(field, "max_length", _("At most %(n)s characters.") % {"n": CONTACT_FIELDS[field]})
        if field == "contact_email" and value:
            try:
                validate_email(value)
            except DjangoValidationError:
                raise ValidationFailed.field(field, "invalid", _("Not a valid e-mail address.")) from None
        values[field] = value
    model_update(locked, values, service="employer_update", actor=actor)
    return locked


employer_update = entry(employer_update, callers=STAFF, permission=UPDATE_PERMISSION,
                        refusal=gettext_lazy("Your group may not change employers' details."))
