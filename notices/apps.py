from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    # Art. 60: every insured person's monthly notice and their alerts (issue 28 items 4 and 5).
    name = "notices"
    verbose_name = _("Monthly notices")

    def ready(self):
        import notices.tasks  # noqa: F401  (the Celery app knows the tasks)
        from agency.vocabulary import group_permissions_register
        from common.outbox import outboxes
        from common.problems import problem_types_register
        from notices.problems import NOTICES_PROBLEM_TYPES
        from notices.services.sending import OUTBOXES

        problem_types_register(NOTICES_PROBLEM_TYPES)
        for kind in OUTBOXES:  # the notices and the alerts are sent by the one outbox (common/outbox.py)
            outboxes.register(kind)
        group_permissions_register(
            "notices",
            view=["notices.view_monthlynotice", "notices.view_alert", "notices.view_noticerun",
                  "notices.view_noticeevent", "notices.view_noticepreference"])
