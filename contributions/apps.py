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

        from agency.vocabulary import deadline_rules_register, document_kinds_register, group_permissions_register
        from common.problems import problem_types_register
        from contributions.models import PaymentDocumentKind
        from contributions.problems import CONTRIBUTIONS_PROBLEM_TYPES
        from contributions.terms import DeterminationRule
        from insured.terms import rule_terms as staffing_rule_terms

        # This app's vocabulary (issue 21 item 7): its deadline rule (reviewed in the region's staffing
        # review days), its voucher, its problem types and the clerks' groups' permissions on its models.
        deadline_rules_register(DeterminationRule, terms=staffing_rule_terms)
        document_kinds_register(PaymentDocumentKind)
        problem_types_register(CONTRIBUTIONS_PROBLEM_TYPES)
        group_permissions_register(
            "contributions",
            view=["contributions.view_payment", "contributions.view_allocation", "contributions.view_charge",
                  "contributions.view_employerarrears", "contributions.view_determination",
                  "contributions.view_determinedmonth", "contributions.view_declaration"],
            clerk=["contributions.change_determination",
                   "contributions.add_declaration"])
