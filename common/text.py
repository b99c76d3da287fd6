"""Text as the registry keeps it: Unicode NFC, without control or format characters.

Every string that arrives through the API passes `text_walk` (common.parsers), and the
services pass names and addresses through `text_clean`, so the admin's forms are held to
the same rule. Refused: C0/C1 control characters (a NUL byte among them) except tab and
line breaks in free text, format characters (zero-width spaces and joiners, bidirectional
overrides and marks, the byte-order mark, soft hyphens) and lone surrogates. Private-use
characters stay allowed: rare characters in personal names are still encoded there.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from common.problems import MalformedRequest, ValidationFailed

_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs"}
_LINE_CONTROLS = {"\t", "\n", "\r"}
MAX_INPUT_DEPTH = 32  # how deeply a request body may nest objects and lists


def text_fault(value: str, *, multiline: bool = True) -> str | None:
    """A description of the first refused character in `value`, or None when it is clean."""
    for ch in value:
        if ch in _LINE_CONTROLS and multiline:
            continue
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            name = unicodedata.name(ch, "")
            return f"U+{ord(ch):04X}" + (f" {name}" if name else "")
    return None


def _refused(field: str | None, fault: str) -> ValidationFailed:
    return ValidationFailed.field(
        field or "", "invalid_character",
        _("Contains a control or invisible formatting character (%(character)s); type the text again "
          "without it.") % {"character": fault})


def text_clean(value: str, *, field: str, multiline: bool = False) -> str:
    """NFC, stripped; refuses control and format characters (line breaks only when `multiline`)."""
    fault = text_fault(value, multiline=multiline)
    if fault is not None:
        raise _refused(field, fault)
    return unicodedata.normalize("NFC", value).strip()


def text_walk(data: Any, *, path: str = "", depth: int = 0) -> Any:
    """Every string of a parsed body, keys included, in NFC; refuses a refused character
    (naming the field) and nesting deeper than MAX_INPUT_DEPTH."""
    if depth > MAX_INPUT_DEPTH:
        raise MalformedRequest(_("The body nests objects or lists more than %(depth)d levels deep.")
                               % {"depth": MAX_INPUT_DEPTH})
    if isinstance(data, str):
        fault = text_fault(data)
        if fault is not None:
            raise _refused(path, fault)
        return unicodedata.normalize("NFC", data)
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (fault := text_fault(key, multiline=False)) is not None:
                raise _refused(path or None, fault)
            out[unicodedata.normalize("NFC", key) if isinstance(key, str) else key] = \
                text_walk(value, path=name, depth=depth + 1)
        return out
    if isinstance(data, list):
        return [text_walk(item, path=f"{path}[{i}]", depth=depth + 1) for i, item in enumerate(data)]
    return data
