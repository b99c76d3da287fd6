"""Import a collector's file (issue 22, item 2), as an operator: the CSV layout or a camt.053 bank
statement. The same file again changes nothing; a malformed file is refused whole, every bad line
printed, nothing stored (exit status 1).

    manage.py collector_import statement.xml --format camt053
    manage.py collector_import records.csv            # --format csv is the default

The file is streamed (never held whole). A file larger than one chunk (COLLECTION_APPLY_CHUNK) is
stored first, then applied chunk by chunk, each its own transaction, the progress printed; killed,
the same command again resumes where it stopped (the database knows what is not applied yet).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from collection.models import FeedFormat
from collection.services.feed import feed_apply, feed_import
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
            with file.open("rb") as stream:
                result = feed_import(content=stream, format=format, name=file.name, actor=Viewer.system())
        except ApplicationError as refused:
            for error in refused.errors:
                self.stderr.write(f"line {error.get('row') or '-'}: {error['field']}: {error['code']}: "
                                  f"{error['message']}")
            raise CommandError(refused.detail) from None
        if result.created:
            self.stdout.write(f"{file.name}: collector file {result.file.pk}: {result.stored} new record(s), "
                              f"{result.applied} applied, {result.to_suspense} to suspense, {result.reversals} "
                              f"reversal(s), {result.seen_before} seen before, {result.conflicts} conflict(s)")
        applied = to_suspense = reversals = 0
        pending = result.pending or not result.created  # again: what a killed import left is applied now
        while pending:
            step = feed_apply(file=result.file, actor=Viewer.system())
            applied, to_suspense, reversals = (applied + step.applied, to_suspense + step.to_suspense,
                                               reversals + step.reversals)
            pending = step.pending
            if applied or to_suspense or reversals:
                self.stdout.write(f"{file.name}: {applied} applied, {to_suspense} to suspense, "
                                  f"{reversals} reversal(s)" + (" so far" if pending else ": done"))
        if not result.created and not (applied or to_suspense or reversals):
            self.stdout.write(f"{file.name}: imported before (collector file {result.file.pk}); nothing changed")
