"""A clerk's correction of a dispute at the terminal, through the same services as the admin.

    manage.py dispute_correct 7 --clerk clerk --amount 120.00 --reasons "2025年3月漏记，已补记。"

As the clerk named (a staff login of the person's region, with the permissions the admin asks for):
takes the dispute under review, proposes a correcting entry of `--amount` yuan for the disputed month
(`disputes.services.corrections.correction_propose`, kind account_entry; applied at once within the
region's four-eyes amount, otherwise it waits for a second clerk and this command says so), and decides
the dispute as corrected with the reasons. With `--supersede`, the statements' supersede sweep runs
next (as beat does every STATEMENT_SUPERSEDE_MINUTES): a year with an issued statement that changed
gets its new version. Prints the correction and, with `--supersede`, the statements reissued.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.management.base import CommandError

from common.access import Viewer
from common.commands import ClerkCommand
from disputes.models import CorrectionState, Dispute, DisputeState
from disputes.services.corrections import correction_propose
from disputes.services.disputes import dispute_decide_corrected, dispute_review_start


class Command(ClerkCommand):
    help = "Correct a dispute as a clerk: a correcting entry of the disputed month, then the decision."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("dispute", type=int)
        parser.add_argument("--amount", required=True, help="the correcting entry, in yuan (signed)")
        parser.add_argument("--reasons", required=True, help="the reasons of the correction and the decision")
        parser.add_argument("--supersede", action="store_true", help="run the statements' supersede sweep after")

    def act(self, actor: Viewer, **options):
        try:
            amount = Decimal(options["amount"])
        except InvalidOperation as err:
            raise CommandError("--amount: give yuan, e.g. 120.00") from err
        dispute = Dispute.objects.filter(pk=options["dispute"]).first()
        if dispute is None:
            raise CommandError(f"no dispute {options['dispute']}")
        if dispute.state == DisputeState.FILED:
            dispute = dispute_review_start(dispute=dispute, actor=actor)
        correction = correction_propose(person=dispute.person, dispute=dispute, kind="account_entry",
                                        amount=amount, month=dispute.month, reason=options["reasons"],
                                        actor=actor)
        if correction.state != CorrectionState.APPLIED:
            self.stdout.write(f"correction {correction.pk} proposed: a second clerk approves it in the admin")
            return
        dispute = dispute_decide_corrected(dispute=dispute, reasons=options["reasons"], actor=actor)
        self.stdout.write(f"dispute {dispute.pk} {dispute.state}: correction {correction.pk} "
                          f"({correction.written_type} {correction.written_id}, {correction.effect} yuan)")
        if options["supersede"]:
            from statements.services.superseding import statement_supersede_sweep

            sweep = statement_supersede_sweep(actor=Viewer.system())
            self.stdout.write(f"statements reissued: {getattr(sweep, 'reissued', 0) if sweep else 0}")
