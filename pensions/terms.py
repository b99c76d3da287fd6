"""This app's deadline rules (issue 21 item 7: each app owns its vocabulary).

The determination at retirement (待遇核定) is due when the person reaches the retirement month: the
monthly job opens its deadline in the month before, so the workbench lists those due next month; the
approval closes it. The term is the same in every region (the pension is paid from the retirement
month), so it has no per-region row."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from agency.models import Region
from agency.vocabulary import RuleTerms

DETERMINATION_DAYS = 45  # from the first day of the month before the retirement month to mid-month of it


class PensionRule(models.TextChoices):
    DETERMINATION = "pension_determination", _("pension determination at retirement")


def rule_terms(rule: str, region: Region) -> RuleTerms:
    return RuleTerms(DETERMINATION_DAYS, False)
