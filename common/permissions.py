from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from common.access import Kind, viewer_for_request


class _ViewerKind(BasePermission):
    kinds: tuple[Kind, ...] = ()

    def has_permission(self, request, view) -> bool:
        return viewer_for_request(request).kind in self.kinds


class IsClerk(_ViewerKind):
    message = _("Only agency staff attached to an office may call this.")
    kinds = (Kind.CLERK, Kind.SUPERUSER)


class IsInsuredPerson(_ViewerKind):
    """A person: by their browser session, or by their app's token (insured.app_login), which must
    hold `read` for a read and `write` for a write, as a portal's does."""

    message = _("Only a logged-in insured person may call this.")
    kinds = (Kind.PERSON,)

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        token = request.auth
        if token is None or not hasattr(token, "allow_scopes"):
            return True  # the browser session
        needed = "read" if request.method in SAFE_METHODS else "write"
        if token.allow_scopes([needed]):
            return True
        self.message = _("The app's token lacks the %(scope)r scope.") % {"scope": needed}
        return False


class IsEmployerPortal(_ViewerKind):
    message = _("Only an employer's portal client may call this.")
    kinds = (Kind.EMPLOYER,)


class IsCollector(_ViewerKind):
    message = _("Only the collector's system may call this.")
    kinds = (Kind.COLLECTOR,)
