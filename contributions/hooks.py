"""What the apps above `contributions` do when money settles charges, in the same transaction.

`contributions` may not import them; each registers a function in its AppConfig.ready(). The
individual accounts (accounts/) credit the individual pension part of every line of a charge
the moment the charge is settled (Art. 12: credited when paid, not when declared).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from common.registry import Registry

SettledHook = Callable[[list], None]  # the Allocation rows just written (unsaved ids allowed)

settled_hooks: Registry[SettledHook] = Registry("contributions.settled_hooks")


def settled_hook_register(hook: SettledHook) -> None:
    settled_hooks.register(hook)


def allocations_written(allocations: list) -> None:
    """Called by `charges_settle` after it wrote `allocations`, inside its transaction."""
    if allocations:
        for hook in settled_hooks:
            hook(allocations)


# Lines that net to zero (a correction moving a base between persons of a month) ride on the month's
# latest positive declared charge (contributions.services.declarations). When that charge is paid in
# full already, nothing will settle it again: the apps above post what the lines move now, inside the
# filing's transaction. `accounts` registers the one that credits the individual accounts.
class LinesCarried(Protocol):
    def __call__(self, *, declaration_id: int, employer_id: int, period: date, charge_id: int, on: date,
                 actor: str) -> None: ...


carried_hooks: Registry[LinesCarried] = Registry("contributions.carried_hooks")


def carried_hook_register(hook: LinesCarried) -> None:
    carried_hooks.register(hook)


def lines_carried(*, declaration_id: int, employer_id: int, period: date, charge_id: int, on: date,
                  actor: str) -> None:
    """Called by `declaration_file` for a zero-net filing whose carrier charge is settled already."""
    for hook in carried_hooks:
        hook(declaration_id=declaration_id, employer_id=employer_id, period=period, charge_id=charge_id, on=on,
             actor=actor)


# A month filed (any sequence): the apps above react in the filing's transaction. `disputes` registers
# the one that closes the agency's requests for a correction filing of that month (issue 23, item 2).
FiledHook = Callable[..., object]  # hook(*, declaration, actor)

filed_hooks: Registry[FiledHook] = Registry("contributions.filed_hooks")


def filed_hook_register(hook: FiledHook) -> None:
    filed_hooks.register(hook)


def declaration_filed(*, declaration, actor) -> None:
    """Called by `declaration_file` once the filing, its lines and charges are written."""
    for hook in filed_hooks:
        hook(declaration=declaration, actor=actor)


# Where a payment's money came from, for its receipt (issue 22: receipts are issued from collected
# money). `collection` registers the one origin it knows, the collector's record, in its ready():
# a function of the payment's id answering {transaction_id, value_date, collection_account, bank_name,
# payer_name, payment_reference, matched_by}, or None for a payment no collector's record brought.
ReceiptOrigin = Callable[[int], "dict | None"]

receipt_origins: Registry[ReceiptOrigin] = Registry("contributions.receipt_origins", key=lambda origin: "collected")


def receipt_origin(payment_id: int) -> dict | None:
    for origin in receipt_origins:
        found = origin(payment_id)
        if found is not None:
            return found
    return None
