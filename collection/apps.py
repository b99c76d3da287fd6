from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    # Money as the collector reports it (issue 22): collection accounts, payment orders, the
    # collector's records, their matching, suspense, reversals and the daily reconciliation.
    name = "collection"
    verbose_name = _("Collection")
