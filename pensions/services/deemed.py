"""Deemed years before individual accounts (视同缴费年限): a clerk records them on a person from a
voucher (the personnel file's finding). A new record replaces the earlier one; nothing is changed."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from agency.documents import document_store
from agency.models import DocumentKind
from common.access import Viewer
from common.problems import ValidationFailed
from common.services import STAFF, entry, row_lock
from insured.models import InsuredPerson
from pensions import events
from pensions.models import DeemedService

DEEMED_PERMISSION = "pensions.add_deemedservice"
MAX_DEEMED_MONTHS = 600


def deemed_service_record(*, person: InsuredPerson, months: int, voucher: UploadedFile | None, note: str = "",
                          actor: Viewer) -> DeemedService:
    """Record the person's deemed months with the voucher they were found in."""
    person = row_lock(InsuredPerson.objects.all(), person.pk, actor=actor, missing=_("No such person in your region."))
    if months is None or not 0 <= int(months) <= MAX_DEEMED_MONTHS:
        raise ValidationFailed.field("months", "range", _("Give the deemed months, 0 to 600."))
    if voucher is None:
        raise ValidationFailed.field("voucher", "required", _("Attach the voucher the deemed years are found in."))
    document = document_store(file=voucher, kind=DocumentKind.OTHER, region=person.region,
                              uploaded_by=actor.label(), field="voucher")
    replaces = DeemedService.objects.filter(person=person).order_by("-recorded_at", "-id").first()
    row = DeemedService.objects.create(person=person, region=person.region, months=int(months), voucher=document,
                                       note=(note or "").strip()[:300], recorded_by=actor.label()[:100])
    events.deemed_service_recorded(row, actor=actor, replaces=replaces)
    return row


deemed_service_record = entry(deemed_service_record, callers=STAFF, permission=DEEMED_PERMISSION)
