from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContributionsConfig(AppConfig):
    """Contribution records (issue 11): declarations, lines, charges; payments and arrears."""

    name = "contributions"
    verbose_name = _("Contributions")

    def ready(self):
        from contributions.services.arrears import employer_unsettled_blocker
        from employers.hooks import cancellation_check_register

        cancellation_check_register(employer_unsettled_blocker)

        from contributions.admin.panels import register_panels

        register_panels()
