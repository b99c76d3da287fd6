from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    # Lump-sum refunds of the individual account, retirement age and employer clearance.
    name = "refunds"
    verbose_name = _("Refunds and clearance")

    def ready(self) -> None:
        from agency.vocabulary import (
            deadline_rules_register,
            document_kinds_register,
            group_permissions_register,
            region_terms_inlines,
        )
        from common.problems import problem_types_register
        from refunds.admin import RefundTermsInline
        from refunds.models import RefundDocumentKind
        from refunds.problems import REFUND_PROBLEM_TYPES
        from refunds.terms import RefundRule, rule_terms

        # This app's vocabulary (issue 21 item 7): its deadline rules, vouchers, problem types, the
        # clerks' groups' permissions on its models, and its terms on the region's page.
        deadline_rules_register(RefundRule, terms=rule_terms)
        document_kinds_register(RefundDocumentKind)
        problem_types_register(REFUND_PROBLEM_TYPES)
        group_permissions_register(
            "refunds",
            view=["refunds.view_refund", "refunds.view_refundheir", "refunds.view_refundevent",
                  "refunds.view_nationalitynotice", "refunds.view_employermerger",
                  "refunds.view_payoutawaitingapproval", "refunds.view_refundterms"],
            clerk=["refunds.add_refund", "refunds.change_refund"],
            reviewer=["refunds.approve_refund_payout", "refunds.add_employermerger"])
        region_terms_inlines.register(RefundTermsInline)
