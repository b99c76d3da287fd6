"""A clerk acting through the services from the terminal: the one shape of the management commands that do
(`pension_determine`, `dispute_correct`).

    class Command(ClerkCommand):
        def add_arguments(self, parser):
            super().add_arguments(parser)          # --clerk USERNAME
            parser.add_argument(...)

        def act(self, actor: Viewer, **options):   # calls the services as `actor` (the clerk)
            ...

The clerk named is an active staff login, resolved to a `Viewer` as an admin session would be; the services
check its region and permission themselves (entry points), exactly as for the admin. A refusal ends the
command with its problem (`403 permission-denied: ...`), never a traceback.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from common.access import Viewer, viewer_for_user
from common.problems import ApplicationError


def clerk_named(username: str) -> Viewer:
    """The viewer of the active staff login `username` (CommandError when there is none)."""
    user = get_user_model().objects.filter(username=username, is_active=True, is_staff=True).first()
    if user is None:
        raise CommandError(f"no active staff login {username!r}")
    return viewer_for_user(user)


class ClerkCommand(BaseCommand):
    """A management command run as the clerk `--clerk` names; subclasses write `act(actor, **options)`
    (`options["clerk"]` stays the username)."""

    def add_arguments(self, parser):
        parser.add_argument("--clerk", required=True, help="the clerk's username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.act(clerk_named(options["clerk"]), **options)
        except ApplicationError as err:
            raise CommandError(f"{err.status} {err.type_slug}: {err}") from err

    def act(self, actor: Viewer, **options: Any) -> None:
        raise NotImplementedError
