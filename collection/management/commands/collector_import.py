"""Import a collector's file (issue 22, item 2), as an operator: the CSV layout or a camt.053 bank
statement. The same file again changes nothing; a malformed file is refused whole, every bad line
printed, nothing stored (exit status 1).

    manage.py collector_import statement.xml --format camt053
    manage.py collector_import records.csv            # --format csv is the default
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from collection.models import FeedFormat
from collection.services.feed import feed_import
from common.access import Viewer
from common.problems import ApplicationError


class Command(BaseCommand):
    help = "Import a collector's file (CSV layout or camt.053): idempotent, refused whole when malformed."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", choices=[FeedFormat.CSV, FeedFormat.CAMT053], default=FeedFormat.CSV)

    def handle(self, *args, path: str, format: str, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = feed_import(content=file.read_bytes(), format=format, name=file.name, actor=Viewer.system())
        except ApplicationError as refused:
            for error in refused.errors:
                self.stderr.write(f"line {error.get('row') or '-'}: {error['field']}: {error['code']}: "
                                  f"{error['message']}")
            raise CommandError(refused.detail) from None
        if not result.created:
            self.stdout.write(f"{file.name}: imported before (collector file {result.file.pk}); nothing changed")
            return
        self.stdout.write(f"{file.name}: collector file {result.file.pk}: {result.stored} new record(s), "
                          f"{result.applied} applied, {result.to_suspense} to suspense, {result.reversals} "
                          f"reversal(s), {result.seen_before} seen before, {result.conflicts} conflict(s)")
