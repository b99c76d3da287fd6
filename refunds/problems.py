"""The problem types of refunds: each names the rule that refuses the request."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.problems import ApplicationError

REFUND_PROBLEM_TYPES = {
    "refund-early-withdrawal": (
        _("No early withdrawal (Art. 14)"),
        _("The individual account may not be withdrawn early; only death, retirement age with fewer than the "
          "minimum years, loss of PRC nationality and a foreigner leaving China allow a lump-sum payment "
          "(Order No. 13 of 2011).")),
    "refund-settling-abroad": (
        _("Settling abroad keeps the account"),
        _("Settling abroad alone does not end the insurance relationship; the account is kept (Order No. 13 of 2011).")),
    "refund-under-retirement-age": (
        _("Under the statutory retirement age"),
        _("A refund for too few years is paid only from the statutory retirement age (2024 decision).")),
    "refund-minimum-years-reached": (
        _("Minimum years reached"),
        _("The person has the minimum contribution years for a monthly pension; the account is not paid out.")),
    "refund-open-employment": (
        _("Open employment"),
        _("A person on an employer's roll cannot be paid out; the employer must reduce staff first.")),
    "refund-already-open": (_("Refund already open"), _("The person has a refund under way; see `existing`.")),
    "refund-nationality-notice-missing": (
        _("Notice of the right to keep the account not served"),
        _("On loss of PRC nationality the agency first informs the person in writing that they may keep the "
          "account (Order No. 13 of 2011); serve the notice, then apply.")),
    "refund-not-a-foreigner": (
        _("Not a foreign national"), _("The refund on leaving China is for foreign nationals only.")),
    "refund-no-balance": (_("Nothing to pay"), _("The person has no individual account balance to pay out.")),
    "refund-four-eyes": (
        _("Second approval by another clerk"),
        _("The clerk who prepared a payout may not approve it; another clerk must.")),
}


def refused(slug: str, detail: str, *, rule: str, status: int = 409, **extra) -> ApplicationError:
    return ApplicationError(detail, status=status, type_slug=slug, rule=rule, **extra)
