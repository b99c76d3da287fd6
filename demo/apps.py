from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    # Demo data and demo activity for `make run` and the benchmarks: on top of every other app,
    # because it drives them all through their services. Nothing imports it.
    name = "demo"
    verbose_name = _("Demo data")
