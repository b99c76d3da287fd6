from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuredConfig(AppConfig):
    name = "insured"
    verbose_name = _("Insured persons")

    def ready(self):
        from employers.hooks import cancellation_check_register
        from insured.selectors.persons import employer_open_staff_blocker

        cancellation_check_register(employer_open_staff_blocker)

        import insured.logins  # noqa: F401  (registers the persons' account -> region resolver)
