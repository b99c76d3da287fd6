"""This app's deadline rule and a region's terms of it (issue 21 item 7: each app owns its vocabulary)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from agency.models import Region
from agency.vocabulary import RuleTerms
from employers.models import RegistrationTerms


class RegistrationRule(models.TextChoices):
    REGISTRATION_REVIEW = "registration_review", _("employer registration review (Art. 57)")


def terms_for(region: Region) -> RegistrationTerms:
    """The region's registration terms; the defaults when it has no row of its own."""
    return RegistrationTerms.objects.filter(region_id=region.pk).first() or RegistrationTerms(region_id=region.pk)


def rule_terms(rule: str, region: Region) -> RuleTerms:
    terms = terms_for(region)
    return RuleTerms(terms.review_days, terms.review_in_working_days)
