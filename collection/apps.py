from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    # Money as the collector reports it (issue 22): collection accounts, payment orders, the
    # collector's records, their matching, suspense, reversals and the daily reconciliation.
    name = "collection"
    verbose_name = _("Collection")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from collection.groups import collection_groups_sync
        from collection.suspense import SUSPENSE_PROBLEM_TYPES
        from common.problems import problem_type_register

        for slug, (title, text) in SUSPENSE_PROBLEM_TYPES.items():
            problem_type_register(slug, title, text)
        post_migrate.connect(collection_groups_sync, dispatch_uid="collection.groups_sync")

        from agency.workbench import home_figures_register, supervisor_alert_register
        from collection.reconciliation import reconciliation_alert
        from collection.suspense import suspense_home_figures

        home_figures_register("collection.suspense", suspense_home_figures)
        supervisor_alert_register("collection.reconciliation", reconciliation_alert)
