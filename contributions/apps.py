from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _system_actor(rest: str) -> str | None:
    """"system:art62", the daily Art. 62 assessment (contributions.services.assessment.ACTOR), by name."""
    return gettext("system (Art. 62 assessment)") if rest == "art62" else None


class ContributionsConfig(AppConfig):
    """Contribution records (issue 11): declarations, lines, charges; payments and arrears."""

    name = "contributions"
    verbose_name = _("Contributions")

    def ready(self):
        from common.display import actor_resolver_register

        actor_resolver_register("system", _system_actor)
        from contributions.selectors.arrears import employer_unsettled_blocker
        from employers.hooks import cancellation_check_register

        cancellation_check_register(employer_unsettled_blocker)

        from contributions.admin.panels import register_panels

        register_panels()

        from common.problems import problem_type_register
        from contributions.problems import CONTRIBUTION_PROBLEM_TYPES

        for slug, (title, text) in CONTRIBUTION_PROBLEM_TYPES.items():
            problem_type_register(slug, title, text)
