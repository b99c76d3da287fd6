from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    # Disputes of a person's record and the clerks' corrections (Order No. 14 of 2011; Art. 74; issue 23).
    name = "disputes"
    verbose_name = _("Disputes and corrections")

    def ready(self) -> None:
        from agency.vocabulary import (
            deadline_rules_register,
            document_kinds_register,
            group_permissions_register,
            region_terms_inlines,
        )
        from agency.workbench import WorkKind, work_kind_register
        from common.problems import problem_types_register
        from disputes.admin import DisputeTermsInline
        from disputes.models import DisputeDocumentKind
        from disputes.problems import DISPUTE_PROBLEM_TYPES
        from disputes.terms import DisputeRule, rule_terms

        deadline_rules_register(DisputeRule, terms=rule_terms)
        document_kinds_register(DisputeDocumentKind)
        problem_types_register(DISPUTE_PROBLEM_TYPES)
        group_permissions_register(
            "disputes",
            view=["disputes.view_dispute", "disputes.view_disputeevent", "disputes.view_correction",
                  "disputes.view_correctionevent", "disputes.view_correctionawaitingapproval",
                  "disputes.view_disputeterms", "disputes.view_correctionrequest",
                  "disputes.view_correctionrequestevent"],
            clerk=["disputes.add_dispute", "disputes.change_dispute", "disputes.add_correction",
                   "disputes.add_correctionrequest", "disputes.change_correctionrequest"],
            reviewer=["disputes.approve_correction", "disputes.change_correction",
                      "disputes.change_correctionawaitingapproval"],
            supervisor=["disputes.approve_final_correction"])
        region_terms_inlines.register(DisputeTermsInline)
        from contributions.hooks import filed_hook_register
        from disputes.services.requests import correction_requests_answer

        filed_hook_register(correction_requests_answer)
        work_kind_register(WorkKind(rule=DisputeRule.CORRECTION_FILING, label=_("Correction filings requested"),
                                    queue="admin:disputes_correctionrequest_changelist",
                                    queue_params={"state__exact": "open"},
                                    permission="disputes.view_correctionrequest", order=81))
        work_kind_register(WorkKind(rule=DisputeRule.DISPUTE_REVIEW, label=_("Disputes to decide"),
                                    queue="admin:disputes_dispute_changelist", queue_params={"open": "1"},
                                    permission="disputes.view_dispute", order=80))
