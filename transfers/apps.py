from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    # Cross-region transfers (转移接续) arrive with a later issue.
    name = "transfers"
    verbose_name = _("Transfers")
