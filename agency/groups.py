"""The clerks' groups and their permissions, kept in step after every migrate.

Each app says what the groups may do with its own models (agency.vocabulary.group_permissions_register,
from its AppConfig.ready()), by level:

- `view`: every group reads it (clerk, reviewer, supervisor, auditor);
- `clerk`: clerks and every group above them (reviewer, supervisor) do it;
- `reviewer`: reviewers and supervisors; `supervisor`: supervisors alone;
- `audit`: what an auditor reads besides `view` (a supervisor gets it through `supervisor`).
"""

from __future__ import annotations

from agency.vocabulary import group_permissions, group_permissions_register

GROUPS = ("clerk", "reviewer", "supervisor", "auditor")
LEVELS = {"clerk": ("view", "clerk"), "reviewer": ("view", "clerk", "reviewer"),
          "supervisor": ("view", "clerk", "reviewer", "supervisor"), "auditor": ("view", "audit")}


def agency_permissions_register() -> None:
    """agency's own models (AgencyConfig.ready())."""
    group_permissions_register(
        "agency",
        view=["agency.view_region", "agency.view_office", "agency.view_contributionrate", "agency.view_averagewage",
              "agency.view_interestrate", "agency.view_calendaryear", "agency.view_calendarday",
              "agency.view_deadline", "agency.view_document", "agency.view_province"],
        clerk=["agency.change_deadline"],
        supervisor=["agency.view_deadlinenotice", "agency.view_loginthrottle", "agency.lift_loginthrottle",
                    "agency.view_securityevent"],
        audit=["agency.view_deadlinenotice", "agency.view_loginthrottle", "agency.view_securityevent"])


def group_permissions_of(name: str) -> list[str]:
    """Every "app_label.codename" the group `name` is granted, by every app that registered."""
    return sorted({perm for entry in group_permissions for level in LEVELS[name]
                   for perm in entry.groups.get(level, ())})


def groups_sync(**_kwargs) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        perms = group_permissions_of(name)
        if not perms:  # an empty Q() would match every permission
            continue
        wanted = Q()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))
