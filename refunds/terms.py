"""This app's deadline rules and a region's refund terms (issue 21 item 7: each app owns its vocabulary)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from agency.models import Region
from agency.vocabulary import RuleTerms
from refunds.models import RefundTerms


class RefundRule(models.TextChoices):
    REFUND_AUDIT = "refund_audit", _("refund: audit of the documents")
    REFUND_LIQUIDATION = "refund_liquidation", _("refund: liquidation of the account")
    REFUND_PAYOUT = "refund_payout", _("refund: second approval of the payout")


def terms_for(region: Region) -> RefundTerms:
    """The region's refund terms; the defaults when it has no row of its own."""
    return RefundTerms.objects.filter(region_id=region.pk).first() or RefundTerms(region_id=region.pk)


def rule_terms(rule: str, region: Region) -> RuleTerms:
    terms = terms_for(region)
    days = {RefundRule.REFUND_AUDIT: terms.audit_days, RefundRule.REFUND_LIQUIDATION: terms.liquidation_days,
            RefundRule.REFUND_PAYOUT: terms.payout_days}[rule]
    return RuleTerms(days, terms.in_working_days)
