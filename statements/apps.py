from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    # Art. 74 personal-rights statements: the yearly run, rendering, delivery and verification.
    name = "statements"
    verbose_name = _("Statements")

    def ready(self):
        from statements.admin import register_panels

        register_panels()
        from statements.services.notices import transfer_completed_notify
        from transfers.hooks import transfer_completed_hook_register

        transfer_completed_hook_register(transfer_completed_notify)
        from agency.workbench import supervisor_alert_register
        from statements.services.delivery import uncertain_deliveries_alert

        supervisor_alert_register("statements.uncertain_deliveries", uncertain_deliveries_alert)
