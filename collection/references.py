"""Payment references (issue 22, item 1): what an employer quotes on its transfer so the collector's
record finds its payment order.

A reference is "SP", 13 digits and a check character (ISO 7064 MOD 11-2, as the resident ID number's
last character): 16 characters a person can read out and a bank field keeps. A mistyped reference
fails its check and matches nothing, rather than another employer's order."""

from __future__ import annotations

import re
import secrets

PREFIX = "SP"
_WEIGHTS = [pow(2, 13 - i, 11) for i in range(13)]
# In free reference text: any run that looks like a reference, spaces and case forgiven.
_CANDIDATE = re.compile(r"S\s*P\s*((?:\d\s*){13}[\dXx])", re.IGNORECASE)


def check_character(digits: str) -> str:
    """The MOD 11-2 check character of 13 digits."""
    value = (12 - sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11) % 11
    return "X" if value == 10 else str(value)


def reference_new() -> str:
    """A new random reference (uniqueness is the database's: PaymentOrder.reference is unique)."""
    digits = "".join(str(secrets.randbelow(10)) for _ in range(13))
    return f"{PREFIX}{digits}{check_character(digits)}"


def reference_valid(text: str) -> bool:
    return bool(re.fullmatch(r"SP\d{13}[\dX]", text or "")) and check_character(text[2:15]) == text[15]


def references_in(text: str) -> list[str]:
    """The valid references quoted in a collector record's free text, in order, without repeats."""
    found = []
    for match in _CANDIDATE.finditer(text or ""):
        reference = PREFIX + re.sub(r"\s", "", match.group(1)).upper()
        if reference_valid(reference) and reference not in found:
            found.append(reference)
    return found
