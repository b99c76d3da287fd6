from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from common.access import Kind, viewer_for_request


class _ViewerKind(BasePermission):
    kinds: tuple[Kind, ...] = ()

    def has_permission(self, request, view) -> bool:
        return viewer_for_request(request).kind in self.kinds


class IsClerk(_ViewerKind):
    message = _("Only agency staff attached to an office may call this.")
    kinds = (Kind.CLERK, Kind.SUPERUSER)


class IsInsuredPerson(_ViewerKind):
    message = _("Only a logged-in insured person may call this.")
    kinds = (Kind.PERSON,)


class IsEmployerPortal(_ViewerKind):
    message = _("Only an employer's portal client may call this.")
    kinds = (Kind.EMPLOYER,)


class IsCollector(_ViewerKind):
    message = _("Only the collector's system may call this.")
    kinds = (Kind.COLLECTOR,)
