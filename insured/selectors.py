from __future__ import annotations

from django.db import router
from django.db.models import QuerySet

from agency.access import Viewer, scope
from common.compiled import CompiledValues, fetch_instances
from insured.models import InsuredPerson


def persons_visible(viewer: Viewer) -> QuerySet[InsuredPerson]:
    return scope(InsuredPerson.objects.select_related("region"), viewer)


def person_find_by_document(viewer: Viewer, document_number: str) -> QuerySet[InsuredPerson]:
    """Exact lookup; a lower-case x is accepted as the stored upper-case X."""
    return persons_visible(viewer).filter(document_number=document_number.strip().upper())


LOOKUP_FIELDS = ("id", "document_type", "document_number", "name", "sex", "birth_date", "region__code")
# A document number is unique: the lookup finds one person or none.
_lookup = CompiledValues(person_find_by_document, LOOKUP_FIELDS, limit=1)


def person_lookup_rows(viewer: Viewer, document_number: str) -> list[dict]:
    """`person_find_by_document` as values, with its SQL compiled once per kind of viewer."""
    return _lookup.rows(viewer, document_number.strip().upper())


def person_lock_by_document(document_number: str) -> InsuredPerson | None:
    """The person with this (normalised) number, locked FOR UPDATE until the transaction ends.
    Unscoped: the services that call it decide what the caller may do with the person."""
    found = fetch_instances(router.db_for_write(InsuredPerson), [(InsuredPerson, "p")], "",
                            "p.document_number = %s", [document_number], lock=True)
    return found[0] if found else None
