"""The problem types of disputes and corrections: each names the rule that refuses the request."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.problems import ApplicationError

DISPUTE_PROBLEM_TYPES = {
    "dispute-already-open": (
        _("Dispute already open"),
        _("The same record is already disputed and awaits its decision; see `existing`.")),
    "dispute-letter-not-issued": (
        _("Decision letter not issued"),
        _("A letter is issued when a dispute is confirmed as recorded.")),
    "dispute-corrections-missing": (
        _("No correction applied"),
        _("A dispute is decided as corrected once at least one correction of it is applied and none awaits "
          "approval.")),
    "correction-request-open": (
        _("Correction filing already requested"),
        _("The employer is already asked to correct this person's month; see `existing`.")),
    "correction-four-eyes": (
        _("Second approval by another clerk"),
        _("The clerk who proposed a correction may not approve it; another clerk must.")),
    "correction-period-final": (
        _("The period is final"),
        _("Records older than the region's finality years are final; a correction of them needs a supervisor.")),
}


def refused(slug: str, detail: str, *, rule: str, status: int = 409, **extra) -> ApplicationError:
    return ApplicationError(detail, status=status, type_slug=slug, rule=rule, **extra)
