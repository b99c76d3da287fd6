"""Staff views of a person's data, logged wherever they happen (Order No. 14 of 2011; README
"What is logged and kept").

`common` sits below the app that keeps the log (insured.RecordAccess), so the log's writer is
registered here by `insured` in its AppConfig.ready(), and every shared entry point calls
`person_views_log`: the admin's detail pages and CSV exports of any model whose `scope_paths` name
a person (common.admin.ScopedAdminMixin), so a page added later is logged without being told to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from common.registry import Registry

# writer(*, person_ids, viewer, kind, detail): the insured app's access log, one entry.
person_views_writers: Registry[Callable[..., None]] = Registry("common.person_views_writer", key=lambda _w: "log")


def person_views_writer_set(writer: Callable[..., None]) -> None:
    person_views_writers.register(writer)


def person_views_log(*, person_ids: Iterable[int], viewer, kind: str, detail: str = "") -> None:
    writer = person_views_writers.get("log")
    if writer is None:  # pragma: no cover - insured is always installed
        raise RuntimeError("No access-log writer is registered (insured.apps).")
    ids = sorted({int(p) for p in person_ids if p is not None})
    if ids:
        writer(person_ids=ids, viewer=viewer, kind=kind, detail=detail)


def person_path(model) -> str | None:
    """The lookup from `model` to its person's id, or None when its rows are not a person's data."""
    paths = getattr(model, "scope_paths", None) or {}
    path = paths.get("person")
    if not path:
        return None
    return "pk" if path == "id" else path
