from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    """Suspension of a relationship and its transfer to another region (转移接续, No. 66)."""

    name = "transfers"
    verbose_name = _("Suspensions and transfers")

    def ready(self):
        from agency.vocabulary import deadline_rules_register, group_permissions_register, region_terms_inlines
        from agency.workbench import WorkKind, work_kind_register
        from common.problems import problem_types_register
        from transfers.admin import SuspensionTermsInline
        from transfers.problems import TRANSFER_PROBLEM_TYPES
        from transfers.terms import TransferRule, rule_terms

        # This app's vocabulary (issue 21 item 7): its deadline rules, the clerks' groups' permissions
        # on its models, its problem types, and its terms on the region's page.
        deadline_rules_register(TransferRule, terms=rule_terms)
        group_permissions_register(
            "transfers",
            view=["transfers.view_suspension", "transfers.view_transfer", "transfers.view_transferevent",
                  "transfers.view_temporaryaccount", "transfers.view_suspensionterms"],
            clerk=["transfers.change_suspension", "transfers.change_transfer"])
        region_terms_inlines.register(SuspensionTermsInline)

        problem_types_register(TRANSFER_PROBLEM_TYPES)

        # The home page's today's work links to these queues, filtered by `due` (the deadlines are also
        # in the deadlines' review queue with every other item).
        work_kind_register(WorkKind(rule=TransferRule.SUSPENSION_REVIEW, label=_("Suspensions to review"),
                                    queue="admin:transfers_suspension_changelist",
                                    permission="transfers.view_suspension", order=60))
        for order, (rule, label, state) in enumerate([
                (TransferRule.TRANSFER_ACCEPTANCE, _("Transfers: consent to receive (step 1)"), "applied"),
                (TransferRule.TRANSFER_OUT, _("Transfers: transfer out (step 2)"), "accepted"),
                (TransferRule.TRANSFER_COMPLETION, _("Transfers: completion (step 3)"), "transferred_out")]):
            work_kind_register(WorkKind(rule=rule, label=label, queue="admin:transfers_transfer_changelist",
                                        queue_params={"state__exact": state}, permission="transfers.view_transfer",
                                        order=61 + order))
