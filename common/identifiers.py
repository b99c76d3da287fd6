"""National identifiers: resident ID (GB 11643-1999) and USCC (GB 32100-2015).

Pure functions (Django only to translate the messages): each check returns the normalised value or raises
IdentifierError carrying a stable code and, for a wrong check character, the
character that was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from common.problems import ValidationFailed

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}

# Region codes of the Hong Kong, Macao and Taiwan residence permits.
HMT_REGION_CODES = {"810000", "820000", "830000"}


class IdentifierError(ValueError):
    def __init__(self, code: str, message: str, expected: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.expected = expected


@dataclass(frozen=True)
class ResidentId:
    number: str
    region_code: str
    birth_date: date
    sex: str  # "M" or "F"


def resident_id_check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


def resident_id_parse(raw: str) -> ResidentId:
    number = (raw or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise IdentifierError("format", _("A resident ID number is 17 digits followed by a digit or X."))
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError("birth_date", _("%(digits)s is not a real date of birth.") % {"digits": number[6:14]}) from None
    if birth.year < 1900:
        raise IdentifierError("birth_date", _("%(digits)s is not a plausible date of birth.") % {"digits": number[6:14]})
    expected = resident_id_check_character(number[:17])
    if number[17] != expected:
        raise IdentifierError(
            "check_character",
            _("The check character is %(given)s, but the first 17 digits give %(expected)s.")
            % {"given": number[17], "expected": expected},
            expected=expected,
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, region_code=number[:6], birth_date=birth, sex=sex)


def uscc_check_character(first17: str) -> str:
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_normalise(raw: str, *, allow_bad_check: bool = False) -> str:
    """Return the upper-case USCC; a wrong check character raises unless allowed.

    `allow_bad_check` is for a clerk's recorded override of a real early code.
    """
    code = (raw or "").strip().upper()
    if len(code) != 18 or any(ch not in _USCC_VALUE for ch in code):
        raise IdentifierError(
            "format", _("A unified social credit code is 18 characters from 0-9 and A-Y without I, O, S, V, Z.")
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected and not allow_bad_check:
        raise IdentifierError(
            "check_character",
            _("The check character is %(given)s, but the first 17 characters give %(expected)s.")
            % {"given": code[17], "expected": expected},
            expected=expected,
        )
    return code


NAME_MASK = "**"


def mask_name(name: str | None) -> str:
    """A name as shown to whoever may not read it: its first character and always two asterisks, so
    neither the given name nor the name's length shows (张伟 and 欧阳娜娜 both read 张** / 欧**)."""
    name = (name or "").strip()
    return name[:1] + NAME_MASK if name else ""


def mask_document(number: str | None) -> str:
    """First 6 and last 4 characters shown, the rest as asterisks (a number of 10 characters or fewer:
    its first 2). Its SQL twin is `mask_document_sql`; tests/common/test_identifiers.py proves them equal."""
    if not number:
        return ""
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 2, 0)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_document_sql(number: str) -> str:
    """The same mask as SQL, for the text expression `number` (the statements' snapshot)."""
    return (f"CASE WHEN length({number}) <= 10\n"
            f"                             THEN left({number}, 2) || repeat('*', greatest(length({number}) - 2, 0))\n"
            f"                             ELSE left({number}, 6) || repeat('*', length({number}) - 10)\n"
            f"                                  || right({number}, 4) END")


_DIVISION_CODE = re.compile(r"[0-9]{6}", re.ASCII)


def division_code_check(value: str, *, field: str) -> str:
    """A region's 6-digit administrative division code (GB/T 2260) in ASCII digits; a 400 naming
    `field` otherwise (full-width or other scripts' digits included)."""
    if _DIVISION_CODE.fullmatch(value or "") is None:
        raise ValidationFailed.field(field, "invalid", _("Give the region's 6-digit division code."))
    return value
