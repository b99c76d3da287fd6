"""Employer registration applications (Art. 57): new, change and cancellation.

An applicant files (REST, or a clerk at the counter through the admin); the
agency reviews within the region's Article 57 term (RegistrationRule.REGISTRATION_REVIEW)
and approves, rejects, or returns the application for correction. Every state
change locks the application row, checks TRANSITIONS, and writes the deadline
change in the same transaction. A new employer has no Employer row until its
application is approved.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency.deadlines import deadline_open, today_in_shanghai
from agency.documents import documents_store
from agency.models import Office, Region
from common.access import Kind, Viewer, scope
from common.dates import date_not_before_establishment, establishment_date_check
from common.identifiers import IdentifierError, uscc_normalise
from common.problems import ApplicationError, Conflict, Duplicate, NotFound, ValidationFailed, one_of_message
from common.services import ANONYMOUS, PERSON, PORTAL, STAFF, Machine, Step, entry, row_lock, transition
from common.text import text_clean
from employers import events
from employers.hooks import employer_cancellation_blockers
from employers.models import (
    ApplicationKind,
    ApplicationState,
    Employer,
    EmployerKind,
    RegistrationApplication,
    RegistrationStatus,
)
from employers.registrations import registration_deadline_item, tracking_token_hash
from employers.services.clients import _revoke_all as _clients_revoke_all
from employers.terms import RegistrationRule

LATE_AFTER_DAYS = 30  # Art. 57: apply within 30 days of establishment or of the change
RULE = RegistrationRule.REGISTRATION_REVIEW

S = ApplicationState
# The only place that says which decision may follow which, what each writes and which clock it
# stops or starts. A returned application may still be rejected, so one the applicant abandons does
# not block its USCC forever (one open application per USCC).
REGISTRATION = Machine(gettext_lazy("application"), {
    S.SUBMITTED: {"approve": Step(S.APPROVED, events.registration_approved, close=RULE),
                  "reject": Step(S.REJECTED, events.registration_rejected, close=RULE),
                  "return": Step(S.RETURNED, events.registration_returned, cancel=RULE)},
    S.RETURNED: {"resubmit": Step(S.SUBMITTED, events.registration_resubmitted, open=RULE),
                 "reject": Step(S.REJECTED, events.registration_rejected)},
}, states=ApplicationState, actions={"approve": gettext_lazy("approved"), "reject": gettext_lazy("rejected"),
                                     "return": gettext_lazy("returned for correction"),
                                     "resubmit": gettext_lazy("resubmitted")})
TRANSITIONS = REGISTRATION.table  # the admin offers the actions open in a state
REVIEW_PERMISSION = "employers.change_registrationapplication"  # the reviewers' group holds it
_REVIEWERS_ONLY = gettext_lazy("Only agency reviewers decide registration applications.")

# Employer text fields an applicant fills in (new) or changes (change), with their maximum length.
_TEXT_FIELDS = {"name": 200, "contact_name": 100, "contact_phone": 30, "contact_email": 254, "address": 300}
CHANGEABLE = ("name", "kind", "contact_name", "contact_phone", "contact_email", "address", "risk_class")

Document = tuple[UploadedFile, str]  # (file, DocumentKind value)


def _actor_label(actor: Viewer, uscc: str) -> str:
    return f"applicant:{uscc}" if actor.kind is Kind.NOBODY else actor.label()


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, status=403, type_slug="permission-denied")


# --- validation shared by submission, resubmission and the admin entry form --------------------

def _uscc(raw: str, *, override_reason: str, actor: Viewer) -> tuple[str, bool]:
    """(code, overridden): a wrong check character passes only with a clerk's recorded reason."""
    try:
        return uscc_normalise(raw), False
    except IdentifierError as err:
        if err.code == "check_character" and override_reason.strip() and actor.is_staff_viewer:
            return uscc_normalise(raw, allow_bad_check=True), True  # a real early code (GB 32100 note)
        extra = {"expected": err.expected} if err.expected else {}
        raise ValidationFailed.field("uscc", err.code, err.message, **extra) from None


def _region(code: str, actor: Viewer) -> Region:
    code = (code or "").strip()
    if not code:
        raise ValidationFailed.field("region_code", "required", _("Give the 6-digit code of the pooling region."))
    region = scope(Region.objects.all(), actor).filter(code=code).first() if actor.is_staff_viewer \
        else Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed.field("region_code", "unknown_region",
                                     (_("Unknown pooling region %(code)r, or not one you serve.")
                                      if actor.kind is Kind.CLERK else _("Unknown pooling region %(code)r."))
                                     % {"code": code})
    if not Office.objects.filter(region=region).exists():
        raise ValidationFailed.field("region_code", "no_office",
                                     _("No agency office serves region %(code)s yet; it cannot take applications.")
                                     % {"code": code})
    return region


def _employer_values(values: dict[str, Any], *, prefix: str, names: dict[str, str] | None = None,
                     partial: bool) -> dict[str, Any]:
    """Check employer fields; `names` maps a field to how the request calls it, for error messages."""
    names = names or {}
    out: dict[str, Any] = {}

    def fail(field: str, code: str, message: str):
        raise ValidationFailed.field(prefix + names.get(field, field), code, message)

    for field, value in values.items():
        if value is None or (value == "" and field in ("kind", "risk_class")):
            continue  # not given
        if field in _TEXT_FIELDS:
            if not isinstance(value, str):
                fail(field, "invalid", _("Must be text."))
            value = text_clean(value, field=prefix + names.get(field, field))
            if len(value) > _TEXT_FIELDS[field]:
                fail(field, "max_length", _("At most %(n)d characters.") % {"n": _TEXT_FIELDS[field]})
            if field == "contact_email" and value:
                try:
                    validate_email(value)
                except DjangoValidationError:
                    fail(field, "invalid", _("Not a valid e-mail address."))
        elif field == "kind":
            if value not in EmployerKind.values:
                fail(field, "invalid_choice", one_of_message(EmployerKind.values))
        elif field == "risk_class":
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 8:
                fail(field, "invalid", _("A work-injury risk class is a whole number from 1 to 8."))
        else:
            fail(field, "unknown_field", _("%(field)s cannot be registered or changed here; one of: %(choices)s.")
                 % {"field": field, "choices": ", ".join(CHANGEABLE)})
        out[field] = value
    if not partial:
        if not out.get("name"):
            fail("name", "required", _("The employer's name is required."))
        if not out.get("kind"):
            fail("kind", "required", _("The kind of employer is required."))
    return out


def _event_date(value: date | None, field: str) -> date:
    """An establishment, change or dissolution date: not in the future, not before 1949."""
    if value is None:
        raise ValidationFailed.field(field, "required", _("Required for this kind of application."))
    return establishment_date_check(value, field=field)


def _late(received_on: date, event_date: date) -> bool:
    return received_on - event_date > timedelta(days=LATE_AFTER_DAYS)


def _filing(kind: str, values: dict[str, Any]) -> tuple[str, date, dict[str, Any]]:
    """A complete, checked filing: (name, event date, data to keep on the application)."""
    if kind == ApplicationKind.NEW:
        fields = _employer_values({"name": values.get("name"), "kind": values.get("employer_kind"),
                                   **{f: values.get(f) for f in ("contact_name", "contact_phone", "contact_email",
                                                                 "address", "risk_class")}},
                                  prefix="", names={"kind": "employer_kind"}, partial=False)
        event = _event_date(values.get("established_on"), "established_on")
        data = {"employer_kind": fields.pop("kind"), "established_on": event.isoformat(), **fields}
        name = data.pop("name")
        for kept in ("uscc_override_reason", "uscc_override_by"):  # carried over on resubmission
            if values.get(kept):
                data[kept] = values[kept]
        return name, event, data
    event = _event_date(values.get("changed_on"), "changed_on")
    date_not_before_establishment(event, values.get("employer_established_on"), field="changed_on")
    if kind == ApplicationKind.CHANGE:
        changes = values.get("changes")
        if not isinstance(changes, dict) or not changes:
            raise ValidationFailed.field("data", "required", _("Give the changed fields in `data`, e.g. "
                                                               '{"name": "...", "address": "..."}.'))
        changes = _employer_values(changes, prefix="data.", partial=True)
        if "name" in changes and not changes["name"]:
            raise ValidationFailed.field("data.name", "blank", _("A name cannot be blank."))
        return values["current_name"], event, {"changed_on": event.isoformat(), "changes": changes}
    reason = (values.get("reason") or "").strip()
    return values["current_name"], event, {"changed_on": event.isoformat(), "reason": reason[:1000]}


def _store_documents(application: RegistrationApplication, documents: Sequence[Document], *,
                     uploaded_by: str) -> None:
    stored = documents_store(documents, region=application.region, uploaded_by=uploaded_by)
    if stored:
        application.documents.add(*stored)


def _employer_for_change(uscc: str, actor: Viewer) -> Employer:
    if actor.kind is Kind.EMPLOYER:
        employer = Employer.objects.select_related("region").get(pk=actor.employer_id)
        if uscc and uscc.strip().upper() != employer.uscc:
            raise ValidationFailed.field("uscc", "not_yours", _("A portal files changes for its own employer only; "
                                                                "leave out `uscc` or give your own."))
    elif actor.is_staff_viewer:
        code = (uscc or "").strip().upper()
        employer = scope(Employer.objects.select_related("region"), actor).filter(uscc=code).first()
        if employer is None:
            raise ValidationFailed.field("uscc", "unknown_employer",
                                         _("No employer with this code is registered in your region."))
    else:
        raise _refuse(_("A change or cancellation is filed by the employer's own portal (OAuth client with the "
                        "write scope) or at an agency office."))
    if employer.registration_status != RegistrationStatus.REGISTERED:
        raise Conflict(_("Only a registered employer can file a change or cancellation."),
                       type_slug="employer-not-registered")
    return employer


def _open_duplicate(uscc: str) -> Duplicate:
    return Duplicate(_("An application for this unified social credit code is already open (submitted or "
                       "returned for correction); follow or correct that one."),
                     errors=[{"field": "uscc", "code": "open_application", "message": _("An application is open.")}])


# --- services ------------------------------------------------------------------------------------

def registration_submit(*, kind: str, actor: Viewer, uscc: str = "", name: str = "", employer_kind: str = "",
                        region_code: str = "", established_on: date | None = None, contact_name: str = "",
                        contact_phone: str = "", contact_email: str = "", address: str = "",
                        risk_class: int | None = None, changed_on: date | None = None,
                        changes: dict[str, Any] | None = None, reason: str = "",
                        documents: Sequence[Document] = (), uscc_override_reason: str = "",
                        ) -> tuple[RegistrationApplication, str]:
    """File an application; returns it with the one-time tracking token (only its hash is kept)."""
    if kind not in ApplicationKind.values:
        raise ValidationFailed.field("kind", "invalid_choice", one_of_message(ApplicationKind.values))
    employer, overridden = None, False
    if kind == ApplicationKind.NEW:
        code, overridden = _uscc(uscc, override_reason=uscc_override_reason, actor=actor)
        region = _region(region_code, actor)
        existing = Employer.objects.filter(uscc=code).only("id", "registration_status").first()
        if existing is not None and existing.registration_status == RegistrationStatus.REGISTERED:
            raise Duplicate(_("An employer with this unified social credit code is already registered; file a "
                              "change instead."),
                            errors=[{"field": "uscc", "code": "registered", "message": _("Already registered.")}])
        current_name = ""
    else:
        employer = _employer_for_change(uscc, actor)
        code, region, current_name = employer.uscc, employer.region, employer.name
    app_name, event, data = _filing(kind, {
        "name": name, "employer_kind": employer_kind, "established_on": established_on,
        "contact_name": contact_name, "contact_phone": contact_phone, "contact_email": contact_email,
        "address": address, "risk_class": risk_class, "changed_on": changed_on, "changes": changes,
        "reason": reason, "current_name": current_name,
        "employer_established_on": employer.established_on if employer is not None else None})
    if overridden:  # kept with the application, copied to the employer on approval
        data["uscc_override_reason"], data["uscc_override_by"] = uscc_override_reason.strip(), actor.user_id
    if RegistrationApplication.objects.filter(uscc=code, state__in=[S.SUBMITTED, S.RETURNED]).exists():
        raise _open_duplicate(code)

    now = timezone.now()
    received_on = timezone.localdate(now)
    token = secrets.token_urlsafe(24)
    label = _actor_label(actor, code)
    try:
        with transaction.atomic():  # a concurrent filing for the same USCC loses cleanly
            application = RegistrationApplication.objects.create(
                kind=kind, employer=employer, region=region, uscc=code, name=app_name, data=data,
                event_date=event, received_at=now, late=_late(received_on, event), applicant=label[:100],
                tracking_token_hash=tracking_token_hash(token))
    except IntegrityError:
        raise _open_duplicate(code) from None
    _store_documents(application, documents, uploaded_by=label[:100])
    deadline_open(rule=RULE, subject=application, region=region, starts_on=received_on,
                  **registration_deadline_item(application))
    events.registration_filed(application, actor=actor, actor_label=label)
    return application, token


# Anyone may file a new registration (an employer has no account before it); a change or a
# cancellation is checked in _employer_for_change (its own portal, or a clerk of its region).
registration_submit = entry(registration_submit, callers=ANONYMOUS | PERSON | PORTAL | STAFF)


def _lock(application: RegistrationApplication, actor: Viewer) -> RegistrationApplication:
    return row_lock(RegistrationApplication.objects.all(), application.pk, actor=actor,
                    missing=_("No such registration application is visible to you."))


def _decide(application: RegistrationApplication, action: str, *, actor: Viewer, reason: str,
            **event_details) -> RegistrationApplication:
    """The latest decision, on the application for the queue; every decision is also an event."""
    before = events.registration_snapshot(application)
    application.decided_by_id = actor.user_id
    application.decided_at = timezone.now()
    application.decision_reason = reason
    transition(REGISTRATION, application, action, actor=actor, before=before, reason=reason,
               fields=["employer", "decided_by", "decided_at", "decision_reason"], **event_details)
    return application


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", "required", _("Give the reason; the applicant reads it."))
    return reason


def registration_resubmit(*, application: RegistrationApplication, actor: Viewer,
                          corrections: dict[str, Any] | None = None,
                          documents: Sequence[Document] = ()) -> RegistrationApplication:
    """The corrected application comes back: submitted again, and the review clock restarts today.

    `corrections` holds the corrected fields only (same names as at filing; `changes` replaces
    the whole set of changed fields). The USCC and region are not corrected here: a wrong one
    is a new application. The caller has checked the applicant's access
    (employers.selectors.registrations.registration_for_applicant).
    """
    application = RegistrationApplication.objects.select_for_update().get(pk=application.pk)
    if actor.kind is Kind.EMPLOYER and application.employer_id != actor.employer_id:
        raise NotFound(_("No such registration application is visible to you."))
    REGISTRATION.step(application.state, "resubmit")  # refused before the corrections are read
    corrections = {k: v for k, v in (corrections or {}).items() if v is not None}
    unknown = set(corrections) - {"name", "employer_kind", "established_on", "contact_name", "contact_phone",
                                  "contact_email", "address", "risk_class", "changed_on", "changes", "reason"}
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed.field(field, "not_correctable",
                                         _("%(field)s cannot be corrected on resubmission.") % {"field": field})
    data = application.data
    if application.kind == ApplicationKind.NEW:
        values = {"name": application.name, **{k: v for k, v in data.items() if k != "established_on"},
                  "established_on": date.fromisoformat(data["established_on"])}
    else:
        values = {"current_name": application.name, "changed_on": date.fromisoformat(data["changed_on"]),
                  "changes": data.get("changes"), "reason": data.get("reason", ""),
                  "employer_established_on": application.employer.established_on if application.employer_id else None}
    values.update(corrections)
    name, event, new_data = _filing(application.kind, values)

    before = events.registration_snapshot(application)
    application.name, application.data, application.event_date = name, new_data, event
    application.late = _late(timezone.localdate(application.received_at), event)
    application.submissions += 1
    # The return decision stays on the application (and in its events) until the next decision.
    label = _actor_label(actor, application.uscc)
    _store_documents(application, documents, uploaded_by=label[:100])
    # The review period restarts today (the return closed the old clock).
    transition(REGISTRATION, application, "resubmit", actor=actor, before=before, actor_label=label,
               fields=["name", "data", "event_date", "late", "submissions"], region=application.region,
               deadline_item=registration_deadline_item(application))
    return application


# The caller has checked the applicant's access (selectors.registration_for_applicant: the token or
# the employer's own portal); a portal is held to its own employer here as well.
registration_resubmit = entry(registration_resubmit, callers=ANONYMOUS | PERSON | PORTAL | STAFF)


def registration_approve(*, application: RegistrationApplication, actor: Viewer,
                         note: str = "") -> RegistrationApplication:
    """Approve: a new employer is registered and numbered; a change is applied; a cancellation
    (only with no open employment) cancels the registration and revokes the portal clients."""
    application = _lock(application, actor)
    REGISTRATION.step(application.state, "approve")  # a decided application is refused before any change
    employer_before = None
    if application.kind == ApplicationKind.NEW:
        application.employer = _register(application, actor)
    else:
        employer = Employer.objects.select_for_update().get(pk=application.employer_id)
        if employer.registration_status != RegistrationStatus.REGISTERED:
            raise Conflict(_("The employer's registration is %(status)s; nothing to change or cancel.")
                           % {"status": employer.get_registration_status_display()}, type_slug="employer-not-registered")
        employer_before = {"registration_status": employer.registration_status,
                           "registration_number": employer.registration_number,
                           **{f: getattr(employer, f) for f in application.data.get("changes", {})}}
        if application.kind == ApplicationKind.CHANGE:
            for field, value in application.data["changes"].items():
                setattr(employer, field, value)
            employer.save()  # pghistory keeps the values before the change
        else:
            _cancel(employer, actor)
        application.employer = employer
    return _decide(application, "approve", actor=actor, reason=(note or "").strip(),
                   employer_before=employer_before)


registration_approve = entry(registration_approve, callers=STAFF, permission=REVIEW_PERMISSION,
                             refusal=_REVIEWERS_ONLY)


def _register(application: RegistrationApplication, actor: Viewer) -> Employer:
    data, region = application.data, application.region
    employer = Employer.objects.select_for_update().filter(uscc=application.uscc).first()
    if employer is not None and employer.registration_status == RegistrationStatus.REGISTERED:
        raise Duplicate(_("An employer with this unified social credit code is already registered."))
    if employer is None:  # the usual case: the employer exists in the registry from its approval on
        employer = Employer(uscc=application.uscc)
    today = today_in_shanghai()
    employer.name, employer.kind, employer.region = application.name, data["employer_kind"], region
    employer.established_on = application.event_date
    for field in ("contact_name", "contact_phone", "contact_email", "address", "risk_class"):
        if data.get(field) not in (None, ""):
            setattr(employer, field, data[field])
    if data.get("uscc_override_reason"):
        employer.uscc_override_reason = data["uscc_override_reason"]
        employer.uscc_override_by_id = data.get("uscc_override_by") or actor.user_id
    employer.registration_status = RegistrationStatus.REGISTERED
    employer.registration_number = _next_registration_number(region, today.year)
    employer.registered_on = today
    employer.save()
    return employer


def _next_registration_number(region: Region, year: int) -> str:
    """<region code><year><6-digit sequence>, e.g. 3101012026000042; serialised per region."""
    with connection.cursor() as cursor:  # released at commit; two approvals never draw the same number
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('employer_registration_number'), %s)", [region.pk])
    prefix = f"{region.code}{year}"
    last = (Employer.objects.filter(registration_number__regex=rf"^{prefix}\d{{6}}$")
            .order_by("-registration_number").values_list("registration_number", flat=True).first())
    sequence = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def _cancel(employer: Employer, actor: Viewer) -> None:
    blockers = employer_cancellation_blockers(employer.pk)
    if blockers:
        raise Conflict(" ".join(str(b.message) for b in blockers), **{b.code: b.count for b in blockers})
    employer.registration_status = RegistrationStatus.CANCELLED
    employer.save()
    _clients_revoke_all(employer, actor=actor)


def registration_reject(*, application: RegistrationApplication, actor: Viewer,
                        reason: str) -> RegistrationApplication:
    reason = _required_reason(reason)
    return _decide(_lock(application, actor), "reject", actor=actor, reason=reason)


registration_reject = entry(registration_reject, callers=STAFF, permission=REVIEW_PERMISSION,
                            refusal=_REVIEWERS_ONLY)


def registration_return(*, application: RegistrationApplication, actor: Viewer,
                        reason: str) -> RegistrationApplication:
    """Back to the applicant for correction; the clock stops and restarts on resubmission."""
    reason = _required_reason(reason)
    return _decide(_lock(application, actor), "return", actor=actor, reason=reason)


registration_return = entry(registration_return, callers=STAFF, permission=REVIEW_PERMISSION,
                            refusal=_REVIEWERS_ONLY)
