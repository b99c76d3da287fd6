"""A clerk's determination at retirement at the terminal, through the same services as the admin.

    manage.py pension_determine 310101196605157315 --clerk clerk                 # proposes it
    manage.py pension_determine 310101196605157315 --clerk supervisor --approve  # a second clerk approves

As the clerk named (a staff login of the person's region, with the permission the admin asks for): without
`--approve`, opens the person's determination (`determination_open`) and prints its parts; with it, approves
the person's proposed determination (`determination_approve`: four eyes, so another clerk than the
proposer), after which the decision letter goes by the person's channel (the one outbox, common/outbox.py:
its task after the commit, here run at once as well; nothing is sent twice). A refusal prints its problem.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from common.access import Viewer
from common.commands import ClerkCommand
from common.outbox import outbox_send_due
from insured.models import InsuredPerson
from pensions.models import Determination, DeterminationKind, DeterminationState
from pensions.services.determination import LETTERS, determination_approve, determination_open


class Command(ClerkCommand):
    help = "Open (or, with --approve, approve) a person's pension determination as a clerk."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("document_number")
        parser.add_argument("--approve", action="store_true", help="approve the proposed determination")

    def act(self, actor: Viewer, **options):
        person = InsuredPerson.objects.filter(document_number=options["document_number"].upper()).first()
        if person is None:
            raise CommandError("no such person")
        if options["approve"]:
            row = (Determination.objects.filter(person=person, kind=DeterminationKind.INITIAL,
                                                state=DeterminationState.PROPOSED).first())
            if row is None:
                raise CommandError("no proposed determination of this person")
            row = determination_approve(determination=row, actor=actor)
            outbox_send_due(name=LETTERS, actor=Viewer.system())
        else:
            row = determination_open(person=person, actor=actor)
        self.stdout.write(f"determination {row.pk} {row.state}: {row.retirement_month:%Y-%m}, "
                          f"{row.age_years} years {row.age_months} months, {row.total} a month "
                          f"({', '.join(p['key'] + ' ' + p['amount'] for p in row.parts)})")
