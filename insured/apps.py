from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuredConfig(AppConfig):
    name = "insured"
    verbose_name = _("Insured persons")
