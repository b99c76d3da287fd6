"""Walk the admin as a browser would and find English that the project left untranslated.

Used by tests/common/test_admin_chinese.py (the method is explained there) and runnable by hand
against the development database:

    .venv/bin/python -m tests.common.admin_walk clerk     # prints what it finds, page by page
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = ("common", "agency", "employers", "insured", "transfers", "accounts", "contributions",
                "statements", "refunds", "collection", "demo")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy", "ngettext",
                 "ngettext_lazy", "npgettext", "npgettext_lazy"}

# Latin words a Chinese admin page may show: acronyms and names that are the same in Chinese text.
ALLOWED_WORDS = {"SHA", "API", "CSV", "PDF", "JPEG", "PNG", "KB", "MB", "GB", "TB", "ID", "OAuth", "ISO", "camt",
                 "HTTP", "JSON", "URL"}
# Admin URLs the walk does not open: logging out, the view-on-site redirector, JavaScript catalogues.
SKIPPED_URL = re.compile(r"/(logout|r|jsi18n)/|/autocomplete/|/password/$")
# An actor's internal code (common.access.Viewer.label) where a name belongs.
_INTERNAL_CODE = re.compile(r"(?<![A-Za-z0-9_])(user|client|applicant|person|employer|app|collector):[A-Za-z0-9]")
_UNKNOWN_ACTOR = re.compile(r"未知（|unknown \(")
_DATE_IN_OTHER_FORMAT = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
                                   r"[a-z]*\.? \d{1,2}, \d{4}")


class _TextExtractor(HTMLParser):
    """The text a reader sees: text nodes outside <script>/<style>, and the attributes shown
    on screen (title on hover, placeholder, alt, button values)."""

    # (Not "alt": Django's own icons carry English alt texts, "True", "False", "Search".)
    SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        for name in self.SHOWN_ATTRIBUTES:
            if attributes.get(name):
                self.parts.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def page_text(html: str) -> tuple[str, list[str]]:
    parser = _TextExtractor()
    parser.feed(html)
    return "\n".join(parser.parts), parser.links


# --- the project's own English strings ------------------------------------------------------------

def _source_files(suffix: str):
    for app in PROJECT_APPS:
        base = ROOT / app
        if base.is_dir():
            yield from (p for p in base.rglob(f"*{suffix}") if "migrations" not in p.parts)
    if suffix == ".html":
        yield from (ROOT / "templates").rglob("*.html")


def marked_strings() -> set[str]:
    """Every string literal passed to a gettext function in the project's Python code, and every
    {% translate %} / {% blocktranslate %} text of its templates."""
    found: set[str] = set()
    for path in _source_files(".py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) \
                    in GETTEXT_NAMES:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
    tag = re.compile(r"""{%\s*(?:trans|translate)\s+(["'])(.+?)\1""")
    block = re.compile(r"{%\s*blocktrans(?:late)?[^%]*%}(.*?){%\s*endblocktrans(?:late)?\s*%}", re.S)
    for path in _source_files(".html"):
        text = path.read_text()
        found.update(m.group(2) for m in tag.finditer(text))
        for m in block.finditer(text):  # as makemessages writes it: {{ x }} -> %(x)s, singular form
            singular = re.split(r"{%\s*plural\s*%}", m.group(1))[0]
            found.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", singular).strip())
    return found


def po_entries(path: Path | None = None) -> dict[str, str]:
    """msgid -> msgstr of the project's zh_Hans catalogue (a small reader: quoted lines continue the
    keyword above them; escapes as in C)."""
    path = path or ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    key = None

    def flush():
        if "msgid" in current and current["msgid"]:
            # A context's entry is keyed as gettext keys it: "context\x04msgid".
            key_ = (current["msgctxt"] + "\x04" + current["msgid"]) if current.get("msgctxt") else current["msgid"]
            entries[key_] = current.get("msgstr", current.get("msgstr[0]", ""))

    for line in path.read_text().splitlines():
        line = line.strip()
        m = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt)\s+"(.*)"$', line)
        if m:
            if m.group(1) in ("msgid", "msgctxt") and ("msgstr" in current or "msgstr[0]" in current):
                flush()
                current = {}
            key = m.group(1)
            current[key] = ast.literal_eval('"' + m.group(2) + '"')
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif not line:
            key = None
    flush()
    return entries


def po_msgids() -> set[str]:
    return set(po_entries())


def model_and_admin_strings() -> set[str]:
    """What Django shows from the project's models and admin classes, read in English: model and
    field names (including the ones Django derives from an attribute name when none is given,
    such as "created at"), help texts, choice labels, list columns, actions, filters, fieldsets."""
    from django.contrib import admin
    from django.db import models

    found: set[str] = set()
    with translation.override("en"):
        for model in admin.site._registry:
            if model._meta.app_label not in PROJECT_APPS:
                continue
            found.update({str(model._meta.verbose_name), str(model._meta.verbose_name_plural)})
            for f in model._meta.get_fields():
                if isinstance(f, models.AutoField):
                    continue  # "ID": Django's own
                for text in (getattr(f, "verbose_name", None), getattr(f, "help_text", None)):
                    if text:
                        found.add(str(text))
                for _value, label in getattr(f, "flatchoices", None) or []:
                    found.add(str(label))
        for model, model_admin in admin.site._registry.items():
            if model._meta.app_label not in PROJECT_APPS:
                continue
            for name in model_admin.list_display:
                attr = getattr(model_admin, name, None) if isinstance(name, str) else name
                if attr is not None and getattr(attr, "short_description", None):
                    found.add(str(attr.short_description))
            for action in model_admin.actions or []:
                attr = getattr(model_admin, action, None) if isinstance(action, str) else action
                if getattr(attr, "short_description", None):
                    found.add(str(attr.short_description))
            for flt in model_admin.list_filter:
                title = getattr(flt, "title", None) if isinstance(flt, type) else None
                if title:
                    found.add(str(title))
            for fieldsets in (getattr(model_admin, "fieldsets", None), getattr(model_admin, "add_fieldsets", None)):
                for title, _options in fieldsets or []:
                    if title:
                        found.add(str(title))
    return found


def third_party_strings() -> set[str]:
    """Names Django and other installed apps give their own models in the admin (auth, OAuth
    tokens, pghistory events), in English: not the project's strings, so not held against it."""
    from django.apps import apps

    found: set[str] = set()
    with translation.override("en"):
        for config in apps.get_app_configs():
            if config.label in PROJECT_APPS:
                continue
            found.add(str(config.verbose_name))
            for model in config.get_models():
                found.update({str(model._meta.verbose_name), str(model._meta.verbose_name_plural),
                              str(model._meta.verbose_name_plural).capitalize()})
    return found


def is_project_page(path: str) -> bool:
    """The admin index, the project apps' pages and the admin site's own custom views; not the
    pages of Django's auth app or of third-party apps (OAuth tokens, pghistory)."""
    parts = path.strip("/").split("/")
    if len(parts) < 2:
        return True  # /admin/
    from django.apps import apps

    if parts[1] in {c.label for c in apps.get_app_configs()}:
        return parts[1] in PROJECT_APPS
    return True  # a custom view of the admin site (h10a's home and file pages, for example)


def project_strings() -> set[str]:
    catalogue = po_entries()
    # A msgid whose translation is itself ("SHA-256", "API") is the same in Chinese text.
    same = {msgid for msgid, msgstr in catalogue.items() if msgid == msgstr}
    strings = (marked_strings() | set(catalogue) | model_and_admin_strings()) - same
    # Python format placeholders split a message into the fixed parts a reader would see.
    pieces: set[str] = set()
    for text in strings:
        for piece in re.split(r"%\([a-z_]+\)[sdr]|%[sd]|\{[a-z_]*\}|<[^>]+>", text):
            piece = piece.strip(" :.,;()—-\n")
            # A piece the translation keeps as it is ("client_id" in a message about OAuth) is not
            # an untranslated string.
            if len(re.findall(r"[A-Za-z]", piece)) >= 3 and piece not in ALLOWED_WORDS \
                    and piece not in catalogue.get(text, ""):
                pieces.add(piece)
    return pieces


# --- the walk ---------------------------------------------------------------------------------------

@dataclass
class Finding:
    url: str
    problem: str
    text: str


@dataclass
class Walk:
    visited: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _english_phrases(strings: set[str]) -> re.Pattern:
    ordered = sorted(strings, key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(re.escape(s) for s in ordered) + r")(?![A-Za-z0-9_])",
                      re.I)


def _leftover_words(text: str, data_values: list[str]) -> list[str]:
    for value in data_values:
        text = text.replace(value, " ")
    text = re.sub(r"\S+@\S+|https?://\S+|/[\w/.-]+", " ", text)  # e-mail addresses, URLs, paths
    words = re.findall(r"(?<![A-Za-z0-9_.-])[A-Za-z][A-Za-z'-]{2,}(?![A-Za-z0-9_])", text)
    return [w for w in words if w not in ALLOWED_WORDS]


class PageChecker:
    """The checks of one page's visible text (see the walking test's docstring)."""

    def __init__(self, data_values=()):
        self.phrases = _english_phrases(project_strings())
        self.values = sorted({v for v in data_values if v} | third_party_strings(), key=len, reverse=True)

    def findings(self, url: str, html: str) -> tuple[list[Finding], list[str]]:
        text, links = page_text(html)
        found: list[Finding] = []
        if not is_project_page(urlsplit(url).path):
            return found, links
        for m in _INTERNAL_CODE.finditer(text):
            found.append(Finding(url, "internal code", text[m.start():m.start() + 30]))
        for m in _UNKNOWN_ACTOR.finditer(text):  # common.display.actor_text found no name for a code
            found.append(Finding(url, "actor not shown by name", text[m.start():m.start() + 40]))
        for value in self.values:
            text = text.replace(value, " ")
        found += [Finding(url, "project string not translated", m.group(0)) for m in self.phrases.finditer(text)]
        found += [Finding(url, "English word", word) for word in _leftover_words(text, [])]
        found += [Finding(url, "date in another format", m.group(0)) for m in _DATE_IN_OTHER_FORMAT.finditer(text)]
        return found, links


def admin_walk(client, *, start: str = "/admin/", extra_urls=(), data_values=(), max_per_view: int = 3,
               language: str = "zh-hans") -> Walk:
    """Open the admin index and every admin page reachable from it by links (changelists, their
    filters, add forms, change forms, history, custom views), at most `max_per_view` pages per
    URL name; check each HTML page's visible text."""
    from django.urls import Resolver404, resolve

    checker = PageChecker(data_values)
    walk = Walk()
    per_view: Counter = Counter()
    queue = [start, *extra_urls]
    seen = set(queue)
    while queue:
        url = queue.pop(0)
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            continue
        view_key = match.view_name or match.route
        if per_view[view_key] >= max_per_view:
            continue
        per_view[view_key] += 1
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        walk.visited[url] = response.status_code
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        found, links = checker.findings(url, response.content.decode())
        walk.findings += found
        for link in links:
            link = urldefrag(link)[0]
            if link.startswith("?"):
                link = urlsplit(url).path + link
            if link.startswith("/admin/") and link not in seen and not SKIPPED_URL.search(link) \
                    and is_project_page(urlsplit(link).path):  # other apps' pages are not checked
                seen.add(link)
                queue.append(link)
    return walk


def report(walk: Walk) -> str:
    lines = []
    grouped: dict[tuple[str, str], list[str]] = {}
    for f in walk.findings:
        grouped.setdefault((f.problem, f.text), []).append(f.url)
    for (problem, text), urls in sorted(grouped.items()):
        lines.append(f"{problem}: {text!r} on {len(urls)} page(s), e.g. {urls[0]}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client

    c = Client()
    c.force_login(User.objects.get(username=sys.argv[1] if len(sys.argv) > 1 else "clerk"))
    w = admin_walk(c)
    print(f"{len(w.visited)} pages")
    for u, s in w.visited.items():
        if s != 200:
            print(s, u)
    print(report(w))
