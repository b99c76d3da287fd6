"""What the apps above `employers` must settle before an employer's registration is cancelled.

`employers` may not import them (insured, contributions, ... build on employers), so each
registers a check in its AppConfig.ready(): staff still on the roll (insured), charges and late
fees unpaid (contributions). The cancellation service refuses while any check reports a blocker,
and the admin shows them all to the reviewer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from common.registry import Registry


@dataclass(frozen=True)
class CancellationBlocker:
    code: str  # stable, English: the key of the problem response's extra field
    count: int  # what is still open (persons, charges, ...)
    label: str  # for the reviewer, translatable
    message: str  # the problem detail, translatable


CancellationCheck = Callable[[int], CancellationBlocker | None]  # employer id -> blocker or None

cancellation_checks: Registry[CancellationCheck] = Registry("employers.cancellation_checks")


def cancellation_check_register(check: CancellationCheck) -> None:
    cancellation_checks.register(check)


def employer_cancellation_blockers(employer_id: int) -> list[CancellationBlocker]:
    return [blocker for check in cancellation_checks if (blocker := check(employer_id)) is not None]
