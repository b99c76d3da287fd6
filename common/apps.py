from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("Common")

    def ready(self):
        from django.contrib.auth import get_user_model

        from common import tasks  # noqa: F401 (the outbox's task by name: common.outbox.SEND_TASK)
        from common.display import actor_resolver_register, user_actor, user_text

        actor_resolver_register("user", user_actor)

        # A user is shown by name wherever the admin prints one (lists, detail pages, choices,
        # "decided by"); the username is only what they log in with.
        get_user_model().__str__ = user_text
