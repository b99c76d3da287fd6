"""The session login backend: one query loads the user with what decides their view."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import router

from agency.models import ClerkProfile, Office
from common.hot_paths import fetch_instances
from insured.models import PersonLogin


def user_with_viewer_rows(user_id):
    """The user with their clerk profile and office, and their person login, in one round trip.

    `common.access.viewer_for_user` reads these on every request. Compiling the equivalent
    select_related() query cost more than the query itself (bench/lookup_bench.py), so the
    related objects are cached on the user exactly as select_related() would leave them.
    Nothing is kept between requests: a deactivated clerk or a moved office takes effect on
    the next request.
    """
    user_model = get_user_model()
    t = {m: m._meta.db_table for m in (user_model, ClerkProfile, Office, PersonLogin)}
    found = fetch_instances(
        router.db_for_read(user_model),
        [(user_model, "u"), (ClerkProfile, "cp"), (Office, "o"), (PersonLogin, "pl")],
        f"LEFT JOIN {t[ClerkProfile]} cp ON cp.user_id = u.id LEFT JOIN {t[Office]} o ON o.id = cp.office_id"
        f" LEFT JOIN {t[PersonLogin]} pl ON pl.user_id = u.id",
        "u.id = %s", [int(user_id)])
    if found is None:
        return None
    user, profile, office, login = found
    user_model._meta.get_field("clerk_profile").set_cached_value(user, profile)
    user_model._meta.get_field("person_login").set_cached_value(user, login)
    if profile is not None:
        ClerkProfile._meta.get_field("user").set_cached_value(profile, user)
        ClerkProfile._meta.get_field("office").set_cached_value(profile, office)
    if login is not None:
        PersonLogin._meta.get_field("user").set_cached_value(login, user)
    return user


class ViewerModelBackend(ModelBackend):
    """ModelBackend whose per-request user load also brings the clerk's office and the person's login."""

    def get_user(self, user_id):
        user = user_with_viewer_rows(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
