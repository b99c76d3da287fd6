"""Collection's permissions for the clerks' groups (agency/groups.py keeps the groups), granted after
every migrate, as agency's own `groups_sync` does."""

from __future__ import annotations

VIEW = ["collection.view_collectionaccount", "collection.view_suspenseitem", "collection.view_collectorrecord",
        "collection.view_collectionevent", "collection.view_reconciliationday"]
CLERK = VIEW + ["collection.change_suspenseitem"]
REVIEWER = CLERK + ["collection.approve_suspenseitem"]
SUPERVISOR = REVIEWER
GRANTS = {"clerk": CLERK, "reviewer": REVIEWER, "supervisor": SUPERVISOR, "auditor": VIEW}


def collection_groups_sync(**_kwargs) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for name, perms in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Q()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))
