"""What the apps above `contributions` do when money settles charges, in the same transaction.

`contributions` may not import them; each registers a function in its AppConfig.ready(). The
individual accounts (accounts/) credit the individual pension part of every line of a charge
the moment the charge is settled (Art. 12: credited when paid, not when declared).
"""

from __future__ import annotations

from collections.abc import Callable

SettledHook = Callable[[list], None]  # the Allocation rows just written (unsaved ids allowed)

_settled_hooks: list[SettledHook] = []


def settled_hook_register(hook: SettledHook) -> None:
    if hook not in _settled_hooks:
        _settled_hooks.append(hook)


def allocations_written(allocations: list) -> None:
    """Called by `charges_settle` after it wrote `allocations`, inside its transaction."""
    if allocations:
        for hook in _settled_hooks:
            hook(allocations)
