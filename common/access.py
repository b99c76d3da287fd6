"""Who is asking, and what they may see: the one place that scopes a query.

Every model that holds scoped rows declares `scope_paths`:
  "region": lookup of the row's region id   (clerks see their office's region); a tuple of
            lookups for a row of several regions (a clerk of any of them sees it)
  "employer": lookup of the employer id      (a portal sees its own employer)
  "person": lookup of the insured person id  (a person sees their own record)
  "region_nullable": rows with no region are visible to every clerk
  "all": reference data, visible to every staff viewer
A viewer kind with no path for a model sees nothing of it.
Admin (ScopedAdminMixin), API views and tasks all call `scope()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet


class Kind(str, Enum):
    SYSTEM = "system"  # scheduled jobs and management commands: all rows
    SUPERUSER = "superuser"
    CLERK = "clerk"
    EMPLOYER = "employer"
    PERSON = "person"
    COLLECTOR = "collector"  # the collector's system (tax authority or bank), sending money records of its region
    NOBODY = "nobody"


@dataclass(frozen=True)
class Viewer:
    kind: Kind
    user_id: int | None = None
    region_id: int | None = None
    office_id: int | None = None
    employer_id: int | None = None
    person_id: int | None = None
    client_id: str | None = None

    @classmethod
    def system(cls) -> "Viewer":
        return cls(Kind.SYSTEM)

    @property
    def sees_everything(self) -> bool:
        return self.kind in (Kind.SYSTEM, Kind.SUPERUSER)

    @property
    def is_staff_viewer(self) -> bool:
        return self.kind in (Kind.SYSTEM, Kind.SUPERUSER, Kind.CLERK)

    def label(self) -> str:
        """Who acted, for audit rows and idempotency ownership."""
        if self.kind is Kind.EMPLOYER:
            return f"client:{self.client_id}"
        if self.kind is Kind.COLLECTOR:
            return f"collector:{self.client_id}"
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return self.kind.value


def viewer_for_user(user) -> Viewer:
    """The viewer behind a Django user (admin sessions, persons' logins)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Viewer(Kind.NOBODY)
    portal = getattr(user, "portal_client", None)
    if portal is not None:  # employers.auth.PortalPrincipal
        return Viewer(Kind.EMPLOYER, employer_id=portal.employer_id, client_id=portal.client_id)
    collector = getattr(user, "collector_client", None)
    if collector is not None:  # collection.auth.CollectorPrincipal
        return Viewer(Kind.COLLECTOR, region_id=collector.region_id, client_id=collector.client_id)
    if user.is_superuser:
        return Viewer(Kind.SUPERUSER, user_id=user.pk)
    if user.is_staff:
        profile = getattr(user, "clerk_profile", None)
        if profile is not None:
            return Viewer(Kind.CLERK, user_id=user.pk, region_id=profile.office.region_id,
                          office_id=profile.office_id)
        return Viewer(Kind.NOBODY, user_id=user.pk)  # staff without an office see nothing
    login = getattr(user, "person_login", None)
    if login is not None:
        return Viewer(Kind.PERSON, user_id=user.pk, person_id=login.person_id)
    return Viewer(Kind.NOBODY, user_id=user.pk)


def viewer_for_request(request) -> Viewer:
    cached = getattr(request, "_viewer", None)
    if cached is None:
        cached = viewer_for_user(getattr(request, "user", None))
        try:
            request._viewer = cached
        except AttributeError:
            pass
    return cached


def scope(queryset: QuerySet, viewer: Viewer) -> QuerySet:
    paths = getattr(queryset.model, "scope_paths", None)
    if paths is None:
        raise TypeError(f"{queryset.model.__name__} declares no scope_paths")
    if viewer.sees_everything:
        return queryset
    if paths.get("all") and viewer.is_staff_viewer:
        return queryset
    if viewer.kind is Kind.CLERK and "region" in paths:
        # A row may belong to several regions (a transfer: the old and the new): a tuple of paths.
        region_paths = paths["region"] if isinstance(paths["region"], tuple) else (paths["region"],)
        condition = Q()
        for path in region_paths:
            condition |= Q(**{path: viewer.region_id})
        if paths.get("region_nullable"):
            condition |= Q(**{f"{region_paths[0]}__isnull": True})
        return queryset.filter(condition)
    if viewer.kind is Kind.EMPLOYER and "employer" in paths:
        return queryset.filter(**{paths["employer"]: viewer.employer_id})
    if viewer.kind is Kind.PERSON and "person" in paths:
        return queryset.filter(**{paths["person"]: viewer.person_id})
    return queryset.none()


def viewer_may(viewer: Viewer, permission: str) -> bool:
    """Whether the viewer may take a decision guarded by the Django permission `permission`
    ("app_label.codename"): scheduled jobs and superusers may; a clerk when their user holds it
    (through their group); portals, persons and nobody never. Decision services call this
    themselves, so the admin, the API and tasks are held to the same rule."""
    if viewer.sees_everything:
        return True
    if viewer.kind is not Kind.CLERK or viewer.user_id is None:
        return False
    user = get_user_model().objects.filter(pk=viewer.user_id, is_active=True, is_staff=True).first()
    return user is not None and user.has_perm(permission)
