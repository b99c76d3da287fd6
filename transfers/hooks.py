"""What apps above transfers do when a transfer completes: statements informs the person by their
statement channel. The higher app registers from its AppConfig.ready(); transfers never imports it."""

from __future__ import annotations

from collections.abc import Callable

CompletedHook = Callable[[int], None]
_completed: list[CompletedHook] = []


def transfer_completed_hook_register(hook: CompletedHook) -> None:
    if hook not in _completed:
        _completed.append(hook)


def transfer_completed_hooks_run(transfer_id: int) -> None:
    for hook in _completed:
        hook(transfer_id)
