"""One kind of extension point for every upward need: a lower app declares a `Registry` of what
it needs from the apps above it (a hook, a panel, a work kind, an actor's name, a login's region,
a problem type, a credit check); each higher app fills it from its `AppConfig.ready()`, never at
import time, so what is registered does not depend on which module happened to be imported first.

    blockers: Registry[CancellationCheck] = Registry("employers.cancellation_checks")
    # in insured/apps.py, InsuredConfig.ready():
    blockers.register(staff_on_roll_blocker)

Entries are keyed (`key=`): registering the same key again replaces the entry, so a reload never
runs a hook twice. Every registration remembers where it was made; `Registry.misplaced()` lists
those made outside an AppConfig.ready() (tests/fitness/test_registries.py keeps it empty).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable, Iterator
from typing import ClassVar, Generic, TypeVar

T = TypeVar("T")


def _registered_in_ready() -> bool:
    from django.apps import AppConfig

    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "ready" and isinstance(frame.f_locals.get("self"), AppConfig):
            return True
        frame = frame.f_back
    return False


class Registry(Generic[T]):
    every: ClassVar[list[Registry]] = []

    def __init__(self, name: str, *, key: Callable[[T], Hashable] | None = None):
        self.name = name
        self._key = key or (lambda item: item)
        self._entries: dict[Hashable, T] = {}
        self._misplaced: list[str] = []
        Registry.every.append(self)

    def register(self, item: T) -> T:
        if not _registered_in_ready():
            self._misplaced.append(repr(item))
        self._entries[self._key(item)] = item
        return item

    def unregister(self, key: Hashable) -> None:
        self._entries.pop(key, None)

    def get(self, key: Hashable, default: T | None = None) -> T | None:
        return self._entries.get(key, default)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    @classmethod
    def misplaced(cls) -> dict[str, list[str]]:
        """Registrations made outside an AppConfig.ready(), by registry."""
        return {registry.name: list(registry._misplaced) for registry in cls.every if registry._misplaced}
