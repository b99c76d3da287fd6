from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _interest_run_actor(year: str) -> str | None:
    """"interest-run:<year>", the actor of a yearly run's entries, by name in the reader's language."""
    return gettext("interest run %(year)s") % {"year": year} if year.isdigit() else None


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Individual pension accounts")

    def ready(self):
        from accounts.credits import credits_post_for_allocations, credits_post_for_carried_lines
        from accounts.problems import ACCOUNTS_PROBLEM_TYPES
        from common.display import actor_resolver_register
        from common.problems import problem_types_register
        from contributions.hooks import carried_hook_register, settled_hook_register

        settled_hook_register(credits_post_for_allocations)
        carried_hook_register(credits_post_for_carried_lines)
        from accounts.admin import register_panels

        register_panels()
        actor_resolver_register("interest-run", _interest_run_actor)

        problem_types_register(ACCOUNTS_PROBLEM_TYPES)

        from agency.vocabulary import group_permissions_register

        # The clerks' groups' permissions on this app's models (issue 21 item 7).
        group_permissions_register(
            "accounts",
            view=["accounts.view_pensionaccount", "accounts.view_accountentry"],
            reviewer=["accounts.add_accountentry"],
            supervisor=["accounts.view_interestrun", "accounts.add_interestrun", "accounts.view_reconciliationrun",
                        "accounts.view_reconciliationdifference"],
            audit=["accounts.view_interestrun", "accounts.view_reconciliationrun",
                   "accounts.view_reconciliationdifference"])
