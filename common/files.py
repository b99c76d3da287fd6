"""Files written to storage inside a write that may still be refused: removed again when it is.

A database row rolls back with its transaction; the file it names does not. Whatever stores a
file inside `files_removed_on_error()` reports it with `file_stored(...)`, and the files are
deleted when the block raises (and so its transaction rolls back). A refused request leaves
no file on disk."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_stored: ContextVar[list | None] = ContextVar("files_stored", default=None)


@contextmanager
def files_removed_on_error():
    """The outermost block owns the list: a file an inner write stored goes too when an outer step
    fails after it (a service entry point inside another, common.services.entry, or an admin form)."""
    token = _stored.set([]) if _stored.get() is None else None
    try:
        yield
    except BaseException:
        if token is not None:
            for storage, name in _stored.get():
                storage.delete(name)
        raise
    finally:
        if token is not None:
            _stored.reset(token)


def file_stored(storage, name: str) -> None:
    """Called by whatever wrote `name` to `storage`; a no-op outside `files_removed_on_error()`."""
    stored = _stored.get()
    if stored is not None:
        stored.append((storage, name))
