"""Disputes of a person's record (Order No. 14 of 2011; Art. 74; issue 23 item 1).

A person files a dispute of their own record (a month, an employer's month, an account entry, a
statement year) with their account of it and documents as vouchers; a clerk may file one at the
counter on the person's behalf, recording a proxy's written authorisation. The review clock
(DisputeRule.DISPUTE_REVIEW, the region's review days) starts at filing. A clerk of the person's
region decides: confirmed as recorded (with the reasons, as a letter in Chinese, stored as a voucher
the person reads) or corrected (the applied corrections of it, disputes/services/corrections.py).
The person may withdraw an open dispute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import AccountEntry
from agency.deadlines import deadline_open
from agency.documents import document_store, documents_store
from common.access import Kind, Viewer, scope
from common.display import message_data
from common.identifiers import mask_document
from common.problems import NotFound, ValidationFailed
from common.services import PERSON, STAFF, Machine, Step, entry, row_lock, transition
from contributions.models import ContributionLine
from disputes import events
from disputes.letters import letter_pdf
from disputes.models import (
    ACCOUNT_TEXT_MAX,
    OPEN_STATES,
    CorrectionState,
    Dispute,
    DisputeDocumentKind,
    DisputeState,
    SubjectKind,
)
from disputes.problems import refused
from disputes.terms import DisputeRule
from employers.models import Employer
from insured.models import Employment, InsuredPerson

FILE_PERMISSION = "disputes.add_dispute"
DECIDE_PERMISSION = "disputes.change_dispute"
FIRST_MONTH = date(1992, 1, 1)  # the earliest record a dispute can concern (the pension accounts' start)
REVIEW = DisputeRule.DISPUTE_REVIEW
_DECIDERS_ONLY = gettext_lazy("Your group may not decide disputes.")

S = DisputeState
# The only place that says which step may follow which. The review clock runs from the filing to the
# decision; a withdrawal cancels it.
DISPUTE = Machine(gettext_lazy("dispute"), {
    S.FILED: {"review": Step(S.UNDER_REVIEW, events.dispute_review_started),
              "confirm": Step(S.CONFIRMED, events.dispute_confirmed, close=REVIEW),
              "correct": Step(S.CORRECTED, events.dispute_corrected, close=REVIEW),
              "withdraw": Step(S.WITHDRAWN, events.dispute_withdrawn, cancel=REVIEW)},
    S.UNDER_REVIEW: {"confirm": Step(S.CONFIRMED, events.dispute_confirmed, close=REVIEW),
                     "correct": Step(S.CORRECTED, events.dispute_corrected, close=REVIEW),
                     "withdraw": Step(S.WITHDRAWN, events.dispute_withdrawn, cancel=REVIEW)},
}, states=DisputeState, actions={"review": gettext_lazy("taken under review"),
                                 "confirm": gettext_lazy("confirmed"),
                                 "correct": gettext_lazy("corrected"),
                                 "withdraw": gettext_lazy("withdrawn")})


@dataclass(frozen=True)
class Proxy:
    """Who files at the counter for the person: name, identity document and the written authorisation."""

    name: str
    document_number: str
    authorisation: UploadedFile


def _month_check(month, field: str = "month") -> date:
    if not isinstance(month, date):
        raise ValidationFailed.field(field, "required", _("Give the month (YYYY-MM)."))
    month = month.replace(day=1)
    if month < FIRST_MONTH:
        raise ValidationFailed.field(field, "too_early", _("A record before 1992-01 cannot be disputed here."))
    if month > timezone.localdate().replace(day=1):
        raise ValidationFailed.field(field, "future", _("The month is after the current month."))
    return month


def _year_check(year) -> int:
    if not isinstance(year, int) or isinstance(year, bool):
        raise ValidationFailed.field("year", "required", _("Give the statement year."))
    if year < FIRST_MONTH.year or year > timezone.localdate().year:
        raise ValidationFailed.field("year", "out_of_range", _("The year is from 1992 to the current year."))
    return year


def _text_check(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed.field("account_text", "required", _("Say what is wrong in your record."))
    if len(text) > ACCOUNT_TEXT_MAX:
        raise ValidationFailed.field("account_text", "too_long",
                                     _("At most %(n)s characters.") % {"n": ACCOUNT_TEXT_MAX})
    return text


def _deadline_item(dispute: Dispute, person: InsuredPerson) -> dict:
    with translation.override(None):
        what = str(SubjectKind(dispute.subject_kind).label)
    return {"label": f"{person.name} {mask_document(person.document_number)}",
            "text": message_data(gettext_noop("dispute of %(person)s: %(what)s %(subject)s"), translated=("what",),
                                 person=f"{person.name} ({mask_document(person.document_number)})", what=what,
                                 subject=dispute.subject_text())}


def _subject(person: InsuredPerson, subject_kind: str, *, month, employer, entry, year) -> dict:
    """The disputed subject, checked to be the person's own record; one field per kind."""
    if subject_kind == SubjectKind.MONTH:
        return {"month": _month_check(month)}
    if subject_kind == SubjectKind.EMPLOYER_MONTH:
        month = _month_check(month)
        employer_id = getattr(employer, "pk", employer)
        own = (Employment.objects.filter(person=person, employer_id=employer_id).exists()
               or ContributionLine.objects.filter(person_id=person.pk, employer_id=employer_id).exists())
        found = Employer.objects.filter(pk=employer_id).first() if employer_id and own else None
        if found is None:
            raise ValidationFailed.field("employer", "not_found", _("No employer of yours has this id."))
        return {"month": month, "employer": found}
    if subject_kind == SubjectKind.ACCOUNT_ENTRY:
        entry_id = getattr(entry, "pk", entry)
        found = (AccountEntry.objects.filter(pk=entry_id, account__person_id=person.pk).first()
                 if isinstance(entry_id, int) else None)
        if found is None:
            raise ValidationFailed.field("entry", "not_found", _("No entry of your account has this id."))
        return {"entry": found}
    if subject_kind == SubjectKind.STATEMENT_YEAR:
        return {"year": _year_check(year)}
    raise ValidationFailed.field("subject_kind", "invalid_choice",
                                 _("One of: %(choices)s.") % {"choices": ", ".join(SubjectKind.values)})


def dispute_file(*, actor: Viewer, person: InsuredPerson, subject_kind: str, month: date | None = None,
                 employer: Employer | int | None = None, entry: AccountEntry | int | None = None,
                 year: int | None = None, account_text: str,
                 documents: Sequence[tuple[UploadedFile, str]] = (), proxy: Proxy | None = None) -> Dispute:
    """File a dispute of `person`'s record. A person files for themselves; a clerk (disputes.add_dispute)
    at the counter for a person of the region, with `proxy` when someone else brings it (their written
    authorisation is kept as a voucher). Returns the dispute, its review clock started."""
    if actor.kind is Kind.PERSON:
        if actor.person_id != getattr(person, "pk", None):
            raise NotFound(_("No such person is visible to you."))
        if proxy is not None:
            raise ValidationFailed.field("proxy", "not_allowed", _("A proxy files at the agency's counter."))
    text = _text_check(account_text)
    if proxy is not None:
        if not (proxy.name or "").strip() or not (proxy.document_number or "").strip():
            raise ValidationFailed.field("proxy", "required", _("Give the proxy's name and document number."))
        if proxy.authorisation is None:
            raise ValidationFailed.field("proxy.authorisation", "required",
                                         _("The proxy's written authorisation is required."))
    locked = scope(InsuredPerson.objects.select_for_update(), actor).filter(pk=person.pk).select_related("region").first()
    if locked is None:
        raise NotFound(_("No such person is visible to you."))
    subject = _subject(locked, subject_kind, month=month, employer=employer, entry=entry, year=year)
    same = Dispute.objects.filter(person=locked, subject_kind=subject_kind, state__in=OPEN_STATES, **subject).first()
    if same is not None:
        raise refused("dispute-already-open", _("This record is already disputed and awaits its decision."),
                      rule="one open dispute per record", existing=f"/api/v1/me/disputes/{same.pk}",
                      existing_id=same.pk)
    today = timezone.localdate()
    dispute = Dispute.objects.create(
        person=locked, region=locked.region, subject_kind=subject_kind, account_text=text, filed_on=today,
        filed_by=actor.label(), channel="online" if actor.kind is Kind.PERSON else "counter",
        proxy_name=(proxy.name.strip()[:100] if proxy else ""),
        proxy_document=(proxy.document_number.strip().upper()[:30] if proxy else ""), **subject)
    stored = documents_store(documents, region=locked.region, uploaded_by=actor.label(),
                             default_kind=DisputeDocumentKind.DISPUTE_EVIDENCE)
    if proxy is not None:
        stored.append(document_store(file=proxy.authorisation, kind=DisputeDocumentKind.PROXY_AUTHORISATION,
                                     region=locked.region, uploaded_by=actor.label(), field="proxy.authorisation"))
    if stored:
        dispute.documents.add(*stored)
    events.dispute_filed(dispute, actor=actor, documents=[d.pk for d in stored], proxy=proxy is not None)
    deadline_open(rule=REVIEW, subject=dispute, region=locked.region, starts_on=today,
                  **_deadline_item(dispute, locked))
    return dispute


dispute_file = entry(dispute_file, callers=PERSON | STAFF, permission=FILE_PERMISSION,
                     refusal=gettext_lazy("Your group may not record disputes."))


def _lock(dispute: Dispute, actor: Viewer, action: str) -> Dispute:
    """The dispute, locked when the caller may see it (a clerk: the person's region); the step checked first."""
    locked = row_lock(Dispute.objects.all(), dispute.pk, actor=actor, missing=_("No such dispute."),
                      related=("person", "region"))
    DISPUTE.step(locked.state, action)
    return locked


def dispute_review_start(*, dispute: Dispute, actor: Viewer) -> Dispute:
    """A clerk takes the dispute under review (the clock keeps running)."""
    dispute = _lock(dispute, actor, "review")
    transition(DISPUTE, dispute, "review", actor=actor)
    return dispute


dispute_review_start = entry(dispute_review_start, callers=STAFF, permission=DECIDE_PERMISSION,
                             refusal=_DECIDERS_ONLY)


def _reasons_check(reasons: str) -> str:
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationFailed.field("reasons", "required", _("A decision gives its reasons."))
    if len(reasons) > ACCOUNT_TEXT_MAX:
        raise ValidationFailed.field("reasons", "too_long", _("At most %(n)s characters.") % {"n": ACCOUNT_TEXT_MAX})
    return reasons


def dispute_decide_confirmed(*, dispute: Dispute, reasons: str, actor: Viewer) -> Dispute:
    """The record is right: confirmed as recorded, with the reasons, in a letter in Chinese kept as a
    voucher (the person reads it at GET /api/v1/me/disputes/{id}/letter)."""
    reasons = _reasons_check(reasons)
    dispute = _lock(dispute, actor, "confirm")
    dispute.decision_reasons, dispute.decided_at, dispute.decided_by_id = reasons, timezone.now(), actor.user_id
    dispute.letter_number = f"ZY{dispute.region.code}{dispute.decided_at:%Y}{dispute.pk:08d}"
    data = letter_pdf(dispute)
    dispute.letter = document_store(file=SimpleUploadedFile(f"dispute-letter-{dispute.pk}.pdf", data, "application/pdf"),
                                    kind=DisputeDocumentKind.DISPUTE_LETTER, region=dispute.region,
                                    uploaded_by=actor.label())
    transition(DISPUTE, dispute, "confirm", actor=actor, letter=dispute.letter.pk,
               fields=["decision_reasons", "decided_at", "decided_by", "letter_number", "letter"])
    return dispute


dispute_decide_confirmed = entry(dispute_decide_confirmed, callers=STAFF, permission=DECIDE_PERMISSION,
                                 refusal=_DECIDERS_ONLY)


def dispute_decide_corrected(*, dispute: Dispute, reasons: str, actor: Viewer) -> Dispute:
    """The record was wrong and is corrected: the dispute's corrections (disputes.Correction, each
    written by a lower app's service) are applied and none awaits its approval."""
    reasons = _reasons_check(reasons)
    dispute = _lock(dispute, actor, "correct")
    states = list(dispute.corrections.values_list("pk", "state"))
    applied = [pk for pk, state in states if state == CorrectionState.APPLIED]
    if not applied or any(state == CorrectionState.PROPOSED for _pk, state in states):
        raise refused("dispute-corrections-missing",
                      _("Apply the corrections of this dispute first (none applied, or one awaits approval)."),
                      rule="a correction is new entries that reverse and replace")
    dispute.decision_reasons, dispute.decided_at, dispute.decided_by_id = reasons, timezone.now(), actor.user_id
    transition(DISPUTE, dispute, "correct", actor=actor, corrections=applied,
               fields=["decision_reasons", "decided_at", "decided_by"])
    return dispute


dispute_decide_corrected = entry(dispute_decide_corrected, callers=STAFF, permission=DECIDE_PERMISSION,
                                 refusal=_DECIDERS_ONLY)


def dispute_withdraw(*, dispute: Dispute, actor: Viewer) -> Dispute:
    """The person withdraws their open dispute (a clerk records it at the counter)."""
    dispute = _lock(dispute, actor, "withdraw")
    transition(DISPUTE, dispute, "withdraw", actor=actor)
    return dispute


dispute_withdraw = entry(dispute_withdraw, callers=PERSON | STAFF, permission=FILE_PERMISSION,
                         refusal=gettext_lazy("Your group may not record disputes."))
