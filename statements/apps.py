from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    # Art. 74 personal-rights statements: the yearly run, rendering, delivery and verification.
    name = "statements"
    verbose_name = _("Statements")

    def ready(self):
        import statements.tasks  # noqa: F401  (the Celery app knows the tasks statements/queue.py names)
        from statements.admin import register_panels

        register_panels()
        from common.outbox import outboxes
        from statements.services.delivery import EMAIL_OUTBOX

        outboxes.register(EMAIL_OUTBOX)  # the e-mails go by the one outbox (common/outbox.py)
        from statements.services.notices import _transfer_completed_notify
        from transfers.hooks import transfer_completed_hook_register

        transfer_completed_hook_register(_transfer_completed_notify)
        from agency.workbench import supervisor_alert_register
        from statements.selectors import uncertain_deliveries_alert

        supervisor_alert_register("statements.uncertain_deliveries", uncertain_deliveries_alert)

        from agency.vocabulary import group_permissions_register

        # The clerks' groups' permissions on this app's models (issue 21 item 7).
        group_permissions_register(
            "statements",
            view=["statements.view_statementrun", "statements.view_statement", "statements.view_delivery",
                  "statements.view_printbatch", "statements.view_statementevent"],
            clerk=["statements.change_delivery"],
            supervisor=["statements.add_statementrun", "statements.change_printbatch"])
