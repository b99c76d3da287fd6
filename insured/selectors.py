from __future__ import annotations

from django.db.models import QuerySet

from agency.access import Viewer, scope
from insured.models import InsuredPerson


def persons_visible(viewer: Viewer) -> QuerySet[InsuredPerson]:
    return scope(InsuredPerson.objects.select_related("region"), viewer)


def person_find_by_document(viewer: Viewer, document_number: str) -> QuerySet[InsuredPerson]:
    """Exact lookup; a lower-case x is accepted as the stored upper-case X."""
    return persons_visible(viewer).filter(document_number=document_number.strip().upper())
