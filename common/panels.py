"""Extension slots ("panels") on the clerks' file pages: a person's file (insured) and an
employer's file (employers). The app that owns a page creates its registry; any app at the same
level or above registers panels into it from its AppConfig.ready(), so the page's app never
imports the apps that extend it (contributions, accounts, transfers, refunds, statements).

A panel renders itself: `render(request, obj, viewer)` returns safe HTML (render_to_string of a
template), or None when it has nothing to show on this page; a plain str is shown escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from common.registry import Registry

Render = Callable[..., "SafeString | str | None"]


@dataclass(frozen=True)
class Panel:
    key: str  # unique within its page
    title: str | Promise
    render: Render  # render(request, obj, viewer) -> HTML or None
    order: int = 100  # the page's own sections are below 100; later apps' from 100 on
    permission: str | None = None  # shown only to users with it
    wide: bool = False  # spans the page's full width


@dataclass(frozen=True)
class RenderedPanel:
    panel: Panel
    html: SafeString


class PanelRegistry(Registry[Panel]):
    """A page's panels (common.registry): registering a key again replaces it (a reload never
    shows a panel twice)."""

    def __init__(self, page: str):
        super().__init__(f"panels.{page}", key=lambda panel: panel.key)
        self.page = page

    def panels(self) -> list[Panel]:
        return sorted(self, key=lambda p: (p.order, p.key))

    def render(self, request, obj, viewer) -> list[RenderedPanel]:
        shown = []
        for panel in self.panels():
            if panel.permission and not request.user.has_perm(panel.permission):
                continue
            html = panel.render(request, obj, viewer)
            if html is not None:
                shown.append(RenderedPanel(panel, conditional_escape(html)))  # plain str is escaped
        return shown
