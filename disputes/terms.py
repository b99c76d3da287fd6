"""This app's deadline rule and a region's dispute terms (each app owns its vocabulary)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from agency.models import Region
from agency.vocabulary import RuleTerms
from disputes.models import DisputeTerms


class DisputeRule(models.TextChoices):
    DISPUTE_REVIEW = "dispute_review", _("dispute: review and decision")
    CORRECTION_FILING = "correction_filing", _("correction filing requested of an employer")


def terms_for(region: Region | int) -> DisputeTerms:
    """The region's dispute terms; the defaults when it has no row of its own."""
    region_id = getattr(region, "pk", region)
    return DisputeTerms.objects.filter(region_id=region_id).first() or DisputeTerms(region_id=region_id)


def rule_terms(rule: str, region: Region) -> RuleTerms:
    terms = terms_for(region)
    if rule == DisputeRule.CORRECTION_FILING:
        return RuleTerms(terms.filing_days, terms.in_working_days)
    return RuleTerms(terms.review_days, terms.in_working_days)
