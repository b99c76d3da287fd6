"""This app's deadline rules and a region's suspension terms (issue 21 item 7: each app owns its vocabulary)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from agency.models import Region
from agency.vocabulary import RuleTerms
from transfers.models import SuspensionTerms

# State Council General Office 2009 No. 66: each step of a transfer within 15 working days.
TRANSFER_STEP_WORKING_DAYS = 15


class TransferRule(models.TextChoices):
    SUSPENSION_REVIEW = "suspension_review", _("suspension of a relationship")
    TRANSFER_ACCEPTANCE = "transfer_acceptance", _("transfer step 1: consent to receive")
    TRANSFER_OUT = "transfer_out", _("transfer step 2: transfer out")
    TRANSFER_COMPLETION = "transfer_completion", _("transfer step 3: completion")


def terms_for(region: Region) -> SuspensionTerms:
    """The region's suspension terms; the defaults when it has no row of its own."""
    return SuspensionTerms.objects.filter(region_id=region.pk).first() or SuspensionTerms(region_id=region.pk)


def rule_terms(rule: str, region: Region) -> RuleTerms:
    if rule == TransferRule.SUSPENSION_REVIEW:
        terms = terms_for(region)
        return RuleTerms(terms.review_days, terms.review_in_working_days)
    return RuleTerms(TRANSFER_STEP_WORKING_DAYS, True)
