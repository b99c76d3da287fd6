"""Checks of a person's identity document; returns what the number tells about the person."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from common.identifiers import HMT_REGION_CODES, IdentifierError, resident_id_parse


@dataclass(frozen=True)
class CheckedDocument:
    number: str
    birth_date: date | None
    sex: str | None
    region_code: str | None


def document_check(document_type: str, raw_number: str) -> CheckedDocument:
    """Normalise and validate; raises IdentifierError with a stable code."""
    number = (raw_number or "").strip().upper()
    if document_type in ("resident_id", "hmt_permit"):
        parsed = resident_id_parse(number)
        is_hmt = parsed.region_code in HMT_REGION_CODES
        if document_type == "hmt_permit" and not is_hmt:
            raise IdentifierError("format", _("A Hong Kong, Macao or Taiwan residence permit starts 810000, 820000 "
                                            "or 830000."))
        if document_type == "resident_id" and is_hmt:
            raise IdentifierError("format", _("Numbers starting 810000, 820000 or 830000 are residence permits."))
        return CheckedDocument(parsed.number, parsed.birth_date, parsed.sex, parsed.region_code)
    if document_type == "foreign_permanent":
        if re.fullmatch(r"9\d{16}[\dX]", number):  # the 2023 18-character card uses the GB 11643 check
            parsed = resident_id_parse(number)
            return CheckedDocument(parsed.number, parsed.birth_date, parsed.sex, None)
        if re.fullmatch(r"[A-Z]{3}\d{12}", number):  # the older 15-character card
            return CheckedDocument(number, None, None, None)
        raise IdentifierError("format", _("A foreign permanent residence ID is 18 characters starting 9, or 3 "
                                        "letters and 12 digits."))
    if document_type == "passport":
        if re.fullmatch(r"[A-Z0-9]{5,20}", number):
            return CheckedDocument(number, None, None, None)
        raise IdentifierError("format", _("A passport number is 5-20 letters and digits."))
    raise IdentifierError("document_type", _("Unknown document type %(type)r.") % {"type": document_type})
