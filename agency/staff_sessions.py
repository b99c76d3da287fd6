"""Staff sessions: the second factor (django-otp TOTP) and the idle time-out.

`StaffSessionMiddleware` runs after django-otp's OTPMiddleware. With STAFF_OTP_REQUIRED (on unless
DJANGO_DEBUG), a staff user whose session was not verified by a TOTP device is treated as anonymous
everywhere: the admin shows its login form (password and code), and the API sees no clerk. A staff
session idle longer than STAFF_SESSION_IDLE_SECONDS is ended.
"""

from __future__ import annotations

import contextvars
import time

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from agency import events
from agency.login_guard import channel_for_path, login_failure_record, login_success_record
from agency.models import LoginChannel
from common.access import Viewer
from common.hot_paths import CompiledQuery
from common.security import client_address
from common.sessions import MISSING, SessionStore

LAST_SEEN_KEY = "staff_last_seen"
# The last-seen time is written at most this often (each write is a session save).
LAST_SEEN_RESOLUTION_SECONDS = 30


_totp_device = CompiledQuery(lambda _viewer, pk: TOTPDevice.objects.filter(pk=pk), types=(int,))


_device_session: contextvars.ContextVar = contextvars.ContextVar("agency.staff_sessions.device_session", default=None)


class StaffOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, with the TOTP device loaded with the session (common.sessions).

    Every staff request needs the device its session was verified with. The session's one prepared
    statement brings it along with the user (it is read afresh on every request, so a device withdrawn
    or deleted meanwhile verifies nothing on the next one). A session whose row does not name the device
    (written before the column existed) loads it by a compiled query of its own. The binding checks
    (the device's user and `confirmed`) stay django-otp's (`_finalize_device`).
    """

    def _verify_user_sync(self, request, user):
        token = _device_session.set(getattr(request, "session", None))
        try:
            return super()._verify_user_sync(request, user)
        finally:
            _device_session.reset(token)

    def _device_from_persistent_id(self, persistent_id: str):
        session = _device_session.get()
        if isinstance(session, SessionStore):
            device = session.loaded_device(persistent_id)
            if device is not MISSING:
                return device
        label, _slash, pk = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label != TOTPDevice.model_label() or not pk.isdigit():
            return super()._device_from_persistent_id(persistent_id)
        found = _totp_device.instances(Viewer.system(), int(pk))
        return found[0] if found else None


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            if settings.STAFF_OTP_REQUIRED and not user.is_verified():
                request.user = AnonymousUser()
            else:
                self._idle_check(request, user)
        return self.get_response(request)

    def _idle_check(self, request, user) -> None:
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - int(last_seen) > settings.STAFF_SESSION_IDLE_SECONDS:
            events.session_timed_out(account=user.get_username(), address=client_address(request))
            logout(request)  # flushes the session; request.user becomes anonymous
            return
        if last_seen is None or now - int(last_seen) >= LAST_SEEN_RESOLUTION_SECONDS:
            request.session[LAST_SEEN_KEY] = now


def on_logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    if user.is_staff:
        request.session[LAST_SEEN_KEY] = int(time.time())
    login_success_record(channel=channel_for_path(getattr(request, "path", "") or ""), account=user.get_username(),
                         address=client_address(request))


class LockoutMessageMixin:
    """Says "locked out" instead of "wrong password" when the login guard refused the attempt."""

    locked_message = ""

    def locked_error(self):
        lock = getattr(self.request, "login_lock", None) if self.request is not None else None
        if lock is None:
            return None
        if lock.locked_until is None:
            text = _("Too many failed logins: this account is locked until a supervisor lifts the lock-out.")
            return forms.ValidationError(text, code="locked")
        return forms.ValidationError(
            _("Too many failed logins: logins are refused until %(time)s. A supervisor can lift the lock-out "
              "earlier.") % {"time": date_format(localtime(lock.locked_until), "DATETIME_FORMAT")},
            code="locked")

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            error = self.locked_error()
            if error is not None:
                self.locked_message = error.messages[0]
                raise error
            raise


class StaffLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's login: password, then (when required) the current code of the clerk's TOTP device."""

    otp_token = forms.CharField(label=_("Authenticator code"), required=False, max_length=8,
                                widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                              "inputmode": "numeric"}),
                                help_text=_("The 6-digit code your authenticator app shows for this account."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not settings.STAFF_OTP_REQUIRED:
            del self.fields["otp_token"]

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if settings.STAFF_OTP_REQUIRED and user is not None:
            self._verify_second_factor(user)
        return cleaned

    def _verify_second_factor(self, user) -> None:
        token = (self.cleaned_data.get("otp_token") or "").strip()
        # for_verify locks the devices (SELECT .. FOR UPDATE, so a code is used once): that needs a
        # transaction, which a live request outside the test client's does not have by itself.
        with transaction.atomic():
            if self._device_verified(user, token):
                return
        address = client_address(self.request) if self.request is not None else None
        login_failure_record(channel=LoginChannel.ADMIN, account=user.get_username(), address=address)
        if getattr(self, "_reused", False):  # still a failed login: a replayed code is what an attacker sends
            raise forms.ValidationError(_("This code was used already: wait for the next code in your app."),
                                        code="token_reused")
        raise forms.ValidationError(_("The authenticator code is not correct."), code="invalid_token")

    def _device_verified(self, user, token: str) -> bool:
        devices = list(devices_for_user(user, confirmed=True, for_verify=True))
        if not devices:
            raise forms.ValidationError(
                _("This account has no authenticator enrolled. Ask an administrator to enrol one."),
                code="no_device")
        if not token:
            raise forms.ValidationError(_("Enter the code from your authenticator app."), code="token_required")
        for device in devices:
            if device.verify_token(token):
                user.otp_device = device  # django_otp's user_logged_in receiver stores it in the session
                return True
        self._reused = any(_code_used_before(device, token) for device in devices)
        return False


def _code_used_before(device, token: str) -> bool:
    """The code of the time step a device last accepted: refused (a code is used once), and said so."""
    from django_otp.oath import TOTP

    last_t = getattr(device, "last_t", -1)
    if last_t is None or last_t < 0 or not token.isdigit():
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = device.t0 + last_t * device.step
    return totp.token() == int(token)


class PersonLoginForm(LockoutMessageMixin, AuthenticationForm):
    """Persons' login at /accounts/login/; staff accounts log in at the admin, with their second factor."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_staff:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                        params={"username": self.username_field.verbose_name})
