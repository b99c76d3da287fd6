"""What the apps above `insured` do when an employment starts or ends, in the staffing service's
transaction, after the relationship has moved.

`insured` may not import them; each registers an `EmploymentHook` in its AppConfig.ready(). The flexible
workers' app (issue 28) records the switch at the month boundary on the relationship (`flexible_stop`
from the employment's first month, `flexible_start` from the month after its last day) and reverses a
month it had charged the person for which is now the employer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from common.access import Viewer
from common.registry import Registry


class EmploymentHook(Protocol):
    def __call__(self, *, employment, relationship, ended: bool, actor: Viewer, channel: str) -> None: ...


@dataclass(frozen=True)
class EmploymentHookEntry:
    name: str
    hook: EmploymentHook


employment_hooks: Registry[EmploymentHookEntry] = Registry("insured.employment_hooks", key=lambda entry: entry.name)


def employment_hook_register(name: str, hook: EmploymentHook) -> None:
    employment_hooks.register(EmploymentHookEntry(name, hook))


def employment_changed(*, employment, relationship, ended: bool, actor: Viewer, channel: str) -> None:
    """Called by the staffing services once an employment opened (`ended=False`) or ended, with the
    relationship of the employer's region (locked; None when there is none active to move)."""
    for entry in employment_hooks:
        entry.hook(employment=employment, relationship=relationship, ended=ended, actor=actor, channel=channel)
