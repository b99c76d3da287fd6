"""How the admin shows values to a reader, in the reader's language.

- Dates and times: one format per language (the active locale's DATE_FORMAT / DATETIME_FORMAT;
  zh-hans uses config/formats/zh_Hans: 2026-11-09 and 2026-11-09 14:30).
- Sizes: KB / MB / GB, never a count of bytes.
- Actors: who acted is stored as a stable code (`user:12`, `client:<client_id>`,
  `applicant:<uscc>`, `system`; see common.access.Viewer.label) and shown by name: the clerk's
  full name, the employer's name with the portal client's label, "本人" for the person acting on
  their own record. Apps that own the referenced rows register a resolver for their prefix
  (`actor_resolver_register`), so this module needs no import of a higher app.
- Generated texts (a deadline's item, for example) are stored as a message template (an English
  msgid marked with gettext_noop) with its parameters, and rendered here with the reader's
  translation (`message_render`), so a row written during an English API request reads in
  Chinese to a Chinese clerk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.registry import Registry

_CJK = re.compile(r"[\u3400-\u9fff]")


# --- dates and sizes ------------------------------------------------------------------------------

def date_text(value) -> str:
    """A date (or an ISO date string) in the active language's one date format."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    return formats.date_format(value, "DATE_FORMAT")


def datetime_text(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def size_text(size: int | None) -> str:
    """1536 -> "1.5 KB"; anything under a kilobyte still reads in KB ("0.1 KB")."""
    if size is None:
        return "—"
    units = ("KB", "MB", "GB", "TB")
    value = size / 1024
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    shown = max(value, 0.1)
    number = formats.number_format(round(shown, 1), 1)
    return f"{number} {units[unit]}"


# --- people ---------------------------------------------------------------------------------------

def user_text(user) -> str:
    """A staff user's full name ("王芳", "Ann Lee"); the username only when no name is recorded."""
    if user is None:
        return "—"
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if _CJK.search(first + last):
        name = f"{last}{first}"  # Chinese names: family name first, no space
    else:
        name = f"{first} {last}".strip()
    return name or user.get_username()


ActorResolver = Callable[[str], str | None]
actor_resolvers: Registry[tuple[str, ActorResolver]] = Registry("common.actor_resolvers", key=lambda e: e[0])


def actor_resolver_register(prefix: str, resolver: ActorResolver) -> None:
    """`resolver(rest)` gets what follows "<prefix>:" and returns the display name, or None."""
    actor_resolvers.register((prefix, resolver))


def user_actor(rest: str) -> str | None:
    """`user:<id>` (registered in CommonConfig.ready())."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=int(rest)).first() if rest.isdigit() else None
    if user is None:
        return None
    if getattr(user, "person_login", None) is not None:  # an insured person acting on their own record
        return str(_("the person themself"))
    return user_text(user)

_PLAIN_ACTORS = {"system": _("system"), "superuser": _("administrator"), "nobody": _("anonymous")}


def account_text(account: str | None) -> str:
    """A security event's account: a code with a registered prefix (a portal client `client:<id>`, a
    persons' app `app:<id>`, ...) by its name, anything else (a login's username) as it is."""
    if not account:
        return "—"
    prefix, sep, _rest = account.partition(":")
    return actor_text(account) if sep and prefix in actor_resolvers else account


def actor_text(label: str | None) -> str:
    """The name behind an actor code; an unknown code shows as "unknown (<code>)" rather than fail."""
    if not label:
        return "—"
    if label in _PLAIN_ACTORS:
        return str(_PLAIN_ACTORS[label])
    prefix, _sep, rest = label.partition(":")
    entry = actor_resolvers.get(prefix)
    name = entry[1](rest) if entry is not None and rest else None
    return name if name else gettext("unknown (%(code)s)") % {"code": label}


# --- generated texts ------------------------------------------------------------------------------

def message_data(template: str, *, dates: tuple[str, ...] = (), translated: tuple[str, ...] = (),
                 **params) -> dict:
    """What to store for a generated text: the msgid (mark it with gettext_noop at the call site),
    the parameters, and which of them are dates (rendered in the reader's date format) or msgids
    themselves (choice labels, rendered in the reader's language)."""
    stored = {key: (value.isoformat() if isinstance(value, dt.date) else value) for key, value in params.items()}
    return {"template": template, "params": stored, "dates": list(dates), "translated": list(translated)}


def message_render(data: dict | None, fallback: str = "") -> str:
    if not data or "template" not in data:
        return fallback
    params = dict(data.get("params") or {})
    for key in data.get("dates") or ():
        if key in params:
            params[key] = date_text(params[key])
    for key in data.get("translated") or ():
        if params.get(key):
            params[key] = gettext(params[key])
    try:
        return gettext(data["template"]) % params
    except (KeyError, TypeError, ValueError):
        return fallback or data["template"]


# --- flags that read as words -----------------------------------------------------------------------

def late_html(late: bool):
    """"Late" in the overdue colour, a dash when in time: Django's boolean icons put a green tick on a
    late item and a red cross on one in time, the opposite of what a reader takes them for."""
    from django.utils.html import format_html

    if late:
        return format_html('<span class="state-overdue">{}</span>', gettext("late"))
    return "—"  # in time: nothing to flag (narrow, so the queues keep their columns on screen)


# --- official documents -------------------------------------------------------------------------------

OFFICIAL_LANGUAGE = "zh-hans"


def official_date(value) -> str:
    """A date as an official Chinese document writes it: 2026年12月7日, whatever the request's language."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def official_document(render: Callable) -> Callable:
    """Statements, certificates, letters and notices are official Chinese documents: rendered in
    Chinese (choice labels, generated texts) whatever the request's Accept-Language says."""
    from functools import wraps

    from django.utils import translation

    @wraps(render)
    def wrapper(*args, **kwargs):
        with translation.override(OFFICIAL_LANGUAGE):
            return render(*args, **kwargs)

    return wrapper
