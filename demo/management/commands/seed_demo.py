"""Load realistic, reproducible demo data with PostgreSQL COPY.

    manage.py seed_demo --employers 200 --persons 5000 --seed 1 [--if-empty] [--csv-dir DIR]

The same --seed (on the same day: ages are relative to today) gives the same rows.
The registry tables' history triggers fire on COPY as on any insert.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pghistory
import pghistory.config
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED
from django.utils import timezone

from agency.models import AverageWage, Office, Region
from demo import data as demo_data
from employers.models import Employer
from insured.models import InsuredPerson


def copy_rows(table: str, columns, rows, *, on_conflict_skip: bool = False) -> int:
    """COPY rows into `table` (ids left to the table's identity); returns the number of rows inserted.

    With on_conflict_skip the rows go through a temporary table and INSERT ... ON CONFLICT DO
    NOTHING, so a second seeding into a non-empty table skips numbers that already exist.
    """
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        target = table
        if on_conflict_skip:
            target = f"seed_demo_{table}"
            cursor.execute(f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA")
        with cursor.copy(f"COPY {target} ({cols}) FROM STDIN") as copy:
            for chunk in demo_data.copy_text(rows):
                copy.write(chunk)
        if not on_conflict_skip:
            return cursor.rowcount
        cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {target} ON CONFLICT DO NOTHING")
        inserted = cursor.rowcount
        cursor.execute(f"DROP TABLE {target}")
        return inserted


def bulk_session_prepare(history) -> None:
    """Settings for a bulk load in this transaction (both end with it).

    SET CONSTRAINTS ALL IMMEDIATE: the foreign keys are DEFERRABLE INITIALLY DEFERRED, so each
    COPYed row would queue a deferred check until commit. The history triggers call functions
    with EXCEPTION blocks (subtransactions), and PostgreSQL scans the whole deferred-event queue
    whenever a subtransaction aborts: one row costs O(rows so far) and a load O(rows^2), about an
    hour for a million rows. Checked at the end of each statement instead, the queue stays empty.

    The history context is set explicitly because COPY does not pass through Django's execute
    wrappers, where pghistory normally sets it; with it set, the trigger functions also take
    their no-exception path.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SELECT set_config('pghistory.context_id', %s, true), "
                       "set_config('pghistory.context_metadata', %s, true)",
                       [str(history.id), json.dumps(history.metadata, cls=pghistory.config.json_encoder())])


def columns_check(model, columns) -> None:
    """Fail clearly if the model gained a NOT NULL column the generator does not fill."""
    missing = [f.column for f in model._meta.concrete_fields
               if f.column not in columns and not f.primary_key and not f.null
               and f.db_default is NOT_PROVIDED]
    if missing:
        raise CommandError(f"{model._meta.db_table} has NOT NULL columns the demo generator does not fill: "
                           f"{', '.join(missing)} (update demo/data.py).")


class Command(BaseCommand):
    help = ("Create demo regions (with an office and average wages), employers and insured persons, "
            "bulk-loaded with COPY. Reproducible: the same --seed gives the same rows.")

    def add_arguments(self, parser):
        parser.add_argument("--employers", type=int, default=200, help="Number of employers (default 200).")
        parser.add_argument("--persons", type=int, default=5000, help="Number of insured persons (default 5000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing if any employer exists (for `make run`, which calls it every time).")
        parser.add_argument("--csv-dir", metavar="DIR",
                            help="Write the employer and person rows to CSV files in DIR instead of loading them "
                                 "(regions, offices and wages are still ensured in the database: rows refer to "
                                 "their ids).")
        parser.add_argument("--no-analyze", action="store_true", help="Skip ANALYZE after loading.")

    def handle(self, *args, employers: int, persons: int, seed: int, if_empty: bool, csv_dir: str | None,
               no_analyze: bool, **options):
        if employers < 0 or persons < 0:
            raise CommandError("Counts must not be negative.")
        started = time.perf_counter()
        columns_check(Employer, demo_data.EMPLOYER_COLUMNS)
        columns_check(InsuredPerson, demo_data.PERSON_COLUMNS)
        if if_empty and Employer.objects.exists():
            self.stdout.write("seed_demo: employers exist, nothing to do (--if-empty).")
            return
        today = timezone.localdate()
        created_at = timezone.localtime()
        before = (Region.objects.count(), Office.objects.count(), AverageWage.objects.count())
        # The history triggers record this command as the context of every row it creates.
        with transaction.atomic(), pghistory.context(command="seed_demo", seed=seed) as history:
            bulk_session_prepare(history)
            region_ids = demo_data.regions_ensure(today)
            employer_start = Employer.objects.count()
            person_start = InsuredPerson.objects.count()
            employer_rows = demo_data.employer_rows(employers, seed=seed, region_ids=region_ids, today=today,
                                                    created_at=created_at, start=employer_start)
            person_rows = demo_data.person_rows(persons, seed=seed, region_ids=region_ids, today=today,
                                                created_at=created_at, start=person_start)
            if csv_dir:
                out = Path(csv_dir)
                out.mkdir(parents=True, exist_ok=True)
                n_employers = demo_data.write_csv(out / f"{demo_data.EMPLOYER_TABLE}.csv",
                                                  demo_data.EMPLOYER_COLUMNS, employer_rows)
                n_persons = demo_data.write_csv(out / f"{demo_data.PERSON_TABLE}.csv",
                                                demo_data.PERSON_COLUMNS, person_rows)
                verb = f"written to {out}"
            else:
                n_employers = copy_rows(demo_data.EMPLOYER_TABLE, demo_data.EMPLOYER_COLUMNS, employer_rows,
                                        on_conflict_skip=employer_start > 0) if employers else 0
                n_persons = copy_rows(demo_data.PERSON_TABLE, demo_data.PERSON_COLUMNS, person_rows,
                                      on_conflict_skip=person_start > 0) if persons else 0
                if not no_analyze and (n_employers or n_persons):
                    with connection.cursor() as cursor:
                        cursor.execute(f"ANALYZE {demo_data.EMPLOYER_TABLE}, {demo_data.PERSON_TABLE}")
                verb = "loaded"
        after = (Region.objects.count(), Office.objects.count(), AverageWage.objects.count())
        skipped = (employers - n_employers) + (persons - n_persons)
        self.stdout.write(
            f"seed_demo: {n_employers} employers, {n_persons} persons {verb}; "
            f"{len(region_ids)} regions ({after[0] - before[0]} new), {after[1] - before[1]} new offices, "
            f"{after[2] - before[2]} new average wages; seed {seed}"
            + (f"; {skipped} rows skipped as duplicates" if skipped else "")
            + f"; {time.perf_counter() - started:.2f} s")
