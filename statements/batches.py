"""A print batch's files for the print shop: its letters in postal-code order, the merged PDF and the
manifest (the same bytes every time), and where they are stored."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings

from common.pdf import Document
from common.replicas import primary_reads, replica_reads
from common.spreadsheet import csv_writer
from insured.models import InsuredPerson
from statements.models import Delivery, PrintBatch, Statement
from statements.render import statement_draw


def batch_letters(batch: PrintBatch) -> list[tuple[Delivery, Statement, str]]:
    """The batch's letters in postal-code order, with each person's name for the manifest.

    Snapshots are written once and never changed, so they are read from the replica when one is
    configured (common.replicas); a replica that does not yet hold all of the batch's letters (or their
    persons) is not used: the primary is read instead."""
    with replica_reads():
        letters = _letters(batch)
    if letters is None or len(letters) != batch.letters:
        with primary_reads():
            letters = _letters(batch)
    return letters or []


def _letters(batch: PrintBatch) -> list[tuple[Delivery, Statement, str]] | None:
    deliveries = list(Delivery.objects.filter(batch_id=batch.pk).select_related("statement")
                      .order_by("postal_code", "id"))
    names = dict(InsuredPerson.objects.filter(pk__in=[d.statement.person_id for d in deliveries])
                 .values_list("pk", "name"))
    if any(d.statement.person_id not in names for d in deliveries):
        return None
    return [(d, d.statement, names[d.statement.person_id]) for d in deliveries]


def print_batch_files(batch: PrintBatch) -> tuple[bytes, bytes]:
    """(merged PDF, manifest CSV) of a batch: the same bytes every time."""
    letters = batch_letters(batch)
    doc = Document(title=f"{batch.region.code}-{batch.seq}")
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")  # formula-looking cells as text (the print shop opens it)
    writer.writerow(["序号", "邮政编码", "姓名", "地址", "年度", "核验码", "页码"])
    for n, (delivery, statement, name) in enumerate(letters, start=1):
        first_page = len(doc.pages) + 1
        statement_draw(doc, statement.snapshot)
        writer.writerow([n, delivery.postal_code, name, delivery.address, statement.year,
                         statement.verification_code, first_page])
    return doc.bytes(), ("\ufeff" + out.getvalue()).encode("utf-8")


def print_batch_path(batch: PrintBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / "statements" / "batches" / f"{batch.region.code}-{batch.seq:05d}"
