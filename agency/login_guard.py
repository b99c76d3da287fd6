"""Failed logins and lock-outs: the admin, persons' login and activation, and the OAuth token endpoint.

An account ("clerk", a document number, "client:<id>") is locked after LOGIN_ACCOUNT_FAILURES failures
within LOGIN_FAILURE_WINDOW_MINUTES, an address after LOGIN_ADDRESS_FAILURES; a lock-out lasts
LOGIN_LOCKOUT_MINUTES (0: until lifted), and a supervisor of the account's region lifts it early
(Admin -> Login lock-outs). A successful login clears the account's count. Every failure, refusal,
lock-out and lift is a SecurityEvent row (append-only).

Which region an account belongs to is known to the apps above this one (clerks here, persons in
`insured`, portal clients in `employers`): each registers a resolver in `region_resolvers` from
its AppConfig.ready() (clerks: AgencyConfig.ready()).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from agency import events
from agency.models import ClerkProfile, LoginChannel, LoginThrottle
from common.access import Viewer, scope
from common.registry import Registry

ACCOUNT = "account:"
ADDRESS = "address:"
LIFT_PERMISSION = "agency.lift_loginthrottle"

# account -> region id, or None when the resolver does not know the account.
region_resolvers: Registry[Callable[[str], int | None]] = Registry("agency.login_region_resolvers")


def clerk_region(account: str) -> int | None:
    return (ClerkProfile.objects.filter(user__username=account).values_list("office__region_id", flat=True)
            .first())


def account_region(account: str) -> int | None:
    for resolver in region_resolvers:
        region_id = resolver(account)
        if region_id is not None:
            return region_id
    return None


def _normal(account: str) -> str:
    return (account or "").strip()[:180]


def _locked_now(now) -> Q:
    return Q(locked_at__isnull=False) & (Q(locked_until__isnull=True) | Q(locked_until__gt=now))


def login_lock_find(*, account: str, address: str | None) -> LoginThrottle | None:
    """The lock-out that refuses this account or address now, if any."""
    keys = [ACCOUNT + _normal(account)] + ([ADDRESS + address] if address else [])
    return LoginThrottle.objects.filter(_locked_now(timezone.now()), key__in=keys).first()


def retry_after_seconds(lock: LoginThrottle) -> int:
    """Seconds until the lock-out ends by itself (an hour when only a supervisor can lift it)."""
    if lock.locked_until is None:
        return 3600
    return max(1, math.ceil((lock.locked_until - timezone.now()).total_seconds()))


def login_refused_record(*, channel: str, account: str, address: str | None, lock: LoginThrottle) -> None:
    events.login_refused(channel=channel, account=_normal(account), address=address, region_id=lock.region_id,
                         detail=lock.key)


def _throttle_lock(key: str, region_id: int | None) -> LoginThrottle:
    LoginThrottle.objects.bulk_create([LoginThrottle(key=key, region_id=region_id)], ignore_conflicts=True)
    return LoginThrottle.objects.select_for_update().get(key=key)


@transaction.atomic
def login_failure_record(*, channel: str, account: str, address: str | None) -> LoginThrottle | None:
    """Count a failed login against the account and the address; returns the lock-out it caused, if any."""
    account = _normal(account)
    now = timezone.now()
    region_id = account_region(account) if account else None
    events.login_failed(channel=channel, account=account, address=address, region_id=region_id)
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    lockout = settings.LOGIN_LOCKOUT_MINUTES
    caused = None
    limits = []
    if account:
        limits.append((ACCOUNT + account, settings.LOGIN_ACCOUNT_FAILURES, region_id))
    if address:
        limits.append((ADDRESS + address, settings.LOGIN_ADDRESS_FAILURES, None))
    for key, limit, key_region in limits:
        row = _throttle_lock(key, key_region)
        if row.locked_at is not None and row.locked_until is not None and row.locked_until <= now:
            row.locked_at = row.locked_until = None  # the last lock-out ran out: start afresh
            row.failures, row.window_started_at = 0, None
        if row.window_started_at is None or now - row.window_started_at > window:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        row.last_failure_at = now
        if key_region is not None:
            row.region_id = key_region
        if row.locked_at is None and row.failures >= limit:
            row.locked_at = now
            row.locked_until = now + timedelta(minutes=lockout) if lockout else None
            events.login_locked_out(channel=channel, account=account, address=address, region_id=row.region_id,
                                    detail=f"{key} after {row.failures} failures")
            caused = row
        row.save()
    return caused


def login_success_record(*, channel: str, account: str, address: str | None) -> None:
    """A complete login (second factor included): the account's failures start again from zero."""
    account = _normal(account)
    LoginThrottle.objects.filter(key=ACCOUNT + account, locked_at__isnull=True, failures__gt=0).update(
        failures=0, window_started_at=None)
    events.login_succeeded(channel=channel, account=account, address=address, region_id=account_region(account))


@transaction.atomic
def login_lockout_lift(*, throttle_id: int, viewer: Viewer, user) -> LoginThrottle:
    """A supervisor lifts a lock-out of an account of their region (a superuser: any, addresses too)."""
    if not user.has_perm(LIFT_PERMISSION):
        raise PermissionDenied(gettext("Only a supervisor may lift a lock-out."))
    row = scope(LoginThrottle.objects.select_for_update(), viewer).get(pk=throttle_id)
    was_locked = row.locked_at is not None
    row.failures, row.window_started_at, row.locked_at, row.locked_until = 0, None, None, None
    row.save(update_fields=["failures", "window_started_at", "locked_at", "locked_until"])
    key = row.key
    events.login_lockout_lifted(
        account=key[len(ACCOUNT):] if key.startswith(ACCOUNT) else "",
        address=key[len(ADDRESS):] if key.startswith(ADDRESS) else None, region_id=row.region_id,
        actor=viewer, detail="" if was_locked else "was not locked")
    return row


def channel_for_path(path: str) -> str:
    if path.startswith("/admin/"):
        return LoginChannel.ADMIN
    if path.startswith("/accounts/activate"):
        return LoginChannel.ACTIVATION
    return LoginChannel.PERSON
