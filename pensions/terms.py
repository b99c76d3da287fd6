"""This app's deadline rule and a region's determination terms (issue 21 item 7: each app owns its
vocabulary).

The determination at retirement (待遇核定) is due when the person reaches the retirement month: the
daily job opens its deadline in the month before, so the workbench lists those due next month; the
approval closes it. How many days the clock runs (and whether they are working days) is the region's
`DeterminationTerms`; a region without a row has the defaults (45 calendar days, to mid-month of the
retirement month)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from agency.models import Region
from agency.vocabulary import RuleTerms
from pensions.models import DeterminationTerms


class PensionRule(models.TextChoices):
    DETERMINATION = "pension_determination", _("pension determination at retirement")


def terms_for(region: Region | int) -> DeterminationTerms:
    """The region's determination terms; the defaults when it has no row of its own."""
    region_id = getattr(region, "pk", region)
    return DeterminationTerms.objects.filter(region_id=region_id).first() or DeterminationTerms(region_id=region_id)


def rule_terms(rule: str, region: Region) -> RuleTerms:
    terms = terms_for(region)
    return RuleTerms(terms.determination_days, terms.in_working_days)
