"""The security audit trail (GB/T 22239 level 3): every SecurityEvent is written here.

One named function per kind, called where the thing happens (the login guard, the staff session
middleware, the persons' logins, the employers' API clients, the deadlines' assignment), inside
the transaction of the change it records where there is one. The table is append-only (a trigger
refuses UPDATE and DELETE). `account` is whose login it concerns (a username, a document number,
`client:<id>`), `actor` the clerk who acted (Viewer.label()), empty when the account acted itself.
"""

from __future__ import annotations

from agency.models import LoginChannel, SecurityEvent, SecurityEventKind
from common.access import Viewer

K = SecurityEventKind


def _write(kind: str, *, channel: str = "", account: str = "", address: str | None = None,
           region_id: int | None = None, actor: Viewer | None = None, detail: str = "") -> SecurityEvent:
    return SecurityEvent.objects.create(kind=kind, channel=channel, account=account[:200], address=address,
                                        region_id=region_id, actor=actor.label()[:100] if actor else "",
                                        detail=detail[:300])


# --- logins (agency.login_guard) -------------------------------------------------------------------

def login_succeeded(*, channel: str, account: str, address: str | None, region_id: int | None) -> SecurityEvent:
    return _write(K.LOGIN_SUCCEEDED, channel=channel, account=account, address=address, region_id=region_id)


def login_failed(*, channel: str, account: str, address: str | None, region_id: int | None) -> SecurityEvent:
    return _write(K.LOGIN_FAILED, channel=channel, account=account, address=address, region_id=region_id)


def login_locked_out(*, channel: str, account: str, address: str | None, region_id: int | None,
                     detail: str) -> SecurityEvent:
    return _write(K.LOCKED_OUT, channel=channel, account=account, address=address, region_id=region_id,
                  detail=detail)


def login_refused(*, channel: str, account: str, address: str | None, region_id: int | None,
                  detail: str) -> SecurityEvent:
    """A login tried while the account or the address is locked out."""
    return _write(K.LOGIN_REFUSED, channel=channel, account=account, address=address, region_id=region_id,
                  detail=detail)


def login_lockout_lifted(*, account: str, address: str | None, region_id: int | None, actor: Viewer,
                         detail: str = "") -> SecurityEvent:
    return _write(K.LOCKOUT_LIFTED, account=account, address=address, region_id=region_id, actor=actor,
                  detail=detail)


# --- staff sessions (agency.staff_sessions) -----------------------------------------------------------

def session_timed_out(*, account: str, address: str | None) -> SecurityEvent:
    return _write(K.SESSION_TIMED_OUT, channel=LoginChannel.ADMIN, account=account, address=address)


# --- persons' logins (insured.logins) -----------------------------------------------------------------

def activation_issued(*, account: str, region_id: int | None, actor: Viewer, detail: str) -> SecurityEvent:
    return _write(K.ACTIVATION_ISSUED, channel=LoginChannel.ACTIVATION, account=account, region_id=region_id,
                  actor=actor, detail=detail)


def activation_used(*, account: str, address: str | None, region_id: int | None, detail: str) -> SecurityEvent:
    return _write(K.ACTIVATION_USED, channel=LoginChannel.ACTIVATION, account=account, address=address,
                  region_id=region_id, detail=detail)


def password_reset_requested(*, account: str, address: str | None, region_id: int | None) -> SecurityEvent:
    return _write(K.PASSWORD_RESET_REQUESTED, channel=LoginChannel.PERSON, account=account, address=address,
                  region_id=region_id)


def password_reset_done(*, account: str, address: str | None, region_id: int | None) -> SecurityEvent:
    return _write(K.PASSWORD_RESET_DONE, channel=LoginChannel.PERSON, account=account, address=address,
                  region_id=region_id)


def person_login_linked(*, account: str, region_id: int | None, actor: Viewer, detail: str) -> SecurityEvent:
    """A supervisor linked a login (user) to a person: from then on it reads that person's record."""
    return _write(K.PERSON_LOGIN_LINKED, channel=LoginChannel.PERSON, account=account, region_id=region_id,
                  actor=actor, detail=detail)


def person_login_unlinked(*, account: str, region_id: int | None, actor: Viewer, detail: str) -> SecurityEvent:
    return _write(K.PERSON_LOGIN_UNLINKED, channel=LoginChannel.PERSON, account=account, region_id=region_id,
                  actor=actor, detail=detail)


# --- employers' API clients (employers.services.clients) ----------------------------------------------

def client_issued(*, account: str, region_id: int | None, actor: Viewer, detail: str) -> SecurityEvent:
    """An employer's portal got a client-credentials client (its secret shown once)."""
    return _write(K.CLIENT_ISSUED, channel=LoginChannel.OAUTH, account=account, region_id=region_id,
                  actor=actor, detail=detail)


def client_revoked(*, account: str, region_id: int | None, actor: Viewer, detail: str) -> SecurityEvent:
    """A client revoked, its tokens deleted: by a clerk, or by the employer's cancelled registration."""
    return _write(K.CLIENT_REVOKED, channel=LoginChannel.OAUTH, account=account, region_id=region_id,
                  actor=actor, detail=detail)


# --- work assignment (agency.deadlines) ---------------------------------------------------------------

def deadline_assigned(*, region_id: int | None, actor: Viewer, detail: str) -> SecurityEvent:
    """Who gave an undecided item to whom: the assignee reads and decides it."""
    return _write(K.DEADLINE_ASSIGNED, region_id=region_id, actor=actor, detail=detail)


# --- retention (insured.retention) -----------------------------------------------------------------

def security_events_purge(*, before) -> int:
    """Delete the events older than `before` (the retention job, past its floor of six months): the one
    delete this table allows, made with its append-only trigger set aside for this statement only."""
    import pgtrigger

    with pgtrigger.ignore("agency.SecurityEvent:security_events_append_only"):
        deleted, _ = SecurityEvent.objects.filter(at__lt=before).delete()
    return deleted


def records_purged(*, detail: str) -> SecurityEvent:
    return _write(K.RECORDS_PURGED, actor=Viewer.system(), detail=detail)
