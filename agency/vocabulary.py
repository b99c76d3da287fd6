"""The vocabulary each app above agency owns and registers here (issue 21 item 7).

agency keeps the engines (deadlines, vouchers, the clerks' groups, the region page); the words of
each feature live in the app of that feature, which registers them from its AppConfig.ready()
(common.registry), so a new feature adds nothing to this floor or to its migrations:

- `deadline_kinds`: the review clocks an app opens, each with the region's terms of it
  (`deadline_rules_register(RefundRule, terms=refund_rule_terms)`); `Deadline.rule` takes its
  choices from here.
- `document_kinds`: the kinds of voucher an app receives (`Document.kind` takes its choices from here).
- `group_permissions`: what each clerks' group may do in an app (agency/groups.py grants them).
- `region_terms_inlines`: each app's per-region terms, shown on the region's admin page.

This module imports no model, so agency/models.py can name its callables as choices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from common.registry import Registry


@dataclass(frozen=True)
class RuleTerms:
    """How long a review may take in a region, and whether the days are working days."""

    days: int
    working_days: bool


@dataclass(frozen=True)
class DeadlineKind:
    rule: str  # the value stored in Deadline.rule
    label: Any  # a lazy translation
    terms: Callable[[Any], RuleTerms]  # region -> its terms of this rule


deadline_kinds: Registry[DeadlineKind] = Registry("agency.deadline_kinds", key=lambda kind: kind.rule)


def deadline_rules_register(rules, *, terms: Callable[[str, Any], RuleTerms]) -> None:
    """Register every member of a TextChoices of deadline rules; `terms(rule, region)` gives its terms."""
    for rule in rules:
        deadline_kinds.register(DeadlineKind(rule=rule.value, label=rule.label,
                                             terms=lambda region, rule=rule.value: terms(rule, region)))


def deadline_rule_choices() -> list[tuple[str, Any]]:
    return [(kind.rule, kind.label) for kind in deadline_kinds]


@dataclass(frozen=True)
class DocumentKindEntry:
    value: str
    label: Any


document_kinds: Registry[DocumentKindEntry] = Registry("agency.document_kinds", key=lambda kind: kind.value)


def document_kinds_register(kinds: Iterable) -> None:
    """Register every member of a TextChoices of voucher kinds."""
    for kind in kinds:
        document_kinds.register(DocumentKindEntry(kind.value, kind.label))


def document_kind_choices() -> list[tuple[str, Any]]:
    return [(kind.value, kind.label) for kind in document_kinds]


@dataclass(frozen=True)
class GroupPermissions:
    app: str
    groups: dict[str, tuple[str, ...]]  # group name -> "app_label.codename" it is granted


group_permissions: Registry[GroupPermissions] = Registry("agency.group_permissions", key=lambda entry: entry.app)


def group_permissions_register(app: str, **groups: Iterable[str]) -> None:
    """What each clerks' group (clerk, reviewer, supervisor, auditor) may do in `app`."""
    group_permissions.register(GroupPermissions(app, {name: tuple(perms) for name, perms in groups.items()}))


# The region's admin page shows each app's terms as an inline (an admin.StackedInline class).
region_terms_inlines: Registry[type] = Registry("agency.region_terms_inlines")
