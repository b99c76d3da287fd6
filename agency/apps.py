from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AgencyConfig(AppConfig):
    name = "agency"
    verbose_name = _("Agency")

    def ready(self):
        from agency.groups import agency_permissions_register, groups_sync
        from agency.models import DocumentKind
        from agency.problems import AGENCY_PROBLEM_TYPES
        from agency.vocabulary import document_kinds_register
        from common.problems import problem_types_register

        agency_permissions_register()
        document_kinds_register(DocumentKind)  # the kinds every app may receive
        problem_types_register(AGENCY_PROBLEM_TYPES)

        # After every app's permissions exist: runs once per migrate, last app's signal suffices.
        post_migrate.connect(groups_sync, dispatch_uid="agency.groups_sync")

        from django.contrib.auth.signals import user_logged_in

        from agency.staff_sessions import on_logged_in

        user_logged_in.connect(on_logged_in, dispatch_uid="agency.login_success")

        from agency import deadlines
        from common.services import deadline_keepers

        deadline_keepers.register(deadlines.KEEPER)  # common.services.transition opens and closes clocks

        from agency.login_guard import clerk_region, region_resolvers

        region_resolvers.register(clerk_region)
