"""`manage.py flexible_charges`: the beat task's run now (issue 28): every enrolment's months up to the
current one, resumable, nothing twice."""

from django.core.management.base import BaseCommand

from flexible.tasks import flexible_charges_run


class Command(BaseCommand):
    help = "Charge flexible workers' months up to the current one (what the daily beat task does)."

    def handle(self, *args, **options):
        enrolments, months = flexible_charges_run()
        self.stdout.write(f"enrolments: {enrolments}, months charged: {months}")
