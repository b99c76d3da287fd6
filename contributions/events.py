"""The contribution record's events: one writer, called by every service in its own transaction."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.access import Viewer
from contributions.models import ContributionEvent


class EventKind(models.TextChoices):
    DECLARED = "declared", _("declaration filed")
    CORRECTED = "corrected", _("declaration corrected")
    # h11b: payments, Art. 62 assessments, Art. 58 determinations
    PAYMENT_RECORDED = "payment_recorded", _("payment recorded")
    PROVISIONAL_ASSESSED = "provisional_assessed", _("provisionally assessed (Art. 62)")
    PROVISIONAL_REPLACED = "provisional_replaced", _("provisional charge replaced by the declaration")
    DETERMINATION_PROPOSED = "determination_proposed", _("late-enrolment months determined (Art. 58)")
    DETERMINATION_CONFIRMED = "determination_confirmed", _("determined months confirmed and charged")
    DETERMINATION_REJECTED = "determination_rejected", _("determined months rejected")


def event_record(*, kind: str, employer_id: int, actor: Viewer, period=None, declaration=None,
                 details: dict | None = None) -> ContributionEvent:
    return ContributionEvent.objects.create(
        kind=kind, employer_id=employer_id, period=period, declaration=declaration,
        actor=actor.label(), actor_user_id=actor.user_id, details=details or {})
