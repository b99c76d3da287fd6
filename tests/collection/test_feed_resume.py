"""A collector file larger than one chunk (issue 22's benchmarks): stored first, applied chunk by
chunk, and an import killed half-way resumes where it stopped when the operator runs it again."""

from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from collection.models import Application, CollectorRecord, SuspenseItem
from collection.services.feed import feed_apply, feed_import
from common.access import Viewer
from contributions.models import Payment
from contributions.selectors.payments import arrears_of
from tests.agency.factories import RegionFactory
from tests.collection.factories import CollectionAccountFactory
from tests.collection.feed import csv_file
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db
SYSTEM = Viewer.system()


def test_a_file_larger_than_a_chunk_is_applied_chunk_by_chunk_and_a_killed_import_resumes(settings, tmp_path):
    settings.COLLECTION_APPLY_CHUNK = 1
    region = RegionFactory()
    account = CollectionAccountFactory(region=region, opened_on=date(2020, 1, 1))
    employer = EmployerFactory(region=region)
    declare(employer, date(2026, 1, 1), "1000.00", due_on=date(2026, 1, 15))
    number = account.account_number
    path = tmp_path / "big.csv"
    path.write_bytes(csv_file((number, "TX-R1", "2026-01-10", "300.00", employer.uscc),
                              (number, "TX-R2", "2026-01-11", "400.00", employer.uscc),
                              (number, "TX-R3", "2026-01-12", "50.00", "nobody")))
    with path.open("rb") as stream:
        result = feed_import(content=stream, format="csv", actor=SYSTEM, name="big.csv")
    assert (result.stored, result.applied, result.pending) == (3, 0, 3)
    assert CollectorRecord.objects.count() == 3 and not Payment.objects.exists()

    first = feed_apply(file=result.file, actor=SYSTEM)  # one chunk, then the worker is killed
    assert (first.applied, first.pending) == (1, 1) and Payment.objects.count() == 1

    out = StringIO()
    call_command("collector_import", str(path), stdout=out)  # the operator runs the same file again
    assert "done" in out.getvalue()
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [D("300.00"), D("400.00")]
    assert Application.objects.count() == 2 and SuspenseItem.objects.get().amount == D("50.00")
    assert arrears_of(SYSTEM, employer_id=employer.pk, on=date(2026, 1, 12)).principal == D("300.00")

    again = StringIO()
    call_command("collector_import", str(path), stdout=again)
    assert "nothing changed" in again.getvalue() and Payment.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_skips_the_records_another_holds_and_no_record_is_applied_twice(settings):
    """feed_apply on two processes (issue 22's benchmark, `--workers 2`): records another transaction
    holds are skipped, not waited for, and taken once that transaction is over."""
    import psycopg
    from django.db import connection

    settings.COLLECTION_APPLY_CHUNK = 2
    region = RegionFactory()
    account = CollectionAccountFactory(region=region, opened_on=date(2020, 1, 1))
    employers = [EmployerFactory(region=region) for _ in range(2)]
    number = account.account_number
    result = feed_import(content=csv_file(*[(number, f"TX-W{n}", "2026-01-10", "100.00", employers[n // 3].uscc)
                                            for n in range(6)]), format="csv", actor=SYSTEM, name="w.csv")
    assert (result.stored, result.pending) == (6, 6)
    held = list(CollectorRecord.objects.order_by("id").values_list("pk", flat=True)[:2])
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"] or None, dbname=db["NAME"]) as other:
        other.execute("SELECT id FROM collection_collectorrecord WHERE id = ANY(%s) FOR UPDATE", [held])
        second = feed_apply(actor=SYSTEM)  # the other worker holds the first chunk
        assert second.applied == 2
        assert set(Application.objects.values_list("record_id", flat=True)).isdisjoint(held)
    while feed_apply(actor=SYSTEM).pending:  # the other worker let go without applying them
        pass
    assert sorted(Application.objects.values_list("record_id", flat=True)) == sorted(
        CollectorRecord.objects.values_list("pk", flat=True))
    assert Payment.objects.count() == 6
