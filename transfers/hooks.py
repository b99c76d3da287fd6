"""What apps above transfers do when a transfer completes: statements informs the person by their
statement channel. The higher app registers from its AppConfig.ready(); transfers never imports it."""

from __future__ import annotations

from collections.abc import Callable

from common.registry import Registry

CompletedHook = Callable[[int], None]
completed_hooks: Registry[CompletedHook] = Registry("transfers.completed_hooks")


def transfer_completed_hook_register(hook: CompletedHook) -> None:
    completed_hooks.register(hook)


def transfer_completed_hooks_run(transfer_id: int) -> None:
    for hook in completed_hooks:
        hook(transfer_id)
