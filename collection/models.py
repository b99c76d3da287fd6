"""Money as the collector reports it (domain.md, "Where money comes from").

The agency never records money on the payer's word: it learns that money arrived from the
collector's records (the tax authority's collection data, or the collection bank's statement)
on one of the region's collection accounts."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agency.models import history


@pghistory.track(*history())
class CollectionAccount(models.Model):
    """A bank account (or the tax authority's collection channel) into which a region's
    contributions are paid. Reference data a superuser keeps; a value date before `opened_on`
    cannot be true of money on this account."""

    region = models.ForeignKey("agency.Region", on_delete=models.PROTECT, related_name="collection_accounts",
                               verbose_name=_("region"))
    collector = models.CharField(_("collector"), max_length=100,
                                 help_text=_("The tax authority's office or the bank that reports the money."))
    bank_name = models.CharField(_("bank"), max_length=100)
    account_number = models.CharField(_("account number"), max_length=34, unique=True)
    account_name = models.CharField(_("account name"), max_length=100)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    scope_paths = {"region": "region_id"}

    class Meta:
        ordering = ["region", "account_number"]
        verbose_name = _("collection account")
        verbose_name_plural = _("collection accounts")
        constraints = [
            models.CheckConstraint(condition=Q(account_number__regex=r"^[0-9A-Z]{6,34}$"),
                                   name="collection_account_number_format"),
            models.CheckConstraint(condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                                   name="collection_account_closed_after_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number}"
