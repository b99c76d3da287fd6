from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PensionsConfig(AppConfig):
    # The pension the record is for: parameters with their sources, the contribution index, the estimate,
    # the determination at retirement.
    name = "pensions"
    verbose_name = _("Pensions")

    def ready(self) -> None:
        from agency.vocabulary import deadline_rules_register, group_permissions_register, region_terms_inlines
        from agency.workbench import WorkKind, work_kind_register
        from common.outbox import outboxes
        from common.problems import problem_types_register
        from pensions.admin import DeterminationTermsInline, register_panels
        from pensions.problems import PENSION_PROBLEM_TYPES
        from pensions.services.determination import LETTER_OUTBOX
        from pensions.terms import PensionRule, rule_terms

        # This app's vocabulary (issue 21 item 7): its deadline rule, problem types and the clerks' groups'
        # permissions.
        deadline_rules_register(PensionRule, terms=rule_terms)
        problem_types_register(PENSION_PROBLEM_TYPES)
        group_permissions_register(
            "pensions",
            view=["pensions.view_benefitparameter", "pensions.view_localsupplement", "pensions.view_divisor",
                  "pensions.view_agemonthspolicy", "pensions.view_deemedservice", "pensions.view_pensionevent",
                  "pensions.view_determination", "pensions.view_determinationterms",
                  "pensions.view_determinationletter"],
            clerk=["pensions.add_deemedservice", "pensions.add_determination"],
            reviewer=["pensions.approve_determination"],
            supervisor=["pensions.enter_pension_parameters", "pensions.approve_determination"])
        # Those retiring next month (the daily job opens their deadline): the clerk opens each one's
        # determination from the person's deadline.
        work_kind_register(WorkKind(rule=PensionRule.DETERMINATION, label=_("Pension determinations due"),
                                    permission="pensions.add_determination", order=70))
        region_terms_inlines.register(DeterminationTermsInline)
        register_panels()
        outboxes.register(LETTER_OUTBOX)  # the decision letters go by the one outbox (common/outbox.py)
