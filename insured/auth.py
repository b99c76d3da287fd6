"""The session login backend: one query loads the user with what decides their view."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from agency.login_guard import channel_for_path, login_failure_record, login_lock_find, login_refused_record
from common.access import Viewer
from common.hot_paths import CompiledQuery
from common.security import client_address
from common.sessions import MISSING, preloaded_user


def user_with_viewer_rows(user_id):
    """The user with their clerk profile and office, and their person login, in one round trip.

    `common.access.viewer_for_user` reads these on every request. Compiling the select_related()
    query cost more than the query itself (bench/lookup_bench.py), so it is compiled once
    (common.hot_paths.CompiledQuery) and the related objects are cached on the user as the ORM does.
    Nothing is kept between requests: a deactivated clerk or a moved office takes effect on
    the next request.
    """
    found = _user_with_viewer_rows.instances(Viewer.system(), int(user_id))
    return found[0] if found else None


# What `common.access.viewer_for_user` reads from the user; the session's load brings the same
# (registered in InsuredConfig.ready() as common.sessions.session_user_relations).
VIEWER_ROWS = ("clerk_profile__office", "person_login")

_user_with_viewer_rows = CompiledQuery(lambda _viewer, pk: get_user_model().objects
                                       .select_related(*VIEWER_ROWS).filter(pk=pk),
                                       types=(int,))


class ViewerModelBackend(ModelBackend):
    """ModelBackend whose per-request user load also brings the clerk's office and the person's login.

    A password login is refused while the account or the address is locked out (agency.login_guard),
    and every wrong password counts towards a lock-out.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = client_address(request) if request is not None else None
        channel = channel_for_path(request.path if request is not None else "")
        lock = login_lock_find(account=username, address=address)
        if lock is not None:
            login_refused_record(channel=channel, account=username, address=address, lock=lock)
            if request is not None:
                request.login_lock = lock
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            caused = login_failure_record(channel=channel, account=username, address=address)
            if caused is not None and request is not None:
                request.login_lock = caused
        return user

    def get_user(self, user_id):
        user = preloaded_user(user_id)  # loaded with the session, in its one round trip (common.sessions)
        if user is MISSING:
            user = user_with_viewer_rows(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
