"""Sessions in PostgreSQL, loaded with their user and second-factor device in one round trip.

Every staff request used to pay three round trips before its view ran: the session (from Redis,
Django's cached_db engine), the user (with their clerk profile and office) and the TOTP device the
session was verified with (bench/lookup_bench.py --profile: about 1.75 ms of a 2.1 ms lookup).
Here the session row (`common.models.Session`) carries its user's and its device's ids as columns,
written whenever the session is saved, and ONE prepared statement (common.hot_paths.CompiledQuery)
reads the row joined with both:

    session LEFT JOIN user (LEFT JOIN clerk profile, office; person login) LEFT JOIN TOTP device

Nothing about the user or the device is held anywhere between requests: they are read afresh with
the session on every request, so a deactivated user, a changed password (the session's hash no
longer matches), a withdrawn or deleted device and the idle time-out (its last-seen time is in the
session) take effect on the next request, exactly as with three separate queries. Django's own
checks decide with what was loaded: `auth.get_user` (backend, active, password hash) and django-otp's
`_finalize_device` (the device is the user's and confirmed). See `preloaded_user` (used by
insured.auth.ViewerModelBackend) and agency.staff_sessions.

Redis holds no copy of sessions any more: a session survives a Redis outage because it never
needed Redis, and a logout during an outage cannot come back with a stale cached copy.

What the user is loaded with (`session_user_relations`) is registered by the apps that define it
(insured: the clerk's profile and office, the person's login), the same select_related() as the
backend's own user load, so either path gives the same user object.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from common.access import Viewer
from common.hot_paths import CompiledQuery
from common.registry import Registry

# The user's select_related() paths (from the user), filled in AppConfig.ready() by the apps above.
session_user_relations: Registry[str] = Registry("common.session_user_relations")

DEVICE_SESSION_KEY = "otp_device_id"  # django_otp.DEVICE_ID_SESSION_KEY
TOTP_DEVICE_LABEL = "otp_totp.totpdevice"


def session_user_relation_register(path: str) -> None:
    session_user_relations.register(path)


def _session_rows(_viewer, key):
    from common.models import Session

    relations = ["otp_device", "user", *(f"user__{path}" for path in session_user_relations)]
    return Session.objects.select_related(*relations).filter(session_key=key)


_session_with_user = CompiledQuery(_session_rows, types=(str,))

_MISSING = object()
# Set only while Django's auth.get_user() runs for one request (agency.staff_sessions): the user id of
# the session and the user loaded with it (None: the row names a user that does not exist).
_preloaded_user: contextvars.ContextVar = contextvars.ContextVar("common.sessions.preloaded_user", default=None)


def totp_device_pk(persistent_id) -> int | None:
    """The TOTP device's primary key from django-otp's persistent id ("otp_totp.totpdevice/12"; older
    ids are full import paths), or None for another kind of device."""
    if not isinstance(persistent_id, str):
        return None
    label, _slash, pk = persistent_id.rpartition("/")
    if label.count(".") > 1:
        parts = label.split(".")
        label = ".".join((parts[-3], parts[-1]))
    return int(pk) if label.lower() == TOTP_DEVICE_LABEL and pk.isdigit() else None


class SessionStore(DBStore):
    """Django's database session store on `common.models.Session`, whose load also brings the
    session's user and device (`loaded_user()`, `loaded_device()`)."""

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._row = None

    @classmethod
    def get_model_class(cls):
        from common.models import Session

        return Session

    def _get_session_from_db(self):
        self._row = None
        key = self.session_key  # None when the cookie's value is not a valid key
        found = _session_with_user.instances(Viewer.system(), key) if key else []
        if not found or found[0].expire_date <= timezone.now():
            self._session_key = None
            return None
        self._row = found[0]
        return self._row

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        obj.user_id = int(user_id) if isinstance(user_id, str | int) and str(user_id).isdigit() else None
        obj.otp_device_id = totp_device_pk(data.get(DEVICE_SESSION_KEY))
        return obj

    def _loaded_row(self):
        """The row this session's data was loaded from, if it is still what the data says."""
        if self._row is None or self._row.session_key != self.session_key:
            return None
        return self._row

    def loaded_user(self, user_id):
        """The user loaded with the session if `user_id` is the one its row names (None if that user does
        not exist); _MISSING when this load did not bring them (the caller loads them itself)."""
        row = self._loaded_row()
        if row is None or row.user_id is None or str(row.user_id) != str(user_id):
            return _MISSING
        return row.user  # select_related(): None when the row names a user that no longer exists

    def loaded_device(self, persistent_id):
        """The TOTP device loaded with the session if it is the one `persistent_id` names (None if that
        device no longer exists); _MISSING otherwise."""
        row, pk = self._loaded_row(), totp_device_pk(persistent_id)
        if row is None or pk is None or row.otp_device_id != pk:
            return _MISSING
        return row.otp_device


MISSING = _MISSING


@contextlib.contextmanager
def users_preloaded(session):
    """While Django's auth.get_user() runs: the user loaded with `session`, for the backend's get_user()."""
    token = _preloaded_user.set(session if isinstance(session, SessionStore) else None)
    try:
        yield
    finally:
        _preloaded_user.reset(token)


def preloaded_user(user_id):
    """For an authentication backend's get_user(): the user loaded with the session of the request
    being authenticated (None: no such user), or MISSING (load them yourself)."""
    session = _preloaded_user.get()
    return MISSING if session is None else session.loaded_user(user_id)


def _session_user(request):
    if not hasattr(request, "_cached_user"):
        with users_preloaded(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, whose `request.user` is the user loaded with the session (`users_preloaded`); Django's
    auth.get_user() still decides (the backend, an active user, the password's session hash)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _session_user(request))
