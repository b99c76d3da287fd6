from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _collector_actor(rest: str) -> str:
    """"collector:<client id>": the collector's system, by name."""
    return gettext("the collector's system (%(client)s)") % {"client": rest}


class CollectionConfig(AppConfig):
    # Money as the collector reports it (issue 22): collection accounts, payment orders, the
    # collector's records, their matching, suspense, reversals and the daily reconciliation.
    name = "collection"
    verbose_name = _("Collection")

    def ready(self) -> None:
        from agency.workbench import home_figures_register, supervisor_alert_register
        from collection.auth import collector_client_active
        from collection.problems import COLLECTION_PROBLEM_TYPES
        from collection.reconciliation import reconciliation_alert
        from collection.suspense import suspense_home_figures
        from common.display import actor_resolver_register
        from common.problems import problem_types_register
        from employers.oauth import ClientKind, client_kind_register

        # This app's problem types (the feed's refused file, suspense, payment orders).
        problem_types_register(COLLECTION_PROBLEM_TYPES)
        # The feed (collect): the collector's own client kind with its `collect` scope.
        client_kind_register(ClientKind("collector", collector_client_active, frozenset({"collect"})))
        actor_resolver_register("collector", _collector_actor)
        from collection import schema  # noqa: F401  (registers the collector's OpenAPI security scheme)

        # Suspense and reversals (suspense): the clerk's figures, the supervisor's reconciliation alarm.
        home_figures_register("collection.suspense", suspense_home_figures)
        supervisor_alert_register("collection.reconciliation", reconciliation_alert)

        # Payment orders (orders): their state after the money, the receipts' origin.
        from collection.selectors.orders import payment_collected
        from contributions.hooks import receipt_origins, settled_hook_register

        # Payment orders: paid once a collector's record quoted them and their charges are settled.
        settled_hook_register(_orders_paid_when_settled)
        # Receipts say which collector's record brought the money.
        receipt_origins.register(payment_collected)

        # The clerks' groups' permissions on this app's models (issue 21 item 7): a clerk imports a
        # collector's file (money enters only so) and assigns money in suspense; a reviewer approves an
        # assignment above the region's sum (four eyes).
        from agency.vocabulary import group_permissions_register

        group_permissions_register(
            "collection",
            view=["collection.view_paymentorder", "collection.view_collectorfile", "collection.view_recordconflict",
                  "collection.view_application", "collection.view_suspenseitem", "collection.view_reconciliationday"],
            clerk=["collection.add_collectorfile", "collection.change_suspenseitem",
                   "collection.add_paymentorder", "collection.change_paymentorder"],
            reviewer=["collection.approve_suspenseitem"])


def _orders_paid_when_settled(allocations: list) -> None:
    """Contributions' settled hook: the employers whose charges were just settled are looked at once
    the money's transaction commits (the feed writes the Application that quotes an order after the
    payment is allocated), all of one transaction's employers in one call."""
    from collection.orders import orders_settle_after_commit

    orders_settle_after_commit({a.employer_id for a in allocations if a.employer_id is not None},
                               {a.person_id for a in allocations if a.person_id is not None})
